import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { type DownlinkMessage, encodeFrame, type FrameSigner } from "../../src/telemetry/frame.js";
import { LinkKey } from "../../src/telemetry/link-key.js";
import { LaunchHistory, memoryLaunchStore } from "../../src/winch/history.js";
import { RateLimitedLog } from "../../src/winch/rate-limited-log.js";
import { WinchReceiver } from "../../src/winch/receiver.js";
import { pairingBookWith } from "./pairing-rig.js";

// Every map here is keyed by something a radio peer chooses (a registration, an identity hash, a key
// id). The maps are private, so the bound is read through a cast: what is asserted is the size a flood
// leaves behind, which no public accessor exposes.
type Internals = { lastSeqBySender: Map<string, unknown>; unpaired: Map<string, unknown> };
const internals = (rx: WinchReceiver) => rx as unknown as Internals;

function full(sequence: number, registration: string): DownlinkMessage {
  return {
    kind: "full",
    registration,
    type: "ASK 21",
    unit: "kmh",
    v_min: 90,
    v_opt: 105,
    v_max: 130,
    v_current_tenths: 1000,
    sequence,
  };
}
function frame(msg: DownlinkMessage, key?: FrameSigner): Uint8Array {
  const r = encodeFrame(msg, key ? { key, epoch: 1 } : undefined);
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
}

describe("maps keyed by what a radio peer chooses stay bounded under a flood", () => {
  it("20 000 distinct identities on an unpaired winch: 16 transmitters tracked, a few summary lines", async () => {
    const clock = new ManualClock(10_000);
    const { logger, ring } = createDeviceLogger({ destination: null, level: "debug" });
    const rx = new WinchReceiver({ logger, clock });
    const store = memoryLaunchStore();
    let saves = 0;
    const counting = {
      load: store.load,
      save: (l: Parameters<typeof store.save>[0]) => {
        saves++;
        return store.save(l);
      },
    };
    const history = await LaunchHistory.open({ logger, store: counting, min_frames: 1, clock });
    history.follow(rx);
    const before = ring.newestSeq;
    let maxTracked = 0;
    for (let i = 0; i < 20_000; i++) {
      if (i % 100 === 0) clock.advance(100);
      rx.handleFrame(frame(full(i % 60_000, `D-${i.toString(36)}`)), {
        rssi_dbm: null,
        snr_db: null,
        rx_t_ms: clock.now(),
      });
      maxTracked = Math.max(maxTracked, internals(rx).lastSeqBySender.size);
    }
    // The flood landed: every frame was taken in and the shown identity is the last one sent.
    expect(rx.counters().received).toBe(20_000);
    expect(rx.snapshot().telemetry?.registration).toBe(`D-${(19_999).toString(36)}`);
    expect(maxTracked).toBe(16);
    // 20 s of flood: one "new identity" line at once and one summary per 10 s, not a line per identity.
    // Each invented identity ends a "launch": the history keeps its 1000, logs a line per 10 s of
    // receiver time (not per launch) and queues at most one save behind the one running.
    expect(ring.after(before).lines.length).toBeLessThanOrEqual(6);
    await history.flush();
    expect(history.launches().length).toBe(1000);
    expect(saves).toBeLessThanOrEqual(3);
    expect(store.saved.at(-1)?.registration).toBe(`D-${(19_998).toString(36)}`);
  });

  it("2000 unknown key ids on a paired winch: at most 4 unpaired remembered, 16 transmitters tracked", async () => {
    const clock = new ManualClock(50_000);
    const { logger } = createDeviceLogger({ destination: null });
    const paired = LinkKey.generate();
    const pairings = await pairingBookWith([paired.pairingCode()], logger, clock);
    const rx = new WinchReceiver({ logger, clock, pairings });
    let maxUnpaired = 0;
    let maxTracked = 0;
    for (let i = 0; i < 2_000; i++) {
      clock.advance(1_001); // past the unpaired list's change damping, so each one is a candidate
      rx.handleFrame(frame(full(i, `D-${i}`), LinkKey.generate()), {
        rssi_dbm: null,
        snr_db: null,
        rx_t_ms: clock.now(),
      });
      maxUnpaired = Math.max(maxUnpaired, internals(rx).unpaired.size);
      maxTracked = Math.max(maxTracked, internals(rx).lastSeqBySender.size);
    }
    expect(rx.counters().rejected.unknown_key).toBe(2_000);
    expect(maxUnpaired).toBeGreaterThan(0);
    expect(maxUnpaired).toBeLessThanOrEqual(4);
    expect(maxTracked).toBeLessThanOrEqual(16);
  });

  it("a summary log tallies at most 16 named kinds; forged names beyond go under other", () => {
    const clock = new ManualClock(0);
    const lines: Record<string, unknown>[] = [];
    const logger = {
      warn: (fields: Record<string, unknown>) => lines.push(fields),
      info: () => {},
    } as unknown as import("../../src/core/logger.js").Logger;
    const log = new RateLimitedLog({ logger, clock, message: "new identities" });
    log.note("first"); // logged at once
    for (let i = 0; i < 50_000; i++) log.note(`forged-${i}`);
    log.flush();
    expect(lines.length).toBe(2);
    const counts = lines[1]!.counts as Record<string, number>;
    expect(Object.keys(counts).length).toBe(17);
    expect(counts.other).toBe(50_000 - 16);
    expect(lines[1]!.total).toBe(50_000);
  });
});
