import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { SettingsError } from "../../src/core/problems.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { type DownlinkMessage, encodeFrame, type FullTelemetry } from "../../src/telemetry/frame.js";
import { identityHash } from "../../src/telemetry/identity.js";
import { type ShownTelemetry, WinchReceiver, zoneOf } from "../../src/winch/receiver.js";

const FULL: FullTelemetry = {
  kind: "full",
  registration: "D-1234",
  type: "ASK 21",
  unit: "kmh",
  v_min: 90,
  v_opt: 105,
  v_max: 130,
  v_current_tenths: 1000,
  sequence: 0,
};
const HASH = identityHash("D-1234", "ASK 21");

function frame(msg: DownlinkMessage): Uint8Array {
  const r = encodeFrame(msg);
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
}
const delta = (sequence: number, tenths: number, identity_hash = HASH): DownlinkMessage => ({
  kind: "delta",
  identity_hash,
  v_current_tenths: tenths,
  sequence,
});

function rig() {
  const clock = new ManualClock(10_000);
  const { logger, ring } = createDeviceLogger({ destination: null });
  const rx = new WinchReceiver({ logger, clock });
  const shown: ShownTelemetry[] = [];
  rx.on("telemetry", (t) => shown.push(t));
  const feed = (bytes: Uint8Array) =>
    rx.handleFrame(bytes, { rssi_dbm: -80, snr_db: 9.5, rx_t_ms: clock.now() });
  return { clock, rx, shown, feed, ring };
}

