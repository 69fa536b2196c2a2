import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { type DownlinkMessage, encodeFrame, type FrameSigner } from "../../src/telemetry/frame.js";
import { identityHash } from "../../src/telemetry/identity.js";
import { keyIdHex, LinkKey } from "../../src/telemetry/link-key.js";
import { LaunchHistory, memoryLaunchStore } from "../../src/winch/history.js";
import { MAX_PAIRINGS, PairingBook } from "../../src/winch/pairings.js";
import { WinchReceiver } from "../../src/winch/receiver.js";
import { memoryPairingNs, pairingBookWith } from "./pairing-rig.js";

const PAIRED = LinkKey.generate();
const STRANGER = LinkKey.generate();

function full(sequence: number, registration = "D-1234", tenths = 1000): DownlinkMessage {
  return {
    kind: "full",
    registration,
    type: "ASK 21",
    unit: "kmh",
    v_min: 90,
    v_opt: 105,
    v_max: 130,
    v_current_tenths: tenths,
    sequence,
  };
}
function delta(sequence: number, tenths: number): DownlinkMessage {
  return {
    kind: "delta",
    identity_hash: identityHash("D-1234", "ASK 21"),
    v_current_tenths: tenths,
    sequence,
  };
}
function frame(msg: DownlinkMessage, key: FrameSigner | null = PAIRED, epoch = 1): Uint8Array {
  const r = encodeFrame(msg, key ? { key, epoch } : undefined);
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
}

async function rig(codes = [PAIRED.pairingCode()]) {
  const clock = new ManualClock(50_000);
  const { logger, ring } = createDeviceLogger({ destination: null, level: "debug" });
  const pairings = await pairingBookWith(codes, logger, clock);
  const rx = new WinchReceiver({ logger, clock, pairings });
  const store = memoryLaunchStore();
  const history = await LaunchHistory.open({ logger, store, min_frames: 1 });
  history.follow(rx);
  const feed = (bytes: Uint8Array) =>
    rx.handleFrame(bytes, { rssi_dbm: null, snr_db: null, rx_t_ms: clock.now() });
  return { clock, rx, feed, pairings, history, store, ring, logger };
}

