import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DUTY_WINDOW_S, DutyCycleMeter } from "../../src/radio/duty-cycle.js";

/** The independent reference: a plain list of (start, air time), summed over the window each time. */
class NaiveDuty {
  private readonly events: { t_ms: number; airtime_ms: number }[] = [];
  record(t_ms: number, airtime_ms: number): void {
    this.events.push({ t_ms, airtime_ms });
  }
  usedMs(t_ms: number): number {
    const nowSecond = Math.floor(t_ms / 1000);
    let sum = 0;
    for (const e of this.events) {
      const s = Math.floor(e.t_ms / 1000);
      if (s > nowSecond - DUTY_WINDOW_S && s <= nowSecond) sum += Math.round(e.airtime_ms * 1000);
    }
    return sum / 1000;
  }
  allows(t_ms: number, airtime_ms: number, max_ppm: number): boolean {
    return this.usedMs(t_ms) * 1000 + Math.round(airtime_ms * 1000) <= Math.floor(max_ppm * 3600);
  }
}

const step = fc.record({
  gap_ms: fc.oneof(
    fc.integer({ min: 0, max: 400 }),
    fc.integer({ min: 0, max: 5_000 }),
    fc.integer({ min: 3_590_000, max: 3_610_000 }),
  ),
  airtime_ms: fc.oneof(fc.constant(4), fc.double({ min: 0, max: 300, noNaN: true })),
});

describe("duty-cycle meter", () => {
  it("matches the naive reference for used time and send decisions (property)", () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 300 }),
        fc.constantFrom(1_000, 10_000, 100_000),
        fc.integer({ min: 0, max: 10_000_000 }),
        (steps, maxPpm, start) => {
          const meter = new DutyCycleMeter();
          const ref = new NaiveDuty();
          let t = start;
          for (const s of steps) {
            t += s.gap_ms;
            const allowed = meter.allows(t, s.airtime_ms, maxPpm);
            expect(allowed).toBe(ref.allows(t, s.airtime_ms, maxPpm));
            if (allowed) {
              meter.record(t, s.airtime_ms);
              ref.record(t, s.airtime_ms);
            }
            expect(meter.usedMs(t)).toBeCloseTo(ref.usedMs(t), 6);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a 1 % budget admits exactly 36 s of air time per hour, then refuses until the oldest seconds expire", () => {
    const meter = new DutyCycleMeter();
    let sent = 0;
    // 100 ms frames every 200 ms: 50 % attempted, 1 % allowed.
    for (let t = 0; t < 600_000; t += 200) {
      if (meter.allows(t, 100, 10_000)) {
        meter.record(t, 100);
        sent++;
      }
    }
    expect(sent).toBe(360);
    expect(meter.usedPpm(599_999)).toBe(10_000);
    expect(meter.allows(3_599_999, 100, 10_000)).toBe(false);
    // The first frames were in second 0..71; at second 3600 second 0 leaves the window.
    expect(meter.allows(3_600_000, 100, 10_000)).toBe(true);
    expect(meter.usedMs(3_600_000)).toBeCloseTo(36_000 - 500, 6);
  });

  it("forgets everything after an idle hour and on reset", () => {
    const meter = new DutyCycleMeter();
    meter.record(1_000, 50);
    expect(meter.usedMs(1_000)).toBe(50);
    expect(meter.usedMs(3_600_999)).toBe(50);
    expect(meter.usedMs(3_601_000)).toBe(0);
    meter.record(5_000_000, 7);
    meter.reset();
    expect(meter.usedMs(5_000_000)).toBe(0);
  });
});
