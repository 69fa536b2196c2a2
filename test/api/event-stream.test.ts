import { type TLSSocket, connect as tlsConnect } from "node:tls";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventStreams, type EventStreams, HEARTBEAT } from "../../src/api/event-stream.js";
import { createLiveFeed, type LiveFeed } from "../../src/core/live-feed.js";
import { h2Session, openSse, openSseH2 } from "../helpers/sse-client.js";
import { makeTlsFixture, type TlsFixture } from "../helpers/tls-fixture.js";

/*
 * The event-stream writer on its own, on the transport the HTTP/2 work brings: Fastify with
 * `http2: true` and `allowHTTP1`, one app answering both. The document is a stand-in with a version and
 * as much padding as a case needs, so back-pressure can be made real (a client that stops reading)
 * without waiting minutes for kernel buffers to fill with 400-byte documents.
 */

interface Doc {
  version: number;
  pad: string;
}

function docFeed(padBytes: number) {
  let version = 0;
  let notify: (() => void) | null = null;
  const pad = "x".repeat(padBytes);
  const feed: LiveFeed<Doc> = createLiveFeed({
    read: () => ({ doc: { version, pad }, etag: `W/"v${version}"` }),
    signals: (n) => {
      notify = n;
      return () => {
        notify = null;
      };
    },
  });
  return {
    feed,
    version: () => version,
    bump: () => {
      version++;
      notify?.();
    },
  };
}

let tls: TlsFixture;
let app: FastifyInstance;
let port: number;
let streams: EventStreams;
const small = docFeed(10);
const big = docFeed(1 << 20);
const ending = docFeed(10);

beforeAll(async () => {
  tls = makeTlsFixture();
  streams = createEventStreams({ heartbeatMs: 100, stallMs: 1000 });
  app = fastify({ http2: true, https: { allowHTTP1: true, key: tls.key, cert: tls.cert } }) as never;
  app.get("/small", (req: FastifyRequest, reply: FastifyReply) => streams.serve(req, reply, small.feed));
  app.get("/ending", (req, reply) =>
    streams.serve(req as FastifyRequest, reply as FastifyReply, ending.feed),
  );
  app.get("/big", (req: FastifyRequest, reply: FastifyReply) => streams.serve(req, reply, big.feed));
  await app.listen({ port: 0, host: "127.0.0.1" });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  small.feed.end();
  big.feed.end();
  await app.close();
  tls.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("event streams over HTTP/2 (Fastify's compat layer)", () => {
  it("ends cleanly (not reset) when the feed ends, i.e. on a mode restart or shutdown", async () => {
    const session = h2Session(port);
    const s = await openSseH2(session, "/ending");
    await s.next();
    const h1 = await openSse({ port, path: "/ending" });
    await h1.next();
    ending.feed.end();
    expect(await s.ended).toBe("end");
    expect(await h1.ended).toBe("end");
    expect(s.retry).toBe(1000);
    session.close();
  });

  it("pushes each change once with its id, heartbeats, and bounds streams per session", async () => {
    const session = h2Session(port);
    const s = await openSseH2(session, "/small");
    expect(s.status).toBe(200);
    expect(s.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(s.headers.connection).toBeUndefined();
    const first = await s.next();
    expect(first.id).toBe(`W/"v${small.version()}"`);
    small.bump();
    small.bump();
    await sleep(20);
    small.bump();
    await s.next((e) => e.id === `W/"v${small.version()}"`);
    const ids = s.events.filter((e) => e.event === "message").map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    await sleep(350);
    expect(s.raw()).toContain(HEARTBEAT);

    // Bounded per session: a page's third stream on one connection is refused; a new session is not.
    const second = await openSseH2(session, "/small");
    expect(second.status).toBe(200);
    const third = await openSseH2(session, "/small");
    expect(third.status).toBe(429);
    expect(third.headers["retry-after"]).toBe("5");
    const other = h2Session(port);
    const fourth = await openSseH2(other, "/small");
    expect(fourth.status).toBe(200);
    expect(streams.open()).toBe(3);
    for (const x of [second, fourth]) x.close();
    await sleep(50);
    expect(streams.open()).toBe(1);

    // The same app serves HTTP/1.1 clients the same stream.
    const h1 = await openSse({ port, path: "/small" });
    expect(h1.status).toBe(200);
    expect((await h1.next()).id).toBe(`W/"v${small.version()}"`);
    h1.close();
    session.close();
    other.close();
  });

  it("Last-Event-ID equal to the current tag sends nothing until the next change", async () => {
    const session = h2Session(port);
    const tag = `W/"v${small.version()}"`;
    const s = await openSseH2(session, "/small", { "last-event-id": tag });
    await sleep(250);
    expect(s.events.filter((e) => e.event === "message")).toEqual([]);
    small.bump();
    expect((await s.next((e) => e.event === "message")).id).toBe(`W/"v${small.version()}"`);
    session.close();
  });
});

/** An HTTP/1.1 stream request on a raw TLS socket that then reads nothing until `resume()`. */
async function stalledClient(path: string): Promise<{ socket: TLSSocket; received: () => string }> {
  const socket = tlsConnect({
    host: "127.0.0.1",
    port,
    rejectUnauthorized: false,
    ALPNProtocols: ["http/1.1"],
  });
  await new Promise<void>((r) => socket.once("secureConnect", () => r()));
  let text = "";
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => {
    text += d;
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  await new Promise<void>((r) => socket.once("data", () => r()));
  socket.pause();
  return { socket, received: () => text };
}

describe("a client that stops reading", () => {
  it("gets the newest document when it reads again, not a backlog of every change it missed", async () => {
    const c = await stalledClient("/big");
    const before = big.version();
    // 1 MiB per change, 100 changes: far more than loopback's socket buffers hold.
    for (let i = 0; i < 100; i++) {
      big.bump();
      await sleep(5);
    }
    const newest = big.version();
    c.socket.resume();
    const deadline = performance.now() + 10_000;
    while (!c.received().includes(`id: W/"v${newest}"`) && performance.now() < deadline) await sleep(20);
    const ids = [...c.received().matchAll(/^id: W\/"v(\d+)"$/gm)].map((m) => Number(m[1]));
    expect(ids.at(-1)).toBe(newest);
    // What was in the socket buffers, then the newest: nowhere near one event per change.
    expect(ids.length).toBeLessThan((newest - before) / 3);
    c.socket.destroy();
  }, 20_000);

  it("is cut after stallMs of taking nothing, and the others keep their streams", async () => {
    const session = h2Session(port);
    const healthy = await openSseH2(session, "/small");
    const c = await stalledClient("/big");
    const open = streams.open();
    for (let i = 0; i < 30; i++) {
      big.bump();
      await sleep(5);
    }
    const deadline = performance.now() + 5000;
    while (streams.open() === open && performance.now() < deadline) await sleep(50);
    expect(streams.open()).toBe(open - 1);
    const n = healthy.comments.length;
    await sleep(300);
    expect(healthy.comments.length).toBeGreaterThan(n);
    c.socket.destroy();
    session.close();
  }, 20_000);
});
