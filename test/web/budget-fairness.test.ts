import http2 from "node:http2";
import https from "node:https";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { markLiveStream } from "../../src/web/live-stream.js";
import { fetchTls, type RunningApp, startApp } from "./harness.js";

const BIG = Buffer.alloc(4 * 1024 * 1024, "x");

const apps: RunningApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function start(sessions: Record<string, number>): Promise<RunningApp> {
  const app = await startApp({
    sessions,
    configure: (h) => {
      h.app.get("/api/test/big", async (_req, reply) => reply.type("application/octet-stream").send(BIG));
      h.app.post("/api/test/echo", async (req) => ({ got: req.body }));
      h.app.get<{ Querystring: { size?: string } }>("/api/test/live", (req, reply) => {
        const size = Number(req.query.size ?? 16);
        markLiveStream(reply.raw);
        reply.raw.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
        const timer = setInterval(() => reply.raw.write(`data: ${"x".repeat(size)}\n\n`), 50);
        reply.raw.once("close", () => clearInterval(timer));
        return reply.hijack();
      });
    },
  });
  apps.push(app);
  return app;
}

function tlsOpen(app: RunningApp, alpn = ["http/1.1"]): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: "127.0.0.1",
      port: app.port,
      servername: "localhost",
      ca: app.tls.cert,
      ALPNProtocols: alpn,
    });
    s.once("secureConnect", () => resolve(s));
    s.once("error", reject);
  });
}

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe("slow bodies", () => {
  it("HTTP/1.1: a body trickling at 1 byte / 100 ms ends in 408 in the envelope, counted, the connection closed", async () => {
    const app = await start({ maxSessions: 4 });
    const s = await tlsOpen(app);
    let got = "";
    s.on("data", (d: Buffer) => (got += d.toString()));
    const closed = new Promise<void>((r) => s.once("close", () => r()));
    s.write(
      "POST /api/test/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{",
    );
    const t0 = Date.now();
    const trickle = setInterval(() => s.writable && s.write(" "), 100);
    await closed;
    clearInterval(trickle);
    // 1 s of grace plus 200 bytes at 1 KiB/s: ~1.2 s, far below the 20 s request timeout.
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    expect(got).toMatch(/Connection: close/i);
    expect(got).toContain('"error":"bad_request"');
    expect(got).toContain("the request body did not arrive in time");
    expect(app.budget.stats().closed_for.slow_body).toBe(1);
    // A body sent at once is untouched.
    const ok = await fetchTls(app.port, app.tls.cert, "/api/test/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(ok.json()).toEqual({ got: { a: 1 } });
  });

  it("h2: the stream ends with 408, the session keeps serving", async () => {
    const app = await start({ maxSessions: 4 });
    const c = http2.connect(`https://localhost:${app.port}`, {
      ca: app.tls.cert,
      host: "127.0.0.1",
    } as never);
    try {
      const req = c.request(
        {
          ":method": "POST",
          ":path": "/api/test/echo",
          "content-type": "application/json",
          "content-length": "100",
        },
        { endStream: false },
      );
      req.write("{");
      const trickle = setInterval(() => !req.closed && req.write(" "), 100);
      const status = await new Promise<number>((r) => req.once("response", (h) => r(Number(h[":status"]))));
      clearInterval(trickle);
      req.resume();
      expect(status).toBe(408);
      expect(app.budget.stats().closed_for.slow_body).toBe(1);
      const again = c.request({
        ":path": "/api/test/echo",
        ":method": "POST",
        "content-type": "application/json",
      });
      again.end('{"b":2}');
      let body = "";
      again.on("data", (d: Buffer) => (body += d.toString()));
      await new Promise((r) => again.once("end", r));
      expect(JSON.parse(body)).toEqual({ got: { b: 2 } });
    } finally {
      c.destroy();
    }
  });
});

describe("slow readers", () => {
  it("a client pipelining large responses and never reading is abandoned while others wait; the waiter is served", async () => {
    const app = await start({ maxSessions: 1, idleGraceMs: 5_000 });
    const reader = await tlsOpen(app);
    reader.pause();
    const readerClosed = new Promise<void>((r) => reader.once("close", () => r()));
    reader.on("error", () => {});
    reader.write("GET /api/test/big HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(4));
    await waitFor("the response to back up", () => app.budget.stats().open === 1);
    await sleep(300);
    const t0 = Date.now();
    const waiter = await fetchTls(app.port, app.tls.cert, "/");
    expect(waiter.status).toBe(200);
    // flushStallMs (1 s) plus the check's resolution and a handshake.
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(app.budget.stats().closed_for.slow_reader).toBe(1);
    reader.resume();
    await readerClosed;
  });

  it("h2: a session whose client stops reading (its window closes) is abandoned the same way", async () => {
    const app = await start({ maxSessions: 1, idleGraceMs: 5_000 });
    const c = http2.connect(`https://localhost:${app.port}`, {
      ca: app.tls.cert,
      host: "127.0.0.1",
    } as never);
    c.on("error", () => {});
    const req = c.request({ ":path": "/api/test/big" });
    req.on("error", () => {});
    req.pause();
    await new Promise((r) => req.once("response", r));
    const t0 = Date.now();
    expect((await fetchTls(app.port, app.tls.cert, "/")).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(app.budget.stats().closed_for.slow_reader).toBe(1);
    c.destroy();
  });
});

describe("live streams (markLiveStream)", () => {
  it("a healthy stream is never sliced or cut while busy clients rotate around it; a stream nobody reads is closed", async () => {
    const app = await start({ maxSessions: 2, idleGraceMs: 5_000 });
    // The page's one HTTP/1.1 keep-alive socket carries a live stream.
    let events = 0;
    const live = https.get(
      {
        host: "127.0.0.1",
        port: app.port,
        servername: "localhost",
        ca: app.tls.cert,
        path: "/api/test/live",
        agent: false,
      },
      (res) => res.on("data", (d: Buffer) => (events += d.toString().split("\n\n").length - 1)),
    );
    live.on("error", () => {});
    await waitFor("events to flow", () => events > 2);
    let liveSocketClosed = false;
    live.once("socket", (s) => s.once("close", () => (liveSocketClosed = true)));
    // Busy clients compete for the other slot for 2 s.
    const until = Date.now() + 2_000;
    let served = 0;
    const busy = async () => {
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: app.tls.cert });
      while (Date.now() < until) {
        await fetchOn(app, agent);
        served++;
      }
      agent.destroy();
    };
    const before = events;
    await Promise.all([busy(), busy(), busy()]);
    expect(served).toBeGreaterThan(10);
    expect(app.budget.stats().sliced).toBeGreaterThan(0);
    expect(events - before).toBeGreaterThan(20);
    expect(liveSocketClosed).toBe(false);
    live.destroy();

    // A stream whose client stops reading fills its buffers and is closed as a slow reader.
    const dead = await tlsOpen(app);
    dead.on("error", () => {});
    dead.pause();
    dead.write("GET /api/test/live?size=262144 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const holder = await tlsOpen(app); // holds the second slot, so a newcomer waits
    holder.on("error", () => {});
    holder.write("GET /api/test/live HTTP/1.1\r\nHost: localhost\r\n\r\n");
    holder.on("data", () => {});
    await waitFor("both slots to be taken", () => app.budget.stats().open === 2);
    const t0 = Date.now();
    expect((await fetchTls(app.port, app.tls.cert, "/")).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(app.budget.stats().closed_for.slow_reader).toBe(1);
    holder.destroy();
    dead.destroy();
  });
});

function fetchOn(app: RunningApp, agent: https.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: "127.0.0.1", port: app.port, servername: "localhost", path: "/", agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

describe("ready first", () => {
  it("a client that has sent its ClientHello is admitted before silent and partial connections from the same address", async () => {
    const app = await start({ maxSessions: 1, idleGraceMs: 200, stallGraceMs: 200, queueTimeoutMs: 20_000 });
    const junk: net.Socket[] = [];
    for (let i = 0; i < 10; i++) {
      const silent = net.connect(app.port, "127.0.0.1");
      silent.on("error", () => {});
      const partial = net.connect(app.port, "127.0.0.1", () =>
        partial.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])),
      );
      partial.on("error", () => {});
      junk.push(silent, partial);
    }
    await waitFor("the junk to queue", () => app.budget.stats().queued_now >= 19);
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) expect((await fetchTls(app.port, app.tls.cert, "/")).status).toBe(200);
    // Each admission costs at most one stall grace (the junk in the slot is closed), not 20 of them.
    expect(Date.now() - t0).toBeLessThan(2_500);
    for (const j of junk) j.destroy();
  });
});
