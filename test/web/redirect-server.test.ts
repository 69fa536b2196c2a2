import type { Server } from "node:http";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { HostAllowlist, parseHostHeader } from "../../src/web/host-allowlist.js";
import { listenOn } from "../../src/web/port-errors.js";
import { createRedirectServer, redirectLocation, redirectTarget } from "../../src/web/redirect-server.js";
import { runTool } from "./harness.js";

const HOSTNAME = "OWTS-winch-3A4F1C";
const OWN = `${HOSTNAME}.local`;
const HTTPS_PORT = 8443;

let server: Server;
let port: number;
const { logger, ring } = createDeviceLogger({ destination: null, level: "debug" });

beforeAll(async () => {
  const allowlist = new HostAllowlist({
    hostname: () => HOSTNAME,
    addresses: () => ["192.168.4.1", "10.0.0.7", "fe80::1"],
  });
  server = createRedirectServer({ httpsPort: () => HTTPS_PORT, allowlist, logger });
  port = (await listenOn(server, { port: 0, host: "127.0.0.1" })).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Writes `request` verbatim on a fresh TCP connection; resolves with everything read until close or idle. */
function raw(request: string | Buffer, idleMs = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, "127.0.0.1", () => s.write(request));
    let got = "";
    let idle: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(idle);
      s.destroy();
      resolve(got);
    };
    s.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      clearTimeout(idle);
      idle = setTimeout(finish, idleMs);
    });
    s.on("close", finish);
    s.on("error", (err) => (got ? finish() : reject(err)));
  });
}

function headerOf(response: string, name: string): string | undefined {
  return new RegExp(`^${name}: (.*)\\r$`, "im").exec(response)?.[1];
}