describe("winch receiver", () => {
  it("shows a full frame with identity, band, zone, levels; then deltas for the same identity", () => {
    const { clock, rx, feed } = rig();
    expect(rx.snapshot()).toEqual({ link: "no_signal", telemetry: null, unpaired_heard: [] });
    feed(frame(FULL));
    expect(rx.snapshot()).toEqual({
      link: "ok",
      telemetry: {
        registration: "D-1234",
        type: "ASK 21",
        unit: "kmh",
        v_min: 90,
        v_opt: 105,
        v_max: 130,
        ias: 100,
        zone: "inside",
        rssi_dbm: -80,
        snr_db: 9.5,
        age_ms: 0,
        verified: false,
        phase: null,
        seq: 0,
        received: 1,
        lost: 0,
      },
      unpaired_heard: [],
    });
    expect(rx.counters()).toMatchObject({
      shown_identity_hash: HASH.toString(16).padStart(8, "0"),
      shown_frame: "full",
    });
    clock.advance(200);
    feed(frame(delta(1, 1312)));
    clock.advance(150);
    expect(rx.snapshot().telemetry).toMatchObject({ ias: 131.2, zone: "above", seq: 1, age_ms: 150 });
    expect(rx.counters().shown_frame).toBe("delta");
    feed(frame(delta(2, 899)));
    expect(rx.snapshot().telemetry?.zone).toBe("below");
    // The phase a frame carries is shown as it is (null above: these frames carry none).
    feed(frame({ ...delta(3, 1000), phase: "released" }));
    expect(rx.snapshot().telemetry).toMatchObject({ phase: "released", seq: 3 });
  });

  it("zone edges: v_min and v_max themselves are inside", () => {
    const band = { v_min: 90, v_opt: 105, v_max: 130 };
    expect([89.9, 90, 130, 130.1].map((v) => zoneOf(v, band))).toEqual([
      "below",
      "inside",
      "inside",
      "above",
    ]);
  });

  it("holds back deltas before any full frame and deltas whose hash does not match, and counts them", () => {
    const { rx, feed, shown } = rig();
    feed(frame(delta(0, 500)));
    expect(rx.snapshot().telemetry).toBeNull();
    expect(rx.counters()).toMatchObject({ held_back: 1, received: 1 });
    feed(frame({ ...FULL, sequence: 1 }));
    feed(frame(delta(7, 555, identityHash("D-9999", "LS4"))));
    expect(rx.snapshot().telemetry).toMatchObject({ ias: 100, registration: "D-1234" });
    expect(rx.counters().held_back).toBe(2);
    expect(shown).toHaveLength(1);
  });

  it("a new full frame switches identity; the old identity's deltas are then held back", () => {
    const { rx, feed } = rig();
    feed(frame(FULL));
    feed(
      frame({ ...FULL, registration: "D-9999", type: "LS4", v_min: 80, v_opt: 95, v_max: 120, sequence: 50 }),
    );
    feed(frame(delta(1, 1111)));
    expect(rx.snapshot().telemetry).toMatchObject({
      registration: "D-9999",
      type: "LS4",
      v_min: 80,
      ias: 100,
    });
    expect(rx.counters().held_back).toBe(1);
  });

  it("counts lost frames from sequence gaps per transmitter, ignores duplicates, treats big jumps as restarts", () => {
    const { rx, feed } = rig();
    feed(frame({ ...FULL, sequence: 65_534 }));
    feed(frame(delta(65_535, 1000)));
    feed(frame(delta(2, 1000))); // wraps: 0 and 1 lost
    expect(rx.snapshot().telemetry).toMatchObject({ lost: 2, received: 3 });
    feed(frame(delta(2, 1000)));
    expect(rx.counters()).toMatchObject({ duplicates: 1, received: 3 });
    feed(frame(delta(40_000, 1000))); // restart, not 39 997 losses
    expect(rx.counters().lost).toBe(2);
    feed(frame({ ...FULL, registration: "D-2", sequence: 10 })); // another transmitter: own sequence
    feed(frame({ ...FULL, registration: "D-2", sequence: 13 }));
    expect(rx.counters().lost).toBe(4);
  });

  it("counts malformed frames by reason and never throws", () => {
    const { rx, feed } = rig();
    const good = frame(FULL);
    feed(new Uint8Array(0));
    feed(good.subarray(0, 5));
    feed(Uint8Array.of(...good, 1));
    feed(Uint8Array.of(200, ...new Uint8Array(200)));
    feed(Uint8Array.of(2, 0xff, 0xff));
    expect(rx.counters().bad_frames).toEqual({
      empty: 1,
      truncated: 1,
      length_mismatch: 1,
      oversized: 1,
      garbage: 1,
      invalid: 0,
    });
    for (let i = 0; i < 200; i++)
      feed(Uint8Array.from({ length: (i * 7) % 60 }, (_, j) => (i * 31 + j * 17) & 0xff));
    const c = rx.counters();
    expect(c.bad_frames_total).toBe(Object.values(c.bad_frames).reduce((x, y) => x + y, 0));
    expect(c.bad_frames_total + c.received + c.duplicates).toBe(205);
    expect(rx.snapshot().telemetry).toBeNull();
    feed(good);
    expect(rx.snapshot().telemetry?.registration).toBe("D-1234");
  });

  it("goes stale after 1.5 s and absent after 10 s: no IAS shown, identity forgotten until a full frame", () => {
    const { clock, rx, feed, ring } = rig();
    const links: string[] = [];
    rx.on("link", (e) => links.push(`${e.from}->${e.to}`));
    feed(frame(FULL));
    clock.advance(1499);
    expect(rx.snapshot()).toMatchObject({ link: "ok", telemetry: { age_ms: 1499 } });
    clock.advance(1);
    expect(rx.snapshot()).toMatchObject({ link: "stale", telemetry: { ias: 100, age_ms: 1500 } });
    clock.advance(8499);
    expect(rx.snapshot().link).toBe("stale");
    clock.advance(1);
    expect(rx.snapshot()).toMatchObject({ link: "no_signal", telemetry: null });
    feed(frame(delta(1, 1200)));
    expect(rx.snapshot()).toEqual({ link: "no_signal", telemetry: null, unpaired_heard: [] });
    expect(rx.counters().held_back).toBe(1);
    feed(frame({ ...FULL, sequence: 2 }));
    expect(rx.snapshot()).toMatchObject({ link: "ok", telemetry: { ias: 100 } });
    expect(links).toEqual(["no_signal->ok", "ok->stale", "stale->no_signal", "no_signal->ok"]);
    expect(ring.after(0).lines.some((l) => l.level === "warn" && l.msg === "telemetry stale")).toBe(true);
  });

  it("the timer emits link changes without anyone polling", () => {
    const { clock, rx, feed } = rig();
    const links: string[] = [];
    rx.on("link", (e) => links.push(e.to));
    rx.start(100);
    feed(frame(FULL));
    clock.advance(11_000);
    rx.stop();
    expect(links).toEqual(["ok", "stale", "no_signal"]);
    expect(clock.pending()).toBe(0);
  });

  it("version/ETag change with each frame shown and each link change, and only then", () => {
    const { clock, rx, feed } = rig();
    const e0 = rx.etag();
    expect(rx.etag()).toBe(e0);
    feed(frame(FULL));
    const e1 = rx.etag();
    expect(e1).not.toBe(e0);
    clock.advance(1000);
    expect(rx.etag()).toBe(e1); // only age changed
    feed(Uint8Array.of(1, 2)); // a bad frame is counted, but shows nothing new
    expect(rx.counters().bad_frames_total).toBe(1);
    expect(rx.etag()).toBe(e1);
    feed(frame(FULL)); // the same frame again: a duplicate, nothing new either
    expect(rx.etag()).toBe(e1);
    feed(frame(delta(1, 1000)));
    const e2 = rx.etag();
    expect(e2).not.toBe(e1);
    clock.advance(1600);
    const e3 = rx.etag();
    expect(e3).not.toBe(e2); // ok -> stale
    expect(rx.counters().version).toBe(rx.version());
    expect(e3).toMatch(/^"w-[0-9a-f]{8}-\d+"$/);
  });

  it("a throwing listener does not stop the receiver", () => {
    const { rx, feed } = rig();
    rx.on("telemetry", () => {
      throw new Error("listener bug");
    });
    feed(frame(FULL));
    feed(frame(delta(1, 1234)));
    expect(rx.snapshot().telemetry?.ias).toBe(123.4);
  });

  it("refuses nonsense timeouts", () => {
    const { logger } = createDeviceLogger({ destination: null });
    expect(() => new WinchReceiver({ logger, stale_after_ms: 5000, absent_after_ms: 4000 })).toThrow(
      SettingsError,
    );
    expect(() => new WinchReceiver({ logger, stale_after_ms: 10 })).toThrow(/stale_after_ms/);
  });
});
