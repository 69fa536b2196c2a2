import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import type { RxMeta, TxMeta } from "../../src/radio/link.js";
import { freeSpacePathLossDb, noiseFloorDbm } from "../../src/radio/path-loss.js";
import { SimMedium } from "../../src/radio/sim-link.js";

const CH = { frequency_hz: 869_525_000, modem: "gfsk" as const };
const TX: TxMeta = { ...CH, tx_power_dbm: 14, airtime_ms: 4 };

function pair(opts: ConstructorParameters<typeof SimMedium>[0] = {}, distance_m = 500) {
  const clock = new ManualClock();
  const medium = new SimMedium({ clock, fading_sigma_db: 0, ...opts });
  const a = medium.attach([0, 0, 0], CH);
  const b = medium.attach([distance_m, 0, 0], CH);
  const got: { frame: number[]; meta: RxMeta }[] = [];
  b.onReceive((frame, meta) => got.push({ frame: [...frame], meta }));
  return { clock, medium, a, b, got };
}

describe("sim radio medium", () => {
  it("delivers after air time + latency, with RSSI/SNR from the path-loss model", async () => {
    const { clock, a, got } = pair({ latency_ms: 3, path_loss_exponent: 2 }, 1000);
    await a.send(Uint8Array.of(1, 2, 3), TX);
    clock.advance(6.9);
    expect(got).toHaveLength(0);
    clock.advance(0.2);
    expect(got).toHaveLength(1);
    const expectedRssi = 14 - freeSpacePathLossDb(1000, CH.frequency_hz);
    expect(got[0]?.frame).toEqual([1, 2, 3]);
    expect(got[0]?.meta.rssi_dbm).toBeCloseTo(expectedRssi, 1);
    expect(got[0]?.meta.snr_db).toBeCloseTo(expectedRssi - noiseFloorDbm(117_300, 6), 1);
    expect(got[0]?.meta.rx_t_ms).toBeCloseTo(7, 6);
  });

  it("free-space loss at 868 MHz over 1 km is about 91.2 dB", () => {
    expect(freeSpacePathLossDb(1000, 868e6)).toBeCloseTo(91.2, 1);
  });

  it("loses about the configured share of frames, identically for the same seed", async () => {
    const run = async (seed: number) => {
      const { clock, a, got } = pair({ loss: 0.3, seed });
      for (let i = 0; i < 2000; i++) {
        await a.send(Uint8Array.of(i & 0xff), TX);
        clock.advance(10);
      }
      return got.map((g) => g.frame[0]);
    };
    const r1 = await run(42);
    const r2 = await run(42);
    const r3 = await run(43);
    expect(r1).toEqual(r2);
    expect(r1).not.toEqual(r3);
    expect(r1.length / 2000).toBeGreaterThan(0.65);
    expect(r1.length / 2000).toBeLessThan(0.75);
  });

  it("drops frames whose SNR is below what the modem needs (too far away), and counts them", async () => {
    const { clock, a, b, got, medium } = pair({ path_loss_exponent: 3.5 }, 200);
    await a.send(Uint8Array.of(1), TX);
    clock.advance(50);
    expect(got).toHaveLength(1);
    b.moveTo([200_000, 0, 0]);
    await a.send(Uint8Array.of(2), TX);
    clock.advance(50);
    expect(got).toHaveLength(1);
    expect(medium.stats()).toMatchObject({ sent: 2, delivered: 1, lost_weak: 1 });
  });

  it("only radios on the same frequency and modem hear a frame; the sender does not hear itself", async () => {
    const clock = new ManualClock();
    const medium = new SimMedium({ clock });
    const tx = medium.attach([0, 0, 0], CH);
    const same = medium.attach([100, 0, 0], CH);
    const otherFreq = medium.attach([100, 0, 0], { ...CH, frequency_hz: 869_500_000 });
    const otherModem = medium.attach([100, 0, 0], { ...CH, modem: "lora" });
    const counts = [0, 0, 0, 0];
    [tx, same, otherFreq, otherModem].forEach((r, i) => {
      r.onReceive(() => {
        counts[i] = (counts[i] ?? 0) + 1;
      });
    });
    await tx.send(Uint8Array.of(9), TX);
    otherFreq.tune(CH);
    await tx.send(Uint8Array.of(9), TX);
    clock.advance(100);
    expect(counts).toEqual([0, 2, 1, 0]);
  });

  it("keeps frame order per receiver even with jitter larger than the frame spacing", async () => {
    const { clock, a, got } = pair({ jitter_ms: 500, seed: 7 });
    for (let i = 0; i < 50; i++) {
      await a.send(Uint8Array.of(i), TX);
      clock.advance(20);
    }
    clock.advance(1000);
    expect(got.map((g) => g.frame[0])).toEqual([...Array(50).keys()]);
  });

  it("refuses a loss probability outside [0, 1] and a closed radio cannot send", async () => {
    expect(() => new SimMedium({ loss: 1.5 })).toThrow(/probability/);
    const { medium, a } = pair();
    expect(() => medium.setLoss(-0.1)).toThrow(/probability/);
    await a.close();
    expect(await a.send(Uint8Array.of(1), TX)).toEqual({ ok: false, error: "radio closed" });
  });
});
