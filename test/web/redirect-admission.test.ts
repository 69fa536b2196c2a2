import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { HostAllowlist } from "../../src/web/host-allowlist.js";
import { listenOn } from "../../src/web/port-errors.js";
import {
  createRedirectServer,
  type RedirectLimits,
  type RedirectServer,
} from "../../src/web/redirect-server.js";

// Real sockets on loopback; each 127.0.0.x source address is one "host" on the Wi-Fi.
const ATTACKER = "127.0.0.2";
const NEWCOMER = "127.0.0.3";

let server: RedirectServer | undefined;
let port = 0;
const sockets: Socket[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(limits: Partial<RedirectLimits> = {}) {
  const { logger, ring } = createDeviceLogger({ destination: null, level: "debug" });
  server = createRedirectServer({
    httpsPort: 8443,
    allowlist: new HostAllowlist({ hostname: () => "OWTS-winch-3A4F1C", addresses: () => [] }),
    logger,
    limits,
  });
  port = (await listenOn(server, { port: 0, host: "127.0.0.1" })).port;
  return { server, ring };
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
  }
});

/** When each test socket closed (watched from its creation, so a close during a slow await is not missed). */
const closedAt = new WeakMap<Socket, Promise<number>>();

/** A connection from `from` that says nothing (or trickles a header that never ends). */
function silent(from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, localAddress: from }, () => resolve(s));
    closedAt.set(s, new Promise((r) => s.once("close", () => r(performance.now()))));
    // Discard what the server says (a 408 when its header timeout cuts us): unread bytes would hold
    // the stream short of its end, and "close" would never come.
    s.resume();
    s.on("error", () => {});
    s.once("error", reject);
    sockets.push(s);
  });
}

function closed(s: Socket): boolean {
  return s.destroyed || s.readableEnded;
}

/** One redirect from `from`; resolves with the status line and how long it took. */
function redirect(from: string, keepAlive = false): Promise<{ status: string; ms: number; socket: Socket }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port, localAddress: from }, () =>
      s.write(`GET /x HTTP/1.1\r\nHost: localhost\r\n${keepAlive ? "" : "Connection: close\r\n"}\r\n`),
    );
    sockets.push(s);
    let got = "";
    const done = () =>
      resolve({ status: got.split("\r\n", 1)[0] ?? "", ms: performance.now() - t0, socket: s });
    const timer = setTimeout(done, 5_000);
    s.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      if (got.includes("\r\n\r\n")) {
        clearTimeout(timer);
        done();
      }
    });
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      done();
    });
  });
}

/** Waits until the server has seen `n` connections (accept is asynchronous to the client's connect). */
async function admittedAtLeast(n: number): Promise<void> {
  for (
    let i = 0;
    i < 100 && server!.admission.stats().admitted_total + server!.admission.stats().refused < n;
    i++
  )
    await sleep(20);
}

