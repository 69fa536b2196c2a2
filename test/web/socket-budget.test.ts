import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { type RejectInfo, SocketBudget, type SocketBudgetOptions } from "../../src/web/socket-budget.js";
import { makeTlsFixture, type TlsFixture } from "../helpers/tls-fixture.js";

let fx: TlsFixture;
beforeAll(() => {
  fx = makeTlsFixture();
});
afterAll(() => fx.cleanup());

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Harness {
  port: number;
  budget: SocketBudget;
  server: https.Server;
  /** Most connections the HTTPS server held at once, counted independently of the budget. */
  observedPeak(): number;
  rejects: RejectInfo[];
  close(): Promise<void>;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function start(
  opts: Partial<SocketBudgetOptions> = {},
  handler: Handler = (_req, res) => res.end("ok"),
  serverOpts: https.ServerOptions = {},
): Promise<Harness> {
  const { logger } = createDeviceLogger({ destination: null });
  const server = https.createServer({ key: fx.key, cert: fx.cert, ...serverOpts }, handler);
  const budget = new SocketBudget({ logger, maxSessions: 4, ...opts });
  const netServer = budget.attach(server);
  let live = 0;
  let peak = 0;
  server.on("connection", (socket: net.Socket) => {
    live++;
    peak = Math.max(peak, live);
    socket.once("close", () => live--);
  });
  const rejects: RejectInfo[] = [];
  budget.onRejected((r) => rejects.push(r));
  netServer.listen(0, "127.0.0.1");
  await once(netServer, "listening");
  const port = (netServer.address() as net.AddressInfo).port;
  const h: Harness = {
    port,
    budget,
    server,
    observedPeak: () => peak,
    rejects,
    close: () => budget.closeAll(1_000),
  };
  harnesses.push(h);
  return h;
}

function agent(): https.Agent {
  return new https.Agent({ keepAlive: true, maxSockets: 1, ca: fx.cert });
}

interface Got {
  status: number;
  body: string;
  connection: string | undefined;
  /** The client's socket the response came on. */
  socket: net.Socket;
}

/** `from` binds the client socket to another loopback address, so the budget sees another host. */
function get(port: number, ag: https.Agent, path = "/", from?: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const opts = { host: "127.0.0.1", servername: "localhost", port, agent: ag, path, localAddress: from };
    const req = https.get(opts, (res) => {
      const socket = res.socket;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection, socket }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(20_000, () => req.destroy(new Error("client timeout")));
  });
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A handler whose "/slow" requests wait until released; everything else answers at once. */
function gatedHandler(): { handler: Handler; slowArrived: Promise<void>; release: () => void } {
  let arrived!: () => void;
  const slowArrived = new Promise<void>((r) => (arrived = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const handler: Handler = (req, res) => {
    if (req.url === "/slow") {
      arrived();
      void released.then(() => res.end("slow-done"));
    } else res.end("fast");
  };
  return { handler, slowArrived, release };
}

/** Small deterministic PRNG so think times vary but every run is the same. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe("SocketBudget", () => {
  it("10 keep-alive clients at once against 4 sessions: every request succeeds, never more than 4 open", async () => {
    const h = await start({ maxSessions: 4, queueTimeoutMs: 20_000 }, (_req, res) => {
      setTimeout(() => res.end("ok"), 5);
    });
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, async () => {
          const ag = agent();
          const got: Got[] = [];
          try {
            for (let i = 0; i < 5; i++) got.push(await get(h.port, ag));
          } finally {
            ag.destroy();
          }
          return got;
        }),
      );
      const failures = results.filter((r) => r.status === "rejected");
      expect(failures).toEqual([]);
      for (const r of results) {
        if (r.status !== "fulfilled") continue;
        expect(r.value.map((g) => g.status)).toEqual([200, 200, 200, 200, 200]);
      }
    }
    const st = h.budget.stats();
    expect(st.peak_open).toBeLessThanOrEqual(4);
    expect(h.observedPeak()).toBeLessThanOrEqual(4);
    expect(st.peak_open).toBe(4);
    expect(st.queued_total).toBeGreaterThan(0);
    expect(st.rejected).toBe(0);
  });

  it("keep-alive clients that pause (less than the idle grace) and latecomers all succeed", async () => {
    const h = await start({ maxSessions: 4, queueTimeoutMs: 20_000, idleGraceMs: 300 }, (_req, res) => {
      setTimeout(() => res.end("ok"), 3);
    });
    const rnd = prng(42);
    let reused = 0;
    let warmedUp = 0;
    let allWarm!: () => void;
    const warm = new Promise<void>((r) => (allWarm = r));
    const client = async (early: boolean): Promise<void> => {
      const ag = agent();
      const think = Array.from({ length: 6 }, () => Math.floor(rnd() * 80));
      let last: net.Socket | undefined;
      try {
        for (const [i, ms] of think.entries()) {
          const g = await get(h.port, ag);
          expect(g.status).toBe(200);
          if (g.socket === last) reused++;
          last = g.socket;
          if (early && i === 1 && ++warmedUp === 4) allWarm();
          await sleep(ms);
        }
      } finally {
        ag.destroy();
      }
    };
    // Four clients fill the budget and reuse their sessions; six more arrive once they have.
    const early = Array.from({ length: 4 }, () => client(true));
    await warm;
    const late = Array.from({ length: 6 }, () => client(false));
    const results = await Promise.allSettled([...early, ...late]);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(reused).toBeGreaterThanOrEqual(4);
    expect(h.budget.stats().peak_open).toBeLessThanOrEqual(4);
    expect(h.observedPeak()).toBeLessThanOrEqual(4);
    expect(h.budget.stats()).toMatchObject({ rejected: 0, purged: 0 });
  });

  it("never cuts a request in flight: a newcomer waits, the busy response says Connection: close", async () => {
    const g = gatedHandler();
    const h = await start({ maxSessions: 1, idleGraceMs: 10, sliceMs: 100 }, g.handler);
    const a = agent();
    const b = agent();
    const slow = get(h.port, a, "/slow");
    await g.slowArrived;
    const fast = get(h.port, b, "/fast");
    await waitFor("the newcomer to queue", () => h.budget.stats().queued_now === 1);
    await sleep(300);
    expect(h.budget.stats()).toMatchObject({ open: 1, queued_now: 1, purged: 0 });
    g.release();
    const slowRes = await slow;
    expect(slowRes).toMatchObject({ status: 200, body: "slow-done", connection: "close" });
    expect(await fast).toMatchObject({ status: 200, body: "fast" });
    expect(h.budget.stats()).toMatchObject({ purged: 0, rejected: 0, peak_open: 1 });
    a.destroy();
    b.destroy();
  });

  it("a connection that waits too long is closed with a FIN, counted as rejected; a full queue refuses at once", async () => {
    const g = gatedHandler();
    const h = await start({ maxSessions: 1, queueTimeoutMs: 300, maxQueue: 1, sliceMs: 100 }, g.handler);
    const a = agent();
    const slow = get(h.port, a, "/slow");
    await g.slowArrived;

    // Stands in for a client mid-handshake: it sends bytes and waits for the server's answer.
    const waiter = net.connect(h.port, "127.0.0.1");
    const waiterEvents: string[] = [];
    waiter.on("error", (e: NodeJS.ErrnoException) => waiterEvents.push(`error:${e.code}`));
    waiter.on("end", () => waiterEvents.push("end"));
    waiter.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
    await waitFor("the first newcomer to queue", () => h.budget.stats().queued_now === 1);

    const overflow = net.connect(h.port, "127.0.0.1");
    overflow.on("error", () => {});
    await once(overflow, "close");
    expect(h.rejects.map((r) => r.reason)).toEqual(["queue_full"]);

    await once(waiter, "close");
    expect(waiterEvents).toEqual(["end"]);
    expect(h.rejects.map((r) => r.reason)).toEqual(["queue_full", "queue_timeout"]);
    expect(h.rejects[1]?.waitedMs).toBeGreaterThanOrEqual(250);
    expect(h.budget.stats()).toMatchObject({ rejected: 2, queued_now: 0, queued_total: 1, open: 1 });

    // The session in flight was untouched, and the server keeps serving.
    g.release();
    expect(await slow).toMatchObject({ status: 200, body: "slow-done" });
    const c = agent();
    expect(await get(h.port, c, "/fast")).toMatchObject({ status: 200, body: "fast" });
    a.destroy();
    c.destroy();
  });

  it("purges the least recently used idle keep-alive session for a fifth client", async () => {
    const h = await start({ maxSessions: 4, idleGraceMs: 50, queueTimeoutMs: 20_000 });
    const agents = Array.from({ length: 5 }, agent);
    const sockets: net.Socket[] = [];
    for (const ag of agents.slice(0, 4)) {
      const g = await get(h.port, ag);
      expect(g.connection).toBe("keep-alive");
      sockets.push(g.socket);
      await sleep(20);
    }
    expect(h.budget.stats()).toMatchObject({ open: 4, queued_now: 0 });
    await sleep(150);
    const t0 = Date.now();
    expect(await get(h.port, agents[4]!)).toMatchObject({ status: 200 });
    // Not a latency target: without a purge the newcomer would wait out the 20 s queue timeout.
    expect(Date.now() - t0).toBeLessThan(20_000 / 4);
    await waitFor("the oldest idle client socket to close", () => sockets[0]!.destroyed);
    expect(sockets.slice(1).map((s) => s.destroyed)).toEqual([false, false, false]);
    expect(h.budget.stats()).toMatchObject({ purged: 1, rejected: 0 });
    expect(h.observedPeak()).toBeLessThanOrEqual(4);
    // The purged client simply reconnects on its next request.
    expect(await get(h.port, agents[0]!)).toMatchObject({ status: 200 });
    for (const ag of agents) ag.destroy();
  });

  it("a polling session keeps its slot between polls; a spare connection with one request goes first", async () => {
    const h = await start({ maxSessions: 2, idleGraceMs: 100, queueTimeoutMs: 20_000 });
    const [pollerAgent, spareAgent, newcomerAgent] = [agent(), agent(), agent()];
    let pollerSocket: net.Socket | undefined;
    for (let i = 0; i < 3; i++) {
      const g = await get(h.port, pollerAgent);
      if (pollerSocket) expect(g.socket).toBe(pollerSocket);
      pollerSocket = g.socket;
      if (i < 2) await sleep(400);
    }
    const spare = await get(h.port, spareAgent);
    await sleep(150);
    // Both are idle past the 100 ms grace and the poller is the least recently used; its 400 ms
    // rhythm earns it 600 ms, so the spare connection is the one purged for the newcomer.
    expect(await get(h.port, newcomerAgent)).toMatchObject({ status: 200 });
    await waitFor("the spare connection to close", () => spare.socket.destroyed);
    expect(pollerSocket!.destroyed).toBe(false);
    const next = await get(h.port, pollerAgent);
    expect(next.socket).toBe(pollerSocket);
    expect(h.budget.stats()).toMatchObject({ purged: 1, rejected: 0 });
    for (const ag of [pollerAgent, spareAgent, newcomerAgent]) ag.destroy();
  });

  it("a socket that connects and sends nothing holds its slot only until the handshake timeout", async () => {
    const h = await start({ maxSessions: 1, queueTimeoutMs: 20_000 }, undefined, { handshakeTimeout: 400 });
    const silent = net.connect(h.port, "127.0.0.1");
    silent.on("error", () => {});
    await waitFor("the silent socket to be admitted", () => h.budget.stats().open === 1);
    const a = agent();
    expect(await get(h.port, a)).toMatchObject({ status: 200, body: "ok" });
    await waitFor("the silent socket to be closed", () => silent.destroyed);
    expect(h.budget.stats()).toMatchObject({ purged: 0, rejected: 0, peak_open: 1 });
    a.destroy();
  });

  it("a client that completes the handshake and then says nothing counts as idle and is purged", async () => {
    const h = await start({ maxSessions: 1, idleGraceMs: 100, queueTimeoutMs: 20_000 });
    const mute = tls.connect({ port: h.port, host: "127.0.0.1", servername: "localhost", ca: fx.cert });
    mute.on("error", () => {});
    await once(mute, "secureConnect");
    const a = agent();
    expect(await get(h.port, a)).toMatchObject({ status: 200 });
    await waitFor("the mute client to be closed", () => mute.destroyed);
    expect(h.budget.stats()).toMatchObject({ purged: 1, peak_open: 1 });
    a.destroy();
  });

  it("while others wait, stalled sessions go first and a client using its session keeps it", async () => {
    const h = await start({ maxSessions: 3, stallGraceMs: 200, idleGraceMs: 5_000, queueTimeoutMs: 20_000 });
    const a = agent();
    const first = await get(h.port, a);
    expect(first.connection).toBe("keep-alive");
    // A half-open handshake (TCP only) and a slowloris (TLS done, request head never finished).
    const halfOpen = net.connect(h.port, "127.0.0.1");
    halfOpen.on("error", () => {});
    const loris = tls.connect({ port: h.port, host: "127.0.0.1", servername: "localhost", ca: fx.cert });
    loris.on("error", () => {});
    await once(loris, "secureConnect");
    loris.write("GET / HTTP/1.1\r\nHost: localhost\r\n");
    await waitFor("both attackers to hold a slot", () => h.budget.stats().open === 3);
    const b = agent();
    const t0 = Date.now();
    expect(await get(h.port, b)).toMatchObject({ status: 200 });
    // Not a latency target: without the stalled session's eviction the newcomer would wait out the
    // 20 s queue timeout (idle grace 5 s is not reached either).
    expect(Date.now() - t0).toBeLessThan(20_000 / 4);
    // One slot was needed, so exactly one stalled session (the older one) made room.
    await waitFor("a stalled session to be closed", () => halfOpen.destroyed || loris.destroyed);
    expect(halfOpen.destroyed).toBe(true);
    // The client that was using its session was never asked to give it up.
    const again = await get(h.port, a);
    expect(again.connection).toBe("keep-alive");
    expect(again.socket).toBe(first.socket);
    expect(h.budget.stats()).toMatchObject({ purged: 1, rejected: 0 });
    expect(h.observedPeak()).toBeLessThanOrEqual(3);
    a.destroy();
    b.destroy();
    loris.destroy();
  });

  it("rejects bad options and a bad setMax without changing anything; a higher max admits waiters", async () => {
    const { logger } = createDeviceLogger({ destination: null });
    expect(() => new SocketBudget({ logger, maxSessions: 0 })).toThrow(RangeError);
    expect(() => new SocketBudget({ logger, maxSessions: 1.5 })).toThrow(/maxSessions/);
    expect(() => new SocketBudget({ logger, queueTimeoutMs: -1 })).toThrow(/queueTimeoutMs/);
    expect(() => new SocketBudget({ logger, maxQueue: -1 })).toThrow(/maxQueue/);

    const g = gatedHandler();
    const h = await start({ maxSessions: 1 }, g.handler);
    expect(() => h.budget.attach(h.server)).toThrow(/already attached/);
    expect(() => h.budget.setMax(0)).toThrow(RangeError);
    expect(() => h.budget.setMax(Number.NaN)).toThrow(RangeError);
    expect(h.budget.stats().max).toBe(1);

    const a = agent();
    const b = agent();
    const slow = get(h.port, a, "/slow");
    await g.slowArrived;
    const fast = get(h.port, b, "/fast");
    await waitFor("the newcomer to queue", () => h.budget.stats().queued_now === 1);
    h.budget.setMax(2);
    expect(await fast).toMatchObject({ status: 200, body: "fast" });
    expect(h.budget.stats()).toMatchObject({ max: 2, open: 2, purged: 0 });
    g.release();
    expect(await slow).toMatchObject({ status: 200 });
    a.destroy();
    b.destroy();
  });

  it("closeAll lets the request in flight finish, closes idle sessions and waiters, then stops accepting", async () => {
    const g = gatedHandler();
    const h = await start({ maxSessions: 2 }, g.handler);
    const idle = agent();
    const idleRes = await get(h.port, idle, "/fast");
    const busy = agent();
    const slow = get(h.port, busy, "/slow");
    await g.slowArrived;
    const waiter = net.connect(h.port, "127.0.0.1");
    waiter.on("error", () => {});
    // Both slots are taken (one idle, within its grace), so this one has to wait.
    await waitFor("the waiter to queue", () => h.budget.stats().queued_now === 1);

    let closed = false;
    const closing = h.budget.closeAll(10_000).then(() => (closed = true));
    await once(waiter, "close");
    await waitFor("the idle session to close", () => idleRes.socket.destroyed);
    expect(closed).toBe(false);
    expect(h.rejects.map((r) => r.reason)).toEqual(["shutting_down"]);

    g.release();
    expect(await slow).toMatchObject({ status: 200, body: "slow-done", connection: "close" });
    await closing;
    expect(h.budget.stats().open).toBe(0);
    const refused = net.connect(h.port, "127.0.0.1");
    const [err] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    expect(err.code).toBe("ECONNREFUSED");
    idle.destroy();
    busy.destroy();
  });

  it("closeIdleSessions retires every session without cutting one, and keeps accepting", async () => {
    const g = gatedHandler();
    const h = await start({ maxSessions: 4, idleGraceMs: 400 }, g.handler);
    const idle = agent();
    const idleRes = await get(h.port, idle, "/fast");
    const reuser = agent();
    const reuserRes = await get(h.port, reuser, "/fast");
    const busy = agent();
    const slow = get(h.port, busy, "/slow");
    await g.slowArrived;

    expect(h.budget.closeIdleSessions()).toBe(3);
    // A request that arrives within the grace is answered, and told to close.
    const again = await get(h.port, reuser, "/fast");
    expect(again.socket).toBe(reuserRes.socket);
    expect(again).toMatchObject({ status: 200, connection: "close" });
    await waitFor("the reused session to close", () => reuserRes.socket.destroyed);
    // The idle one goes after the grace.
    await waitFor("the idle session to close", () => idleRes.socket.destroyed);
    // The busy one finishes, then closes. (The client sees its socket end before the server counts it.)
    await waitFor("the budget to count the busy session only", () => h.budget.stats().open === 1);
    g.release();
    const slowRes = await slow;
    expect(slowRes).toMatchObject({ status: 200, body: "slow-done", connection: "close" });
    await waitFor("the busy session to close", () => slowRes.socket.destroyed);
    // Newcomers are served as usual, with keep-alive.
    const fresh = agent();
    expect(await get(h.port, fresh, "/fast")).toMatchObject({ status: 200, connection: "keep-alive" });
    expect(h.budget.stats()).toMatchObject({ purged: 0, rejected: 0 });
    for (const a of [idle, reuser, busy, fresh]) a.destroy();
  });

  it("lowering the max closes idle sessions (least recently used first) down to the new cap", async () => {
    const h = await start({ maxSessions: 3, idleGraceMs: 50 });
    const agents = Array.from({ length: 3 }, agent);
    const sockets: net.Socket[] = [];
    for (const ag of agents) {
      sockets.push((await get(h.port, ag)).socket);
      await sleep(20);
    }
    h.budget.setMax(1);
    await waitFor("the two oldest sessions to close", () => sockets[0]!.destroyed && sockets[1]!.destroyed);
    await waitFor("the budget to count one session", () => h.budget.stats().open === 1);
    expect(sockets[2]!.destroyed).toBe(false);
    expect(h.budget.stats()).toMatchObject({ max: 1, purged: 2 });
    for (const ag of agents) ag.destroy();
  });
});

/** A handler whose "/slow?id=N" requests each wait for their own release; it logs who asked what, in order. */
function perRequestGates(): {
  handler: Handler;
  seen: { from: string; url: string }[];
  arrived: (id: string) => Promise<void>;
  release: (id: string) => void;
} {
  const seen: { from: string; url: string }[] = [];
  const gates = new Map<
    string,
    { arrived: () => void; arrivedP: Promise<void>; release: () => void; go: Promise<void> }
  >();
  const gate = (id: string) => {
    let g = gates.get(id);
    if (!g) {
      let arrived!: () => void;
      let release!: () => void;
      const arrivedP = new Promise<void>((r) => (arrived = r));
      const go = new Promise<void>((r) => (release = r));
      g = { arrived, arrivedP, release, go };
      gates.set(id, g);
    }
    return g;
  };
  const handler: Handler = (req, res) => {
    seen.push({ from: req.socket.remoteAddress ?? "?", url: req.url ?? "" });
    const id = new URL(req.url ?? "/", "https://x").searchParams.get("id");
    if (id === null) return void res.end("fast");
    const g = gate(id);
    g.arrived();
    void g.go.then(() => res.end(`slow-${id}`));
  };
  return { handler, seen, arrived: (id) => gate(id).arrivedP, release: (id) => gate(id).release() };
}

/** A raw TCP connection from `from` that never says anything: it can only wait in the queue. */
function silentFrom(
  port: number,
  from: string,
): { socket: net.Socket; localPort: Promise<number>; closed: Promise<void> } {
  const socket = net.connect({ port, host: "127.0.0.1", localAddress: from });
  socket.on("error", () => {});
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  const localPort = new Promise<number>((r) => socket.once("connect", () => r(socket.localPort ?? -1)));
  return { socket, localPort, closed };
}

// Every rule that shares the budget between hosts, with clients from distinct loopback addresses
// (127.0.0.0/8 is all loopback on Linux). From 127.0.0.1 alone, these rules never come into play.
describe("SocketBudget fairness between hosts", () => {
  it("a full queue evicts the crowded host's oldest waiter for a newcomer from a quiet host", async () => {
    const g = perRequestGates();
    const h = await start(
      { maxSessions: 1, maxQueue: 3, queueTimeoutMs: 20_000, stallGraceMs: 200 },
      g.handler,
    );
    const holder = agent();
    const held = get(h.port, holder, "/slow?id=hold", "127.0.0.1");
    await g.arrived("hold");

    // One host fills the whole queue.
    const crowd = [
      silentFrom(h.port, "127.0.0.2"),
      silentFrom(h.port, "127.0.0.2"),
      silentFrom(h.port, "127.0.0.2"),
    ];
    const crowdPorts = await Promise.all(crowd.map((c) => c.localPort));
    await waitFor("the crowd to fill the queue", () => h.budget.stats().queued_now === 3);
    expect(h.rejects).toEqual([]);

    // A client from another host still gets in line: the crowd's oldest waiter makes room.
    const quiet = agent();
    const quietGot = get(h.port, quiet, "/", "127.0.0.3");
    await waitFor("the crowd's oldest waiter to be refused", () => h.rejects.length === 1);
    expect(h.rejects[0]).toMatchObject({ reason: "queue_full", remote: `127.0.0.2:${crowdPorts[0]}` });
    await crowd[0]!.closed;
    expect(h.budget.stats()).toMatchObject({ queued_now: 3 });

    // The crowded host cannot push another host's waiter out; its next connection takes the place
    // of its own waiter that has stayed silent past the stall grace.
    await sleep(250);
    const more = silentFrom(h.port, "127.0.0.2");
    await more.localPort;
    await waitFor("the crowd's longest-silent waiter to give way", () => h.rejects.length === 2);
    expect(h.rejects.map((r) => r.remote)).toEqual([
      `127.0.0.2:${crowdPorts[0]}`,
      `127.0.0.2:${crowdPorts[1]}`,
    ]);

    g.release("hold");
    expect(await held).toMatchObject({ status: 200, body: "slow-hold" });
    expect(await quietGot).toMatchObject({ status: 200, body: "fast" });
    expect(g.seen.find((r) => r.url === "/")?.from).toBe("127.0.0.3");
    holder.destroy();
    quiet.destroy();
    for (const c of [...crowd, more]) c.socket.destroy();
  });

  it("a freed slot goes to the waiter whose host holds the fewest sessions, not the first in line", async () => {
    const g = perRequestGates();
    const h = await start(
      { maxSessions: 2, queueTimeoutMs: 20_000, idleGraceMs: 5_000, sliceMs: 50 },
      g.handler,
    );
    const [a1, a2, a3, b] = [agent(), agent(), agent(), agent()];
    // Host .2 holds both slots with requests in flight, and queues a third connection first.
    const slow1 = get(h.port, a1, "/slow?id=1", "127.0.0.2");
    const slow2 = get(h.port, a2, "/slow?id=2", "127.0.0.2");
    await Promise.all([g.arrived("1"), g.arrived("2")]);
    const third = get(h.port, a3, "/", "127.0.0.2");
    await waitFor("host .2's third connection to queue", () => h.budget.stats().queued_now === 1);
    // Host .3, holding nothing, queues after it.
    const other = get(h.port, b, "/", "127.0.0.3");
    await waitFor("host .3 to queue", () => h.budget.stats().queued_now === 2);

    // One slot frees (its response says Connection: close: others wait and its slice is used up).
    await sleep(100);
    g.release("1");
    expect(await slow1).toMatchObject({ status: 200, connection: "close" });
    expect(await other).toMatchObject({ status: 200, body: "fast" });
    // Host .2 still holds a slot, so host .3 went first although it arrived later.
    expect(g.seen.filter((r) => r.url === "/").map((r) => r.from)).toEqual(["127.0.0.3"]);

    g.release("2");
    expect(await slow2).toMatchObject({ status: 200 });
    expect(await third).toMatchObject({ status: 200, body: "fast" });
    expect(g.seen.filter((r) => r.url === "/").map((r) => r.from)).toEqual(["127.0.0.3", "127.0.0.2"]);
    expect(h.budget.stats()).toMatchObject({ rejected: 0, queued_total: 2 });
    for (const ag of [a1, a2, a3, b]) ag.destroy();
  });

  it("among hosts holding as many sessions, one served within the last minute goes before a stranger", async () => {
    const g = perRequestGates();
    const h = await start({ maxSessions: 1, queueTimeoutMs: 20_000 }, g.handler);
    // Host .4 has used the device (its connection is closed again, so it holds nothing).
    const known = new https.Agent({ keepAlive: false, ca: fx.cert });
    expect(await get(h.port, known, "/", "127.0.0.4")).toMatchObject({ status: 200 });
    await waitFor("host .4's connection to close", () => h.budget.stats().open === 0);

    const holder = agent();
    const held = get(h.port, holder, "/slow?id=hold", "127.0.0.1");
    await g.arrived("hold");
    const strangerAgent = agent();
    const stranger = get(h.port, strangerAgent, "/", "127.0.0.5");
    await waitFor("the stranger to queue", () => h.budget.stats().queued_now === 1);
    const knownAgain = get(h.port, known, "/", "127.0.0.4");
    await waitFor("host .4 to queue", () => h.budget.stats().queued_now === 2);

    g.release("hold");
    await Promise.all([held, stranger, knownAgain]);
    expect(g.seen.filter((r) => r.url === "/").map((r) => r.from)).toEqual([
      "127.0.0.4",
      "127.0.0.4",
      "127.0.0.5",
    ]);
    expect(h.budget.stats()).toMatchObject({ rejected: 0, queued_total: 2 });
    for (const ag of [known, holder, strangerAgent]) ag.destroy();
  });

  it("the hosts it remembers as served are bounded: a flood of 256 more forgets the oldest, not the newest", async () => {
    const g = perRequestGates();
    const h = await start({ maxSessions: 4, queueTimeoutMs: 20_000 }, g.handler);
    const once = new https.Agent({ keepAlive: false, ca: fx.cert });
    expect(await get(h.port, once, "/", "127.0.0.4")).toMatchObject({ status: 200 });
    // 256 other hosts (127.0.2.0–127.0.2.255) each get an answer: the memory's bound, reached.
    for (let batch = 0; batch < 64; batch++) {
      await Promise.all(
        Array.from({ length: 4 }, (_, i) => get(h.port, once, "/", `127.0.2.${batch * 4 + i}`)),
      );
    }
    await waitFor("the flood's connections to close", () => h.budget.stats().open === 0);
    h.budget.setMax(1);

    const holder = agent();
    const held = get(h.port, holder, "/slow?id=hold", "127.0.0.1");
    await g.arrived("hold");
    // Queued in this order: the forgotten host .4, a stranger .5, the flood's newest host.
    const order = ["127.0.0.4", "127.0.0.5", "127.0.2.255"];
    const waiting: Promise<Got>[] = [];
    for (const [i, from] of order.entries()) {
      waiting.push(get(h.port, once, "/", from));
      await waitFor(`${from} to queue`, () => h.budget.stats().queued_now === i + 1);
    }
    g.release("hold");
    await Promise.all([held, ...waiting]);
    const served = g.seen.filter((r) => r.url === "/").map((r) => r.from);
    // The newest remembered host goes first; .4 was forgotten and waits its turn like the stranger.
    expect(served.slice(-3)).toEqual(["127.0.2.255", "127.0.0.4", "127.0.0.5"]);
    for (const ag of [once, holder]) ag.destroy();
  });
});
