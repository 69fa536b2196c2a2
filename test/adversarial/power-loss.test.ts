import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../src/core/prng.js";
import { Device, report, SHORT } from "./lib/device.js";

const WRITES = SHORT ? 60 : 200;
/** Writes in a burst before the power goes: 1..MAX_BURST, at random. */
const MAX_BURST = 16;

interface Profile {
  registration: string;
  type: string;
  unit: string;
  v_min: number;
  v_opt: number;
  v_max: number;
  v_en: number;
}

/** Write number `i`: its registration names it, and it differs from the defaults in every write. */
function profile(i: number): Profile {
  return {
    registration: `PL-${i}`,
    type: `Test ${i % 7}`,
    unit: "kmh",
    v_min: 90,
    v_opt: 100 + (i % 10),
    v_max: 130 + (i % 40),
    v_en: 50,
  };
}

/** The errors a request sees when the device process dies under it. */
function isConnectionLoss(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === "ECONNRESET" || code === "ECONNREFUSED" || code === "EPIPE" || /socket hang up/.test(String(err))
  );
}

describe("power loss during settings writes", () => {
  it(`SIGKILL at random moments during ${WRITES} writes of PUT /api/aircraft: old or new value, and the device starts`, async () => {
    const seed = Number(process.env.OWTS_POWER_LOSS_SEED ?? Date.now() % 2 ** 31);
    const random = mulberry32(seed);
    const dataDir = mkdtempSync(join(tmpdir(), "owts-power-loss-"));
    let device = await Device.start(["--mode", "aircraft", "--log-level", "warn"], { dataDir });
    let acked = await device.json<Profile>("/api/aircraft");
    let written = 0;
    let kills = 0;
    let killedMidWrite = 0;
    let acknowledged = 0;
    let landedNew = 0;
    let writeMs = 5;
    const restartMs: number[] = [];
    try {
      while (written < WRITES) {
        let killed = false;
        const exited = new Promise<void>((resolve) => device.proc.child.once("exit", () => resolve()));
        let powerCut = (): void => {};
        const cut = new Promise<void>((resolve) => {
          powerCut = resolve;
        });
        const kill = () => {
          if (killed) return;
          killed = true;
          device.proc.child.kill("SIGKILL");
          powerCut();
        };
        // The power goes during the burst's last write, at a random point of it (or just after it,
        // before the next): a random number of writes land first.
        const burst = 1 + Math.floor(random() * MAX_BURST);
        let inflight: Profile | null = null;
        for (let k = 0; k < burst && !killed && written < WRITES; k++) {
          inflight = profile(written++);
          let timer: NodeJS.Timeout | undefined;
          if (k === burst - 1 || written === WRITES)
            // Mostly inside the write (so some kills provably cut a request), sometimes just after it.
            timer = setTimeout(kill, Math.floor(random() * 1.5 * writeMs));
          const t0 = performance.now();
          try {
            const r = await device.request(
              {
                method: "PUT",
                path: "/api/aircraft",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(inflight),
              },
              5_000,
            );
            expect(r.status, r.body.toString()).toBe(200);
            acknowledged++;
            acked = inflight;
            inflight = null;
            // How long a write takes here, so the kill can land inside one.
            writeMs = 0.8 * writeMs + 0.2 * (performance.now() - t0);
          } catch (err) {
            // Only the power cut may end a request without an answer: a failed assertion, a timeout
            // or a refused write before the kill is a failure, not "killed mid-write".
            if (!killed || !isConnectionLoss(err)) throw err;
            // The connection died with the process: this write may or may not have landed.
            killedMidWrite++;
            break;
          } finally {
            // The write finished first: the power goes when the random delay runs out.
            if (timer) await cut;
          }
        }
        kill();
        await exited;
        device.agent.destroy();
        kills++;

        const t0 = performance.now();
        device = await Device.start(["--mode", "aircraft", "--log-level", "warn"], { dataDir });
        restartMs.push(performance.now() - t0);
        const now = await device.json<Profile>("/api/aircraft");
        const allowed = inflight ? [acked, inflight] : [acked];
        expect(allowed, `seed ${seed}, after kill ${kills}: read back ${JSON.stringify(now)}`).toContainEqual(
          now,
        );
        if (inflight && now.registration === inflight.registration) landedNew++;
        // A damaged file would be reported and replaced by defaults; with every write distinct from
        // the defaults, the check above already fails then, and the log must not mention it either.
        expect(device.output(), `seed ${seed}`).not.toMatch(/damaged|corrupt/i);
        acked = now;
      }
    } finally {
      await device.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    restartMs.sort((a, b) => a - b);
    report("power-loss", {
      seed,
      writes: written,
      kills,
      acknowledged,
      killed_mid_write: killedMidWrite,
      in_flight_write_survived: landedNew,
      restart_ms_median: Math.round(restartMs[Math.floor(restartMs.length / 2)] ?? 0),
      restart_ms_max: Math.round(restartMs[restartMs.length - 1] ?? 0),
    });
    expect(kills).toBeGreaterThanOrEqual(WRITES / MAX_BURST);
    // The attack landed: writes were acknowledged, and some power cuts came in the middle of a request.
    expect(acknowledged, `seed ${seed}`).toBeGreaterThan(WRITES / 2);
    expect(killedMidWrite, `seed ${seed}`).toBeGreaterThan(0);
    expect(acknowledged + killedMidWrite, `seed ${seed}`).toBe(written);
  });
});
