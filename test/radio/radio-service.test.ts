import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { RadioService } from "../../src/radio/radio-service.js";
import { DEFAULT_RADIO_SETTINGS, type RadioSettings } from "../../src/radio/radio-settings.js";
import { SimMedium } from "../../src/radio/sim-link.js";

function setup(settings?: RadioSettings, persist?: (s: RadioSettings) => Promise<void>) {
  const clock = new ManualClock(1_000);
  const { logger, ring } = createDeviceLogger({ destination: null });
  const medium = new SimMedium({ clock });
  const tx = new RadioService({
    link: medium.attach([0, 0, 0], { frequency_hz: 0, modem: "gfsk" }),
    logger,
    clock,
    settings,
    persist,
  });
  const rx = new RadioService({
    link: medium.attach([100, 0, 0], { frequency_hz: 0, modem: "gfsk" }),
    logger,
    clock,
    settings,
  });
  const heard: number[] = [];
  rx.onReceive((f) => heard.push(f[0] ?? -1));
  return { clock, ring, tx, rx, heard };
}

const H16 = { srd_profile_id: "eu868-h1.6", frequency_hz: 869_000_000 } as const; // 0.1 % = 3.6 s per hour

describe("radio service", () => {
  it("sends frames on the configured channel and counts them on both ends", async () => {
    const { clock, tx, rx, heard } = setup();
    expect(await tx.send(Uint8Array.of(1, 0))).toEqual({ sent: true, airtime_ms: expect.closeTo(1.92, 6) });
    clock.advance(100);
    expect(heard).toEqual([1]);
    expect(tx.stats()).toMatchObject({ tx_frames: 1, tx_blocked_duty: 0, tx_errors: 0 });
    expect(rx.stats().rx_frames).toBe(1);
    expect(tx.stats().duty_cycle_used_ppm).toBeCloseTo((1.92 / 3_600_000) * 1e6, 1);
  });

  it("stops sending when the profile's duty budget is spent, counts and logs it; the lab override lifts it", async () => {
    const { clock, ring, tx } = setup({ ...DEFAULT_RADIO_SETTINGS, ...H16 });
    const frame = new Uint8Array(40); // 8 ms on air with the GFSK preset: 32 + 8·(4 + 40 + 2) bits at 50 kbit/s
    let sent = 0;
    let blocked = 0;
    for (let i = 0; i < 1000; i++) {
      const r = await tx.send(frame);
      if (r.sent) sent++;
      else if (r.reason === "duty_cycle") blocked++;
      clock.advance(200);
    }
    expect(sent).toBe(450);
    expect(blocked).toBe(1000 - sent);
    expect(tx.stats()).toMatchObject({ tx_frames: sent, tx_blocked_duty: blocked });
    expect(tx.view().duty_cycle_used_ppm).toBeLessThanOrEqual(1000);
    const lines = ring.after(0).lines.filter((l) => l.msg.includes("duty-cycle limit"));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(blocked); // rate-limited
    expect((await tx.update({ duty_cycle_lab_override: true })).ok).toBe(true);
    expect((await tx.send(frame)).sent).toBe(true);
    expect(tx.view().duty_cycle_used_ppm).toBeGreaterThan(1000);
  });

  it("a refused update changes nothing and is not persisted; an accepted one is persisted and retunes", async () => {
    const saved: RadioSettings[] = [];
    const { clock, tx, rx, heard } = setup(undefined, async (s) => {
      saved.push(s);
    });
    const r = await tx.update({ frequency_hz: 868_300_000 });
    expect(r.ok).toBe(false);
    expect(tx.settings()).toEqual(DEFAULT_RADIO_SETTINGS);
    expect(saved).toEqual([]);
    const ok = await tx.update({ frequency_hz: 869_450_000 });
    expect(ok.ok).toBe(true);
    expect(saved).toEqual([{ ...DEFAULT_RADIO_SETTINGS, frequency_hz: 869_450_000 }]);
    await tx.send(Uint8Array.of(5));
    clock.advance(100);
    expect(heard).toEqual([]); // the winch is still on the old frequency
    await rx.update({ frequency_hz: 869_450_000 });
    await tx.send(Uint8Array.of(6));
    clock.advance(100);
    expect(heard).toEqual([6]);
  });

  it("if persisting fails the settings stay as they were", async () => {
    const { tx } = setup(undefined, async () => {
      throw new Error("disk full");
    });
    await expect(tx.update({ tx_power_dbm: 5 })).rejects.toThrow("disk full");
    expect(tx.settings()).toEqual(DEFAULT_RADIO_SETTINGS);
    // The next update still runs.
    await expect(tx.update({ tx_power_dbm: 6 })).rejects.toThrow("disk full");
  });

  it("falls back to defaults (with a warning) when stored settings are not valid", () => {
    const { tx, ring } = setup({ ...DEFAULT_RADIO_SETTINGS, frequency_hz: 868_300_000 });
    expect(tx.settings()).toEqual(DEFAULT_RADIO_SETTINGS);
    expect(ring.after(0).lines.some((l) => l.level === "warn" && l.msg.includes("not valid"))).toBe(true);
  });
});
