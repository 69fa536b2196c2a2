import { execFile } from "node:child_process";
import { once } from "node:events";
import https from "node:https";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LogRing } from "../../src/device/log-ring.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { MemoryMonitor } from "../../src/device/memory.js";
import { SocketBudget } from "../../src/web/socket-budget.js";
import {
  attachTlsDiagnostics,
  classifyTlsError,
  TLS_FAILURE_CLASSES,
  type TlsDiagnostics,
  type TlsDiagnosticsOptions,
  type TlsFailureClass,
} from "../../src/web/tls-diagnostics.js";
import { makeTlsFixture, type TlsFixture } from "../helpers/tls-fixture.js";

let fx: TlsFixture;
beforeAll(() => {
  fx = makeTlsFixture();
});
afterAll(() => fx.cleanup());

interface Harness {
  port: number;
  server: https.Server;
  diag: TlsDiagnostics;
  ring: LogRing;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(
  diagOpts: Partial<TlsDiagnosticsOptions> = {},
  serverOpts: https.ServerOptions = {},
): Promise<Harness> {
  const { logger, ring } = createDeviceLogger({ destination: null });
  const server = https.createServer(
    { key: fx.key, cert: fx.cert, minVersion: "TLSv1.2", handshakeTimeout: 10_000, ...serverOpts },
    (_req, res) => res.end("ok"),
  );
  const diag = attachTlsDiagnostics(server, { logger, ...diagOpts });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanups.push(() => {
    diag.detach();
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as net.AddressInfo).port, server, diag, ring };
}

function total(h: Harness): number {
  return Object.values(h.diag.counts()).reduce((a, b) => a + b, 0);
}

async function failureCounted(h: Harness, before: number): Promise<void> {
  const until = Date.now() + 10_000;
  while (total(h) <= before) {
    if (Date.now() > until) throw new Error("no TLS failure was recorded");
    await sleep(10);
  }
}

/** Runs a real client to completion; its own success or failure is not the point. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { timeout: 10_000 }, (_err, stdout, stderr) =>
      resolve(`${stdout}${stderr}`),
    );
    p.stdin?.end();
  });
}

function rawClient(port: number, act: (s: net.Socket) => void): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => act(s));
    s.on("error", () => {});
    s.on("close", () => resolve());
  });
}

/** Drives one real client and expects exactly one failure of `cls`, logged in one line. */
async function expectOne(h: Harness, cls: TlsFailureClass, client: () => Promise<unknown>): Promise<string> {
  const before = h.diag.counts();
  const seqBefore = h.ring.newestSeq;
  const n = total(h);
  await client();
  await failureCounted(h, n);
  await sleep(50);
  const after = h.diag.counts();
  const changed = TLS_FAILURE_CLASSES.filter((c) => after[c] !== before[c]);
  expect(changed).toEqual([cls]);
  expect(after[cls]).toBe(before[cls] + 1);
  const lines = h.ring.after(seqBefore).lines.filter((l) => l.tag === "tls");
  expect(lines).toHaveLength(1);
  // The peer is named even when its socket was gone by the time the failure surfaced.
  expect(lines[0]!.msg).toMatch(/ from 127\.0\.0\.1:\d+: /);
  return lines[0]!.msg;
}

describe("TLS diagnostics with real clients", () => {
  it("openssl offering only TLS 1.1 is a protocol mismatch", async () => {
    const h = await start();
    const msg = await expectOne(h, "protocol_mismatch", () =>
      run("openssl", ["s_client", "-connect", `127.0.0.1:${h.port}`, "-tls1_1"]),
    );
    expect(msg).toContain("TLS 1.2 or newer required");
    expect(msg).toContain("[ERR_SSL_UNSUPPORTED_PROTOCOL]");
  });

  it("openssl with no cipher in common is a protocol mismatch", async () => {
    const h = await start();
    const msg = await expectOne(h, "protocol_mismatch", () =>
      run("openssl", [
        "s_client",
        "-connect",
        `127.0.0.1:${h.port}`,
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256",
      ]),
    );
    expect(msg).toContain("no cipher or key exchange in common");
  });

  it("curl and openssl refusing the self-signed certificate are 'certificate refused'", async () => {
    const h = await start();
    const curlMsg = await expectOne(h, "certificate_refused", () =>
      run("curl", ["-sS", "--resolve", `localhost:${h.port}:127.0.0.1`, `https://localhost:${h.port}/`]),
    );
    expect(curlMsg).toMatch(
      /^TLS handshake failed \(certificate refused\) from 127\.0\.0\.1:\d+: the client refused/,
    );
    expect(curlMsg).toContain("unknown ca");
    await expectOne(h, "certificate_refused", () =>
      run("openssl", [
        "s_client",
        "-connect",
        `127.0.0.1:${h.port}`,
        "-servername",
        "localhost",
        "-verify_return_error",
      ]),
    );
    // The same certificate, once trusted, is not a failure at all.
    const ok = await run("curl", [
      "-sS",
      "--cacert",
      fx.certPath,
      "--resolve",
      `localhost:${h.port}:127.0.0.1`,
      `https://localhost:${h.port}/`,
    ]);
    expect(ok).toBe("ok");
    expect(h.diag.counts().certificate_refused).toBe(2);
  });

  it("a Node client that rejects the certificate sends no alert: the server can only see an abort", async () => {
    const h = await start();
    await expectOne(
      h,
      "client_aborted",
      () =>
        new Promise<void>((resolve) => {
          const c = tls.connect({ port: h.port, host: "127.0.0.1", servername: "localhost" });
          c.on("error", () => resolve());
        }),
    );
  });

  it("plain HTTP spoken to the HTTPS port is a protocol mismatch, said plainly", async () => {
    const h = await start();
    const msg = await expectOne(h, "protocol_mismatch", () =>
      rawClient(h.port, (s) => s.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")),
    );
    expect(msg).toContain("plain HTTP was sent to the HTTPS port");
  });

  it("a TCP connect and immediate close, and a reset, are client aborts", async () => {
    const h = await start();
    await expectOne(h, "client_aborted", () => rawClient(h.port, (s) => s.end()));
    await expectOne(h, "client_aborted", () => rawClient(h.port, (s) => s.resetAndDestroy()));
  });

  it("random bytes are a protocol mismatch", async () => {
    const h = await start();
    let x = 12345;
    for (let i = 0; i < 4; i++) {
      const bytes = Buffer.alloc(64);
      for (let j = 0; j < bytes.length; j++) {
        x = (x * 1103515245 + 12345) >>> 0;
        bytes[j] = x >>> 24;
      }
      // Never a TLS record type (0x14-0x17) nor an SSLv2 header (high bit): OpenSSL must not wait for more.
      bytes[0] = 0x20 + (bytes[0]! % 0x50);
      await expectOne(h, "protocol_mismatch", () =>
        rawClient(h.port, (s) => {
          s.write(bytes);
        }),
      );
    }
  });

  it("a client that connects and says nothing is a handshake timeout", async () => {
    const h = await start({}, { handshakeTimeout: 400 });
    const msg = await expectOne(h, "handshake_timeout", () => rawClient(h.port, () => {}));
    expect(msg).toContain("went silent");
  });

  it("a server that cannot load its key for a session reports out of resources, with memory figures", async () => {
    const { logger } = createDeviceLogger({ destination: null });
    const memory = new MemoryMonitor({ logger });
    const h = await start(
      { memory },
      {
        SNICallback: (_name, cb) => {
          try {
            cb(null, tls.createSecureContext({ key: "not a key", cert: fx.cert }));
          } catch (err) {
            cb(err as Error);
          }
        },
      },
    );
    const msg = await expectOne(
      h,
      "out_of_resources",
      () =>
        new Promise<void>((resolve) => {
          const c = tls.connect({ port: h.port, host: "127.0.0.1", servername: "localhost", ca: fx.cert });
          c.on("error", () => resolve());
          c.on("secureConnect", () => c.destroy(new Error("unexpected success")));
        }),
    );
    expect(msg).toContain("could not set up the TLS session");
    expect(msg).toMatch(/heap free [\d.]+ MiB, minimum free since start [\d.]+ MiB, RSS [\d.]+ MiB/);
  });

  it("a connection the socket budget turns away counts as queue_refused (its own class, not out of resources)", async () => {
    const { logger, ring } = createDeviceLogger({ destination: null });
    const memory = new MemoryMonitor({ logger });
    const server = https.createServer({ key: fx.key, cert: fx.cert, handshakeTimeout: 20_000 });
    const budget = new SocketBudget({ logger, maxSessions: 1, maxQueue: 0 });
    const netServer = budget.attach(server);
    const diag = attachTlsDiagnostics(server, { logger, memory, budget });
    netServer.listen(0, "127.0.0.1");
    await once(netServer, "listening");
    cleanups.push(async () => {
      diag.detach();
      await budget.closeAll(500);
    });
    const port = (netServer.address() as net.AddressInfo).port;
    const holder = net.connect(port, "127.0.0.1");
    holder.on("error", () => {});
    const until = Date.now() + 10_000;
    while (budget.stats().open < 1 && Date.now() < until) await sleep(10);
    await rawClient(port, () => {});
    expect(diag.counts()).toMatchObject({ queue_refused: 1, out_of_resources: 0 });
    const line = ring.after(0).lines.find((l) => l.tag === "tls");
    // Load handled as designed: neither an error nor a memory report.
    expect(line?.level).toBe("info");
    expect(line?.msg).toContain("refused by the session budget");
    expect(line?.msg).toContain("every TLS session slot was busy and the wait queue was full");
    expect(line?.msg).not.toContain("minimum free since start");
    holder.destroy();
  });

  it("a flood is counted exactly but logged as a few lines and one summary", async () => {
    const h = await start({ maxLinesPerWindow: 5, windowMs: 60_000 });
    for (let i = 0; i < 30; i++) await rawClient(h.port, (s) => s.end());
    const until = Date.now() + 10_000;
    while (h.diag.counts().client_aborted < 30 && Date.now() < until) await sleep(10);
    expect(h.diag.counts().client_aborted).toBe(30);
    h.diag.detach();
    const lines = h.ring.after(0).lines.filter((l) => l.tag === "tls");
    expect(lines).toHaveLength(6);
    expect(lines.slice(0, 5).every((l) => l.msg.startsWith("TLS handshake failed (client aborted)"))).toBe(
      true,
    );
    expect(lines[5]?.msg).toBe("TLS: 25 more handshake failures not logged one by one: client aborted 25");
  });

  it("rejects bad options without attaching anything", async () => {
    const { logger } = createDeviceLogger({ destination: null });
    const server = tls.createServer({ key: fx.key, cert: fx.cert });
    const n = server.listenerCount("tlsClientError");
    expect(() => attachTlsDiagnostics(server, { logger, maxLinesPerWindow: -1 })).toThrow(RangeError);
    expect(() => attachTlsDiagnostics(server, { logger, windowMs: 0 })).toThrow(/windowMs/);
    expect(server.listenerCount("tlsClientError")).toBe(n);
  });
});

describe("classifyTlsError", () => {
  const err = (code: string | undefined, message = "x", extra: Record<string, string> = {}) =>
    Object.assign(new Error(message), code ? { code } : {}, extra);

  it.each([
    ["ENOMEM", "out_of_resources"],
    ["EMFILE", "out_of_resources"],
    ["ENFILE", "out_of_resources"],
    ["ERR_SSL_MALLOC_FAILURE", "out_of_resources"],
    ["ECONNRESET", "client_aborted"],
    ["EPIPE", "client_aborted"],
    ["ERR_SSL_TLSV1_ALERT_USER_CANCELLED", "client_aborted"],
    ["ERR_TLS_HANDSHAKE_TIMEOUT", "handshake_timeout"],
    ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "certificate_refused"],
    ["ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN", "certificate_refused"],
    ["ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", "certificate_refused"],
    ["ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED", "certificate_refused"],
    ["ERR_SSL_NO_SHARED_CIPHER", "protocol_mismatch"],
    ["ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", "protocol_mismatch"],
    ["ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION", "protocol_mismatch"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "protocol_mismatch"],
    ["ERR_SSL_HTTP_REQUEST", "protocol_mismatch"],
    ["ERR_OSSL_PEM_NO_START_LINE", "out_of_resources"],
  ] as const)("%s -> %s", (code, cls) => {
    expect(classifyTlsError(err(code)).class).toBe(cls);
  });

  it("a plain 'socket hang up' without a code is an abort; anything unknown is 'other' and never throws", () => {
    expect(classifyTlsError(err(undefined, "socket hang up")).class).toBe("client_aborted");
    expect(classifyTlsError(err(undefined, "ctx boom"))).toEqual({
      class: "other",
      code: "",
      detail: "the TLS handshake failed: ctx boom",
    });
    expect(classifyTlsError(undefined).class).toBe("other");
    expect(classifyTlsError("weird").class).toBe("other");
    expect(classifyTlsError(err("ERR_OSSL_UNSUPPORTED", "x", { library: "DECODER routines" })).class).toBe(
      "out_of_resources",
    );
  });
});