describe("a paired winch trusts only verified frames", () => {
  it("shows a genuine frame as verified", async () => {
    const { rx, feed } = await rig();
    feed(frame(full(0)));
    expect(rx.snapshot().telemetry).toMatchObject({ registration: "D-1234", ias: 100, verified: true });
  });

  it("forged, bit-flipped, replayed, unknown-key and unpaired frames never become current, each counted, none moves the ETag", async () => {
    const { rx, feed, clock, store, history } = await rig();
    const genuine = [frame(full(0)), frame(delta(1, 1010)), frame(delta(2, 1020))];
    const forger: FrameSigner = { key_id: PAIRED.key_id, mac: () => 0xdeadbeef };
    const noMac = frame(full(9, "D-1234", 1500));
    const cutMac = Uint8Array.of(noMac.length - 6, ...noMac.subarray(1, noMac.length - 5));
    const flipped = genuine[1]?.slice() ?? new Uint8Array();
    flipped[4] = (flipped[4] ?? 0) ^ 0x01; // inside the identity hash: still decodes, MAC fails
    const attacks: [Uint8Array, string][] = [
      [frame(full(5, "D-1234", 400), forger), "bad_mac"],
      [cutMac, "bad_mac"],
      [flipped, "bad_mac"],
      [frame(full(6, "D-6666", 400), STRANGER), "unknown_key"],
      [frame(full(7, "D-7777", 400), null), "unpaired"],
    ];
    // Before anything genuine: nothing an attacker sends is shown. (The first frames of an unpaired
    // aircraft do change the ETag: the monitor must learn that "D-6666" is heard but not paired.)
    for (const [bytes] of attacks) feed(bytes);
    expect(rx.snapshot().telemetry).toBeNull();
    // Genuine frames, then every attack again, then the genuine ones replayed.
    for (const g of genuine) {
      clock.advance(200);
      feed(g);
    }
    const shown = rx.snapshot().telemetry;
    expect(shown).toMatchObject({ ias: 102, verified: true, seq: 2 });
    const e1 = rx.etag();
    for (const [bytes] of attacks) feed(bytes);
    for (const g of genuine) feed(g);
    expect(rx.snapshot().telemetry).toMatchObject({ ias: 102, seq: 2 });
    expect(rx.etag()).toBe(e1);
    expect(rx.counters().rejected).toEqual({ bad_mac: 6, replay: 3, unknown_key: 2, unpaired: 2 });
    expect(rx.counters().rejected_total).toBe(13);
    // The unpaired aircraft are named for the monitor, with the key id they sign with.
    expect(rx.snapshot().unpaired_heard).toEqual([
      { registration: "D-7777", type: "ASK 21", key_id: null, age_ms: expect.any(Number) },
      {
        registration: "D-6666",
        type: "ASK 21",
        key_id: keyIdHex(STRANGER.key_id),
        age_ms: expect.any(Number),
      },
    ]);
    clock.advance(20_000);
    rx.tick();
    history.finish();
    await history.flush();
    expect(store.saved).toHaveLength(1);
    expect(store.saved[0]).toMatchObject({ registration: "D-1234", verified: true, max_ias: 102 });
  });

  it("fuzz: no mutation of a genuine frame becomes current telemetry", async () => {
    const { rx, feed, clock } = await rig();
    feed(frame(full(0, "D-1234", 1000)));
    let seq = 1;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3 }), fc.nat(), fc.nat(7), (noise, at, bit) => {
        const bytes = frame(delta(seq++, 1234)).slice();
        const i = 1 + (at % (bytes.length - 1));
        bytes[i] = (bytes[i] ?? 0) ^ (1 << bit);
        const variants = [
          bytes,
          Uint8Array.of(bytes.length - 1 + noise.length, ...bytes.subarray(1), ...noise),
        ];
        for (const v of variants) {
          clock.advance(1);
          feed(v);
          expect(rx.snapshot().telemetry?.ias).toBe(100);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("a replay stays a replay after the winch restarts (last counter saved with the pairing)", async () => {
    const clock = new ManualClock(1000);
    const { logger } = createDeviceLogger({ destination: null });
    const ns = memoryPairingNs();
    const book = new PairingBook({ ns, logger, clock });
    await book.add(PAIRED.pairingCode());
    const rx = new WinchReceiver({ logger, clock, pairings: book });
    const captured = frame(full(40));
    rx.handleFrame(captured, { rssi_dbm: null, snr_db: null, rx_t_ms: clock.now() });
    expect(rx.snapshot().telemetry?.verified).toBe(true);
    await book.flush();
    const after = new WinchReceiver({ logger, clock, pairings: new PairingBook({ ns, logger, clock }) });
    after.handleFrame(captured, { rssi_dbm: null, snr_db: null, rx_t_ms: clock.now() });
    expect(after.snapshot().telemetry).toBeNull();
    expect(after.counters().rejected.replay).toBe(1);
    // The aircraft rebooted: a new epoch starts a higher counter, sequence from 0 again.
    after.handleFrame(frame(full(0), PAIRED, 2), { rssi_dbm: null, snr_db: null, rx_t_ms: clock.now() });
    expect(after.snapshot().telemetry?.verified).toBe(true);
  });

  it("a flood of forged frames costs a few log lines and no history", async () => {
    const { rx, feed, clock, ring, store, history } = await rig();
    const before = ring.newestSeq;
    const forger: FrameSigner = { key_id: PAIRED.key_id, mac: () => 1 };
    for (let i = 0; i < 20_000; i++) {
      if (i % 100 === 0) clock.advance(100); // 20 000 frames over 20 s
      feed(frame(full(i % 65_536, `D-${i % 9000}`, 500), i % 2 ? forger : STRANGER));
    }
    const lines = ring.after(before).lines;
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(lines.some((l) => l.msg.includes("frames refused"))).toBe(true);
    expect(rx.counters().rejected_total).toBe(20_000);
    expect(rx.snapshot().unpaired_heard.length).toBeLessThanOrEqual(4);
    history.finish();
    expect(store.saved).toEqual([]);
  });
});

describe("a winch without pairings", () => {
  it("shows what it hears marked unverified, and stops showing it once a pairing is added", async () => {
    const { rx, feed, pairings } = await rig([]);
    feed(frame(full(0), STRANGER));
    expect(rx.snapshot().telemetry).toMatchObject({ verified: false, ias: 100 });
    const e = rx.etag();
    await pairings.add(PAIRED.pairingCode());
    expect(rx.snapshot().telemetry).toBeNull();
    expect(rx.etag()).not.toBe(e);
    feed(frame(full(1), STRANGER));
    expect(rx.snapshot().telemetry).toBeNull();
    feed(frame(full(1)));
    expect(rx.snapshot().telemetry?.verified).toBe(true);
    await pairings.remove(PAIRED.key_id);
    expect(rx.snapshot().telemetry).toBeNull();
  });

  it("treats a sequence far behind as an old frame, not a restart", async () => {
    const { rx, feed } = await rig([]);
    feed(frame(full(30_000), null));
    feed(frame(delta(30_001, 1100), null));
    feed(frame(full(20_000, "D-1234", 300), null)); // behind: old, ignored
    expect(rx.snapshot().telemetry?.ias).toBe(110);
    expect(rx.counters().behind).toBe(1);
    feed(frame(full(3, "D-1234", 500), null)); // a restarted transmitter begins near 0
    expect(rx.snapshot().telemetry?.ias).toBe(50);
  });
});

describe("pairing book", () => {
  it("adds by code, lists without key material, refuses bad codes storing nothing, removes", async () => {
    const { logger } = createDeviceLogger({ destination: null });
    const ns = memoryPairingNs();
    const book = new PairingBook({ ns, logger });
    for (const bad of ["", "OWTS-1234", PAIRED.pairingCode().replace(/.$/, "0").replace(/0$/, "1"), 7]) {
      const r = await book.add(bad);
      expect(r.ok).toBe(false);
    }
    expect(ns.writes).toEqual([]);
    const added = await book.add(PAIRED.pairingCode());
    expect(added).toMatchObject({ ok: true, created: true, pairing: { key_id: keyIdHex(PAIRED.key_id) } });
    expect(await book.add(PAIRED.pairingCode().toLowerCase())).toMatchObject({ ok: true, created: false });
    const listed = JSON.stringify(book.list());
    expect(listed).not.toContain(PAIRED.toStored().key);
    expect(book.list()).toEqual([
      {
        key_id: keyIdHex(PAIRED.key_id),
        registration: null,
        type: null,
        added: expect.any(String),
        last_verified: null,
      },
    ]);
    expect(await book.remove(STRANGER.key_id)).toBe(false);
    expect(await book.remove(PAIRED.key_id)).toBe(true);
    expect(book.size()).toBe(0);
  });

  it(`holds ${MAX_PAIRINGS} (a club winch needs at least 64) and then says it is full`, async () => {
    const { logger } = createDeviceLogger({ destination: null });
    const book = new PairingBook({ ns: memoryPairingNs(), logger });
    for (let i = 0; i < MAX_PAIRINGS; i++)
      expect((await book.add(LinkKey.generate().pairingCode())).ok).toBe(true);
    expect(await book.add(LinkKey.generate().pairingCode())).toMatchObject({ ok: false, problem: "full" });
    expect(book.size()).toBe(MAX_PAIRINGS);
  });
});
