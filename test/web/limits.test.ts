import { connect as netConnect } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchTls, type RunningApp, runTool, startApp } from "./harness.js";

let app: RunningApp;

beforeAll(async () => {
  app = await startApp({
    limits: {
      handshakeTimeoutMs: 600,
      headersTimeoutMs: 800,
      requestTimeoutMs: 2_000,
      keepAliveTimeoutMs: 1_000,
      timeoutCheckIntervalMs: 200,
    },
  });
});
afterAll(async () => {
  await app.close();
});

/** Resolves with what the server sent once it closes the connection; rejects if it stays open past `withinMs`. */
function untilClosed(
  socket: NodeJS.ReadableStream & { destroy(): void; on(e: string, f: (...a: never[]) => void): unknown },
  withinMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${withinMs} ms`));
    }, withinMs);
    socket.on("data", (d: Buffer) => {
      got += d.toString("latin1");
    });
    const done = () => {
      clearTimeout(timer);
      resolve(got);
    };
    socket.on("close", done);
    socket.on("error", () => {});
  });
}

function tlsOpen(): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect(
      { host: "127.0.0.1", port: app.port, servername: "localhost", ca: app.tls.cert },
      () => resolve(s),
    );
    s.on("error", reject);
  });
}

describe("limits: a slow or silent client cannot hold a session", () => {
  it("drops a TCP connection that never starts the TLS handshake", async () => {
    const s = netConnect(app.port, "127.0.0.1");
    await expect(untilClosed(s, 8_000)).resolves.toBe("");
  });

  it("drops a TLS session that never sends a request", async () => {
    const s = await tlsOpen();
    await expect(untilClosed(s, 8_000)).resolves.toBeDefined();
  });

  it("answers 408 in the envelope when the headers never complete", async () => {
    const s = await tlsOpen();
    s.write("GET / HTTP/1.1\r\nHost: localhost\r\n");
    const got = await untilClosed(s, 8_000);
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    expect(got).toContain('{"error":"bad_request","message":"the request took too long to arrive"}');
  });

  it("closes an idle keep-alive session after the keep-alive timeout", async () => {
    const s = await tlsOpen();
    s.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const got = await untilClosed(s, 8_000);
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(got).toMatch(/Keep-Alive: timeout=1\r\n/i);
  });

  it("answers 431 in the envelope to oversize headers (curl) and keeps serving", async () => {
    const r = await runTool("curl", [
      "-sS",
      "--cacert",
      app.tls.certPath,
      "--resolve",
      `localhost:${app.port}:127.0.0.1`,
      "-H",
      `X-Big: ${"a".repeat(9000)}`,
      "-w",
      "\\n%{http_code} %{content_type}",
      `https://localhost:${app.port}/api/anything`,
    ]);
    const [body, status] = r.stdout.split("\n");
    expect(status).toBe("431 application/json; charset=utf-8");
    expect(JSON.parse(body!)).toEqual({ error: "bad_request", message: "the request headers are too large" });
    expect((await fetchTls(app.port, app.tls.cert, "/")).status).toBe(200);
  });

  it("answers 400 in the envelope to a request line that is not HTTP", async () => {
    const s = await tlsOpen();
    s.write("HELLO\r\n\r\n");
    const got = await untilClosed(s, 8_000);
    expect(got).toMatch(/^HTTP\/1\.1 400 /);
    expect(got).toContain('"error":"bad_request"');
  });
});