describe("redirect server", () => {
  it("sends every method and path to HTTPS with the same path and query, no body", async () => {
    for (const method of ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]) {
      const got = await raw(
        `${method} /config/radio?x=1&y=%20z HTTP/1.1\r\nHost: 192.168.4.1\r\nConnection: close\r\n\r\n`,
      );
      expect(got, method).toMatch(/^HTTP\/1\.1 302 Found\r\n/);
      expect(headerOf(got, "Location"), method).toBe(
        `https://192.168.4.1:${HTTPS_PORT}/config/radio?x=1&y=%20z`,
      );
      expect(headerOf(got, "Content-Length"), method).toBe("0");
      expect(got.split("\r\n\r\n")[1], method).toBe("");
    }
  });

  it("never serves the API or content over HTTP", async () => {
    const got = await raw("GET /api/about HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    expect(got).toMatch(/^HTTP\/1\.1 302 /);
    expect(headerOf(got, "Location")).toBe(`https://localhost:${HTTPS_PORT}/api/about`);
    expect(got).not.toMatch(/Content-Type/i);
  });

  it("keeps the Host only when it names this device", async () => {
    const cases: [string | null, string][] = [
      ["192.168.4.1", "192.168.4.1"],
      ["192.168.4.1:80", "192.168.4.1"],
      ["10.0.0.7:8080", "10.0.0.7"],
      ["127.0.0.1", "127.0.0.1"], // the address this request arrived on
      ["localhost", "localhost"],
      ["LOCALHOST:80", "LOCALHOST"],
      [OWN, OWN],
      ["owts-winch-3a4f1c.local", "owts-winch-3a4f1c.local"],
      ["OWTS-winch-3A4F1C.local.", OWN],
      ["[fe80::1]", "[fe80::1]"],
      ["[FE80:0:0::1]:80", "[fe80::1]"],
      ["evil.com", OWN],
      ["evil.com:80", OWN],
      ["evil.com@192.168.4.1", OWN],
      ["192.168.4.1@evil.com", OWN],
      ["192.168.4.1.evil.com", OWN],
      ["OWTS-winch-3A4F1C.local.evil.com", OWN],
      ["evil.com/192.168.4.1", OWN],
      ["192.168.4.1:99999", OWN],
      ["192.168.4.1:", OWN],
      ["[::1", OWN],
      ["%31%39%32.168.4.1", OWN],
      ["", OWN],
      ["OWTS-aircraft-3A4F1C.local", OWN],
      [null, OWN],
    ];
    for (const [host, expected] of cases) {
      const hostLine = host === null ? "" : `Host: ${host}\r\n`;
      // HTTP/1.0 so a missing Host is legal and reaches the handler.
      const got = await raw(`GET /p?q=1 HTTP/1.0\r\n${hostLine}\r\n`);
      expect(headerOf(got, "Location"), String(host)).toBe(`https://${expected}:${HTTPS_PORT}/p?q=1`);
    }
  });

  it("rejects CR/LF smuggled into the Host or path, and serves the next client", async () => {
    const smuggled = await raw("GET / HTTP/1.1\r\nHost: 192.168.4.1\rLocation: https://evil.com\r\n\r\n");
    expect(smuggled).toMatch(/^HTTP\/1\.1 400 /);
    expect(smuggled).not.toContain("evil.com");
    const ok = await raw("GET / HTTP/1.1\r\nHost: 192.168.4.1\r\nConnection: close\r\n\r\n");
    expect(ok).toMatch(/^HTTP\/1\.1 302 /);
  });

  it("keeps only the path of an absolute-form request target", async () => {
    const got = await raw(
      "GET http://evil.com/steal?x=1 HTTP/1.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n",
    );
    expect(headerOf(got, "Location")).toBe(`https://${OWN}:${HTTPS_PORT}/steal?x=1`);
    const star = await raw("OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    expect(headerOf(star, "Location")).toBe(`https://localhost:${HTTPS_PORT}/`);
  });

  it("refuses raw non-ASCII bytes in the request target with 400 (never echoes them into Location)", async () => {
    const got = await raw(
      Buffer.concat([
        Buffer.from("GET /caf"),
        Buffer.from([0xc3, 0xa9]),
        Buffer.from(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
      ]),
    );
    expect(got).toMatch(/^HTTP\/1\.1 400 /);
    expect(got).not.toMatch(/Location/i);
    const encoded = await raw("GET /caf%C3%A9 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    expect(headerOf(encoded, "Location")).toBe(`https://localhost:${HTTPS_PORT}/caf%C3%A9`);
  });

  it("closes the connection after a request that carried a body", async () => {
    const got = await raw(
      'POST /api/mode HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"mode":"winch"}',
    );
    expect(got).toMatch(/^HTTP\/1\.1 302 /);
    expect(headerOf(got, "Connection")).toBe("close");
  });

  it("answers oversize headers with 431", async () => {
    const got = await raw(`GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"a".repeat(9000)}\r\n\r\n`);
    expect(got).toMatch(/^HTTP\/1\.1 431 /);
  });

  it("closes a TLS ClientHello cleanly, logs it, and keeps serving", async () => {
    const before = ring.after(0).lines.length;
    const outcome = await new Promise<string>((resolve) => {
      const s = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false });
      s.on("secureConnect", () => resolve("handshake completed?!"));
      s.on("error", (err: NodeJS.ErrnoException) => resolve(`${err.code}: ${err.message}`));
      s.on("close", () => resolve("closed"));
    });
    // Node's wording for an orderly close (FIN) mid-handshake; a reset would read "read ECONNRESET".
    expect(outcome).toMatch(/disconnected before secure TLS connection was established/);
    const sc = await runTool("openssl", ["s_client", "-connect", `127.0.0.1:${port}`], "");
    expect(sc.code).not.toBe(0);
    const logged = ring
      .after(0)
      .lines.slice(before)
      .map((l) => l.msg);
    expect(logged).toContain(`a client spoke HTTPS to the HTTP port; HTTPS is on port ${HTTPS_PORT}`);
    const ok = await raw("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    expect(ok).toMatch(/^HTTP\/1\.1 302 /);
  });

  it("works for curl, which sees the redirect and no body", async () => {
    const r = await runTool("curl", [
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{redirect_url} %{size_download}",
      "-H",
      "Host: OWTS-winch-3A4F1C.local",
      `http://127.0.0.1:${port}/aircraft/live?from=curl`,
    ]);
    expect(r.stdout).toBe(`302 https://${OWN}:${HTTPS_PORT}/aircraft/live?from=curl 0`);
    const evil = await runTool("curl", [
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{redirect_url}",
      "-H",
      "Host: evil.com",
      `http://127.0.0.1:${port}/`,
    ]);
    expect(evil.stdout).toBe(`https://${OWN}:${HTTPS_PORT}/`);
  });
});

describe("redirect helpers", () => {
  it("omits the port for 443", () => {
    expect(redirectLocation("192.168.4.1", 443, "/x?y")).toBe("https://192.168.4.1/x?y");
    expect(redirectLocation("[::1]", 8443, "/")).toBe("https://[::1]:8443/");
  });

  it("reduces any request target to a safe path", () => {
    expect(redirectTarget(undefined)).toBe("/");
    expect(redirectTarget("*")).toBe("/");
    expect(redirectTarget("evil.com/x")).toBe("/");
    expect(redirectTarget("HTTPS://evil.com:1/a/b?c=d")).toBe("/a/b?c=d");
    expect(redirectTarget("http://[bad")).toBe("/");
    expect(redirectTarget("//evil.com/x")).toBe("//evil.com/x");
    expect(redirectTarget("/a b\t\u007f")).toBe("/a%20b%09%7F");
    expect(redirectTarget("/\u20ac")).toBe("/%E2%82%AC");
  });

  it("parses Host headers strictly", () => {
    expect(parseHostHeader("a.b:8080")).toEqual({ host: "a.b", kind: "name", port: 8080 });
    expect(parseHostHeader("192.168.4.1")).toEqual({ host: "192.168.4.1", kind: "ipv4" });
    expect(parseHostHeader("[::0001]:80")).toEqual({ host: "::1", kind: "ipv6", port: 80 });
    for (const bad of [
      undefined,
      "",
      "a b",
      "a@b",
      "a/b",
      "a:0",
      "a:65536",
      "a:-1",
      "[zz::1]",
      "[::1]x",
      "a..b",
      ".a",
      "x".repeat(256),
      "a\r\nb",
    ]) {
      expect(parseHostHeader(bad), String(bad)).toBeNull();
    }
  });

  it("follows a hostname change (mode switch) and reads addresses at each call", () => {
    let mode = "winch";
    let addresses = ["192.168.4.1"];
    const list = new HostAllowlist({ hostname: () => `OWTS-${mode}-3A4F1C`, addresses: () => addresses });
    expect(list.redirectHost("OWTS-winch-3A4F1C.local")).toBe("OWTS-winch-3A4F1C.local");
    mode = "aircraft";
    expect(list.redirectHost("OWTS-winch-3A4F1C.local")).toBe("OWTS-aircraft-3A4F1C.local");
    expect(list.redirectHost("10.1.1.1")).toBe("OWTS-aircraft-3A4F1C.local");
    addresses = ["10.1.1.1"];
    expect(list.redirectHost("10.1.1.1")).toBe("10.1.1.1");
    expect(list.redirectHost("192.168.4.1", "::ffff:192.168.4.1")).toBe("192.168.4.1");
  });
});