describe("redirect port admission", () => {
  it("under 70 silent connections from one host, a newcomer from another host gets its 302 within 2 s", async () => {
    await start();
    const held = await Promise.all(Array.from({ length: 70 }, () => silent(ATTACKER)));
    await admittedAtLeast(70);
    // The attack landed: the port is full of the attacker's connections, the surplus was refused.
    const before = server!.admission.stats();
    expect(before.open).toBe(64);
    expect(before.refused).toBe(6);
    expect(held.filter((s) => !closed(s)).length).toBeGreaterThanOrEqual(60);

    const r = await redirect(NEWCOMER);
    expect(r.status).toBe("HTTP/1.1 302 Found");
    expect(r.ms).toBeLessThan(2_000);
    const after = server!.admission.stats();
    expect(after.evicted_silent).toBe(1);
    expect(after.open).toBeLessThanOrEqual(64);
  });

  it("a host filling the port with fresh connections is refused more, then recycles only its own stalled ones", async () => {
    await start({ maxConnections: 4, stallGraceMs: 300 });
    const first = await Promise.all(Array.from({ length: 4 }, () => silent(ATTACKER)));
    await admittedAtLeast(4);
    // Fresh and its own: no one to give way for it.
    await silent(ATTACKER);
    await admittedAtLeast(5);
    expect(server!.admission.stats().refused).toBe(1);
    await sleep(400);
    // Stalled now: the same host's newcomer takes the oldest stalled slot.
    await silent(ATTACKER);
    await admittedAtLeast(6);
    await sleep(50);
    expect(server!.admission.stats().evicted_silent).toBe(1);
    expect(first.filter(closed).length).toBe(1);
  });

  it("closes silent connections before idle ones that already got their redirect", async () => {
    await start({ maxConnections: 3, stallGraceMs: 200 });
    const idle = await redirect("127.0.0.4", true);
    expect(idle.status).toBe("HTTP/1.1 302 Found");
    const quiet = await Promise.all([silent(ATTACKER), silent("127.0.0.5")]);
    await admittedAtLeast(3);
    await sleep(300);
    const r = await redirect(NEWCOMER);
    expect(r.status).toBe("HTTP/1.1 302 Found");
    await sleep(50);
    expect(closed(idle.socket)).toBe(false);
    expect(quiet.filter(closed).length).toBe(1);
    expect(server!.admission.stats()).toMatchObject({ evicted_silent: 1, evicted_idle: 0 });
  });

  it("counts a slowloris (a header that never ends) as silent", async () => {
    await start({ maxConnections: 2, stallGraceMs: 200 });
    const loris = await silent(ATTACKER);
    loris.write("GET / HTTP/1.1\r\nHost: local");
    const other = await silent(ATTACKER);
    await admittedAtLeast(2);
    await sleep(100);
    loris.write("host\r\nX-a: b\r\n");
    other.write("G");
    await sleep(200);
    const r = await redirect(NEWCOMER);
    expect(r.status).toBe("HTTP/1.1 302 Found");
    expect(server!.admission.stats().evicted_silent).toBe(1);
  });

  it("cuts a silent connection after the header timeout even when the port is not full", async () => {
    await start({ headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckIntervalMs: 100 });
    const t0 = performance.now();
    const s = await silent(ATTACKER);
    const trickler = await silent(NEWCOMER);
    trickler.write("GET / HTTP/1.1\r\nX-Pad: ");
    const drip = setInterval(() => !trickler.destroyed && trickler.write("a"), 100);
    // 300 ms limits. The bound is 10 s because on the shared 2-core machine timers can slip by
    // seconds; without these limits nothing would ever close them (the port is nearly empty, so no
    // eviction can), so any finite close proves the limits work.
    const never = sleep(10_000).then(() => Number.POSITIVE_INFINITY);
    const [silentMs, tricklerMs] = await Promise.all(
      [s, trickler].map(async (x) => (await Promise.race([closedAt.get(x)!, never])) - t0),
    );
    clearInterval(drip);
    expect(silentMs, "silent connection closed").toBeLessThan(10_000);
    expect(tricklerMs, "trickling connection closed").toBeLessThan(10_000);
    for (let i = 0; i < 50 && server!.admission.stats().open > 0; i++) await sleep(10);
    expect(server!.admission.stats().open).toBe(0);
  });

  it("keeps its per-host memory within the connection cap under connections from 200 hosts", async () => {
    const { ring } = await start({ maxConnections: 16, stallGraceMs: 0 });
    let hostsSeen = 0;
    for (let h = 0; h < 200; h++) {
      const from = `127.0.${1 + Math.floor(h / 250)}.${2 + (h % 250)}`;
      await silent(from);
      hostsSeen++;
      const s = server!.admission.stats();
      expect(s.hosts).toBeLessThanOrEqual(16);
      expect(s.open).toBeLessThanOrEqual(16);
    }
    await admittedAtLeast(200);
    const s = server!.admission.stats();
    // The flood landed: all 200 were admitted in turn, 184 of them by closing a stalled one.
    expect(hostsSeen).toBe(200);
    expect(s.admitted_total).toBe(200);
    expect(s.evicted_silent).toBe(184);
    // Summarised, not a line per eviction.
    const notices = ring.after(0).lines.filter((l) => /HTTP port full/.test(l.msg));
    expect(notices.length).toBe(1);
  });

  it("refuses bad limits", async () => {
    await expect(start({ maxConnections: 0 })).rejects.toThrow(RangeError);
  });
});
