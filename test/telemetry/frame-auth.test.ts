import { fromBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DownlinkMessage,
  decodeFrame,
  encodeFrame,
  type FrameAuth,
  frameCounter,
  MAX_MESSAGE_BYTES,
  verifyFrameAuth,
} from "../../src/telemetry/frame.js";
import { identityHash } from "../../src/telemetry/identity.js";
import { LinkKey } from "../../src/telemetry/link-key.js";
import { AircraftRadioDownlinkSchema as OldDownlinkSchema } from "./fixtures/owts_aircraft_telemetry_v1_pb.js";

const KEY = LinkKey.generate();
const OTHER = LinkKey.generate();
const FULL: DownlinkMessage = {
  kind: "full",
  registration: "D-1234",
  type: "ASK 21",
  unit: "kmh",
  v_min: 90,
  v_opt: 105,
  v_max: 130,
  v_current_tenths: 1012,
  sequence: 7,
};
const DELTA: DownlinkMessage = {
  kind: "delta",
  identity_hash: identityHash("D-1234", "ASK 21"),
  v_current_tenths: 999,
  sequence: 8,
};

function signed(msg: DownlinkMessage, epoch = 3, key = KEY): Uint8Array {
  const r = encodeFrame(msg, { key, epoch });
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
}

function authOf(bytes: Uint8Array): FrameAuth | null {
  const d = decodeFrame(bytes);
  if (!d.ok) throw new Error(d.reason);
  return d.auth;
}

describe("authenticated frames", () => {
  it("carry key id, epoch and a MAC that verifies only under the same key; 12 bytes more than before", () => {
    for (const msg of [FULL, DELTA]) {
      const bytes = signed(msg);
      const plain = encodeFrame(msg);
      if (!plain.ok) throw new Error(plain.message);
      expect(bytes.length - plain.bytes.length).toBe(12); // key id 5, epoch 2, MAC 5
      const d = decodeFrame(bytes);
      expect(d.ok && d.msg).toEqual(msg);
      const auth = authOf(bytes);
      expect(auth).not.toBeNull();
      if (!auth) return;
      expect(auth.key_id).toBe(KEY.key_id);
      expect(auth.epoch).toBe(3);
      expect(verifyFrameAuth(auth, KEY)).toBe(true);
      expect(verifyFrameAuth(auth, OTHER)).toBe(false);
    }
    expect(frameCounter(3, 7)).toBeLessThan(frameCounter(4, 0));
  });

  it("the largest full frame still fits", () => {
    const big: DownlinkMessage = {
      ...FULL,
      registration: "X".repeat(16),
      phase: "landing_hold",
      type: "Y".repeat(32),
      sequence: 65_535,
    };
    const r = encodeFrame(big, { key: KEY, epoch: 0xffff_ffff });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.bytes.length - 1).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it("old receivers (the generated code before these fields) decode them unchanged", () => {
    const bytes = signed(FULL);
    const old = fromBinary(OldDownlinkSchema, bytes.subarray(1));
    expect(old.payload.case).toBe("full");
    if (old.payload.case === "full") {
      expect(old.payload.value.registration).toBe("D-1234");
      expect(old.payload.value.vCurrent).toBe(1012);
      expect(old.payload.value.sequence).toBe(7);
    }
  });

  it("a forged frame (valid protobuf, key id of a real key, MAC made up or missing) never verifies", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (mac) => {
        const forger = { key_id: KEY.key_id, mac: () => mac };
        const bytes = encodeFrame(FULL, { key: forger, epoch: 3 });
        if (!bytes.ok) throw new Error(bytes.message);
        const auth = authOf(bytes.bytes);
        expect(auth && verifyFrameAuth(auth, KEY)).toBe(mac === KEY.mac((auth as FrameAuth).signed));
      }),
      { numRuns: 300 },
    );
    // Key id without any MAC field: cut the MAC off and fix the length byte.
    const bytes = signed(FULL);
    const cut = Uint8Array.of(bytes.length - 6, ...bytes.subarray(1, bytes.length - 5));
    const auth = authOf(cut);
    expect(auth?.mac).toBeNull();
    expect(auth && verifyFrameAuth(auth, KEY)).toBe(false);
  });

  it("fuzz: any bit flipped in a genuine frame is refused by the decoder or fails the MAC", () => {
    fc.assert(
      fc.property(fc.constantFrom(FULL, DELTA), fc.nat(), fc.nat(7), (msg, at, bit) => {
        const bytes = signed(msg);
        const i = at % bytes.length;
        const flipped = bytes.slice();
        flipped[i] = (flipped[i] ?? 0) ^ (1 << bit);
        const d = decodeFrame(flipped);
        if (!d.ok) return;
        expect(d.auth === null || !verifyFrameAuth(d.auth, KEY)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("fuzz: random bytes after a genuine prefix never verify and never throw", () => {
    const bytes = signed(DELTA);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(bytes.length), (tail, keep) => {
        const body = Uint8Array.of(...bytes.subarray(1, 1 + keep), ...tail);
        const frame = Uint8Array.of(body.length, ...body);
        const d = decodeFrame(frame);
        if (!d.ok || d.auth === null) return;
        const same = body.length === bytes.length - 1 && body.every((b, i) => b === bytes[i + 1]);
        expect(verifyFrameAuth(d.auth, KEY)).toBe(same);
      }),
      { numRuns: 3000 },
    );
  });

  it("refuses to sign with key id 0 or an epoch beyond 32 bits", () => {
    expect(encodeFrame(FULL, { key: { key_id: 0, mac: () => 1 }, epoch: 1 }).ok).toBe(false);
    expect(encodeFrame(FULL, { key: KEY, epoch: 2 ** 32 }).ok).toBe(false);
  });
});
