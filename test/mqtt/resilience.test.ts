import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Broker, freePort, retained, startBroker, subscribe } from "./mosquitto.js";
import { brokerConfig, sleep, until, winchRig } from "./rig.js";

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.kill();
});

/** Longest gap between the ticks of a 20 ms timer while `run` runs: the event loop never stalls. */
async function longestStall(run: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const t = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 20);
  try {
    await run();
  } finally {
    clearInterval(t);
  }
  return worst;
}

async function listen(server: Server): Promise<number> {
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return port;
}

describe("MQTT never in the way", () => {
  it("broker killed and restarted: reconnects and re-announces within 10 s, keeps the launch, drops stale readings", async () => {
    const rig = await winchRig(brokerConfig(broker), { backoffMinMs: 250 });
    const base = `owts/${rig.espId}`;
    try {
      await until(() => rig.unit.status().state === "connected", 10_000, "connected");
      rig.frame(0, 1000);
      for (let seq = 1; seq < 4; seq++) rig.frame(seq, 1000 + seq);
      await sleep(300);
      const stall = await longestStall(async () => {
        await broker.kill();
        await until(() => rig.unit.status().state !== "connected", 5000, "disconnected");
        expect(rig.unit.status().last_error).toBe(`mqtt://127.0.0.1:${broker.port} dropped the connection`);
        // While the broker is away: readings pile up (and expire), a launch completes.
        for (let seq = 4; seq < 40; seq++) {
          rig.frame(seq, 1100 + seq);
          await sleep(20);
        }
        rig.history.finish();
        await sleep(2500); // past the readings' expiry
        await broker.start();
        const restarted = Date.now();
        const sub = await subscribe(broker, `${base}/#`);
        try {
          await until(() => rig.unit.status().state === "connected", 10_000, "reconnected");
          await sub.waitFor((m) => m.topic === `${base}/status` && m.payload === "online", 10_000);
          expect(Date.now() - restarted).toBeLessThan(10_000);
          const launch = await sub.waitFor((m) => m.topic === `${base}/launch`, 5000);
          expect(JSON.parse(launch.payload)).toMatchObject({ registration: "D-1234" });
          await sleep(500);
          // No reading from while the broker was away arrives as if it were current.
          const old = sub.messages.filter(
            (m) => m.topic === `${base}/winch` && /"seq":(\d|[1-3]\d),/.test(m.payload),
          );
          expect(old.filter((m) => JSON.parse(m.payload).link === "ok")).toEqual([]);
        } finally {
          await sub.stop();
        }
      });
      expect(rig.unit.status().dropped).toBeGreaterThan(0);
      expect(retained(broker, `${base}/status`).map((m) => m.payload)).toEqual(["online"]);
      // Generous bound for a loaded machine: the point is no synchronous wait on the broker.
      expect(stall).toBeLessThan(1000);
    } finally {
      await rig.stop();
    }
  });

  it("a broker that accepts TCP and never answers: gives up after the connect timeout, queue stays bounded, nothing waits", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
    });
    const port = await listen(silent);
    const rig = await winchRig(brokerConfig(broker, { port }), {
      connectTimeoutMs: 800,
      backoffMinMs: 200,
      queueLimit: 20,
    });
    try {
      const stall = await longestStall(async () => {
        for (let seq = 0; seq < 60; seq++) {
          rig.frame(seq, 1000 + seq);
          rig.history.finish(); // too few frames: no launch, but it must not matter either way
          await sleep(30);
        }
        await until(() => rig.unit.status().last_error !== null, 5000, "an error");
      });
      const s = rig.unit.status();
      expect(s.last_error).toBe(
        `mqtt://127.0.0.1:${port} accepted the connection but did not answer within 1 s`,
      );
      expect(s.state === "waiting" || s.state === "connecting").toBe(true);
      expect(s.queued).toBeLessThanOrEqual(20);
      expect(s.sent).toBe(0);
      expect(stall).toBeLessThan(1000);
      const t0 = performance.now();
      await rig.stop();
      expect(performance.now() - t0).toBeLessThan(1500);
    } finally {
      await rig.stop();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it("a broker that speaks only MQTT 3.1.1: the unit falls back and stays there", async () => {
    // A minimal 3.1.1-only broker: refuses a version-5 CONNECT with "unacceptable protocol version",
    // accepts a version-4 one. Mosquitto cannot be told to refuse MQTT 5, so this stands in for one.
    const levels: number[] = [];
    const sockets = new Set<Socket>();
    const old = createServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
      s.once("data", (d: Buffer) => {
        let i = 1;
        while ((d[i] ?? 0) & 0x80) i++;
        i++; // past the remaining length
        const nameLen = ((d[i] ?? 0) << 8) | (d[i + 1] ?? 0);
        const level = d[i + 2 + nameLen] ?? 0;
        levels.push(level);
        if (level === 4) s.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        else s.end(Buffer.from([0x20, 0x02, 0x00, 0x01]));
      });
    });
    const port = await listen(old);
    const rig = await winchRig(brokerConfig(broker, { port }));
    try {
      await until(() => rig.unit.status().state === "connected", 10_000, "connected with 3.1.1");
      expect(levels).toEqual([5, 4]);
      expect(rig.unit.status().protocol).toBe("3.1.1");
    } finally {
      await rig.stop();
      for (const s of sockets) s.destroy();
      old.close();
    }
  });
});
