import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DownlinkMessage,
  decodeFrame,
  encodeFrame,
  FRAME_ERROR_REASONS,
  type FullTelemetry,
  MAX_FRAME_BYTES,
  MAX_MESSAGE_BYTES,
  messageIdentityHash,
} from "../../src/telemetry/frame.js";
import {
  AircraftRadioDownlinkSchema,
  SpeedUnit as PbSpeedUnit,
} from "../../src/telemetry/gen/owts_aircraft_telemetry_pb.js";
import { identityHash } from "../../src/telemetry/identity.js";
import { fromTenths, toTenths } from "../../src/telemetry/speed.js";

const FULL: FullTelemetry = {
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

function encodeOk(msg: DownlinkMessage): Uint8Array {
  const r = encodeFrame(msg);
  if (!r.ok) throw new Error(`encode refused: ${r.message}`);
  return r.bytes;
}

const fullArb: fc.Arbitrary<FullTelemetry> = fc
  .record({
    registration: fc.stringMatching(/^[A-Z0-9-]{1,16}$/),
    type: fc.stringMatching(/^[ -~]{0,32}$/),
    unit: fc.constantFrom("kmh" as const, "kt" as const, "mph" as const),
    a: fc.integer({ min: 1, max: 1000 }),
    b: fc.integer({ min: 1, max: 1000 }),
    c: fc.integer({ min: 1, max: 1000 }),
    v_current_tenths: fc.integer({ min: 0, max: 10_000 }),
    sequence: fc.integer({ min: 0, max: 65_535 }),
  })
  .map(({ a, b, c, ...rest }) => {
    const [v_min, v_opt, v_max] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
    return { kind: "full" as const, ...rest, v_min, v_opt, v_max };
  });

const deltaArb: fc.Arbitrary<DownlinkMessage> = fc.record({
  kind: fc.constant("delta" as const),
  identity_hash: fc.integer({ min: 0, max: 0xffff_ffff }),
  v_current_tenths: fc.integer({ min: 0, max: 10_000 }),
  sequence: fc.integer({ min: 0, max: 65_535 }),
});

describe("frame encode/decode", () => {
  it("round-trips full and delta frames exactly", () => {
    fc.assert(
      fc.property(fc.oneof(fullArb, deltaArb), (msg) => {
        const bytes = encodeOk(msg);
        expect(bytes[0]).toBe(bytes.length - 1);
        expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
        expect(decodeFrame(bytes)).toEqual({ ok: true, msg, auth: null });
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the worst-case full frame (16-byte registration, 32-byte type, max values) under the limit", () => {
    const bytes = encodeOk({
      ...FULL,
      registration: "ABCDEFGHIJKLMNOP",
      type: "x".repeat(32),
      v_min: 1000,
      v_opt: 1000,
      v_max: 1000,
      v_current_tenths: 10_000,
      sequence: 65_535,
    });
    expect(bytes.length - 1).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it("delta frames are small (identity hash, speed, sequence)", () => {
    const bytes = encodeOk({
      kind: "delta",
      identity_hash: 0xffff_ffff,
      v_current_tenths: 10_000,
      sequence: 65_535,
    });
    expect(bytes.length).toBeLessThanOrEqual(16);
  });

  it("refuses to encode messages that no receiver would accept, without throwing", () => {
    const bad: [DownlinkMessage, RegExp][] = [
      [{ ...FULL, registration: "" }, /registration is empty/],
      [{ ...FULL, registration: "A".repeat(17) }, /registration is longer/],
      [{ ...FULL, type: "bad\nline" }, /control/],
      [{ ...FULL, v_min: 140 }, /band/],
      [{ ...FULL, v_min: 0, v_opt: 0 }, /band/],
      [{ ...FULL, v_current_tenths: -1 }, /v_current/],
      [{ ...FULL, v_current_tenths: 1.5 }, /v_current/],
      [{ ...FULL, sequence: 65_536 }, /sequence/],
      [{ ...FULL, unit: "furlong" as never }, /unit/],
      [{ kind: "delta", identity_hash: 2 ** 32, v_current_tenths: 0, sequence: 0 }, /identity_hash/],
    ];
    for (const [msg, re] of bad) {
      const r = encodeFrame(msg);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toBe("invalid");
        expect(r.message).toMatch(re);
      }
    }
  });

  it("identity hash is the documented SHA-256 prefix over registration, NUL, type", () => {
    // SHA-256("D-1234\0ASK 21"), computed independently with: printf 'D-1234\0ASK 21' | sha256sum
    expect(identityHash("D-1234", "ASK 21").toString(16).padStart(8, "0")).toBe(EXPECTED_D1234_ASK21);
    expect(identityHash("AB", "C")).not.toBe(identityHash("A", "BC"));
    expect(messageIdentityHash(FULL)).toBe(identityHash("D-1234", "ASK 21"));
  });

  it("converts speeds to tenths with rounding and clamping", () => {
    expect(toTenths(101.26)).toBe(1013);
    expect(toTenths(-3)).toBe(0);
    expect(toTenths(Number.NaN)).toBe(0);
    expect(toTenths(5000)).toBe(10_000);
    expect(fromTenths(1013)).toBeCloseTo(101.3);
  });
});

describe("decoding bad frames", () => {
  const good = encodeOk(FULL);

  it("classifies each malformation with its reason", () => {
    const body = good.subarray(1);
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(0), "empty"],
      [Uint8Array.of(0), "empty"],
      [good.subarray(0, good.length - 3), "truncated"],
      [Uint8Array.of(...good, 0x00), "length_mismatch"],
      [Uint8Array.of(MAX_MESSAGE_BYTES + 1, ...new Uint8Array(MAX_MESSAGE_BYTES + 1)), "oversized"],
      [new Uint8Array(300).fill(5), "oversized"],
      [Uint8Array.of(3, 0xff, 0xff, 0xff), "garbage"],
      // A valid protobuf with only an unknown field: no payload.
      [Uint8Array.of(2, 0x18, 0x01), "garbage"],
      [Uint8Array.of(body.length, ...body.map((b, i) => (i === 0 ? 0x0a : b)).reverse()), "garbage"],
    ];
    for (const [bytes, reason] of cases) {
      expect(decodeFrame(bytes), `bytes ${Buffer.from(bytes).toString("hex")}`).toEqual({
        ok: false,
        reason,
      });
    }
  });

  it("refuses well-formed protobuf with out-of-range fields as invalid", () => {
    const pbFrame = (value: Parameters<typeof create<typeof AircraftRadioDownlinkSchema>>[1]) => {
      const b = toBinary(AircraftRadioDownlinkSchema, create(AircraftRadioDownlinkSchema, value));
      return Uint8Array.of(b.length, ...b);
    };
    const full = {
      registration: "D-1",
      type: "K8",
      vMin: 60,
      vOpt: 70,
      vMax: 90,
      vCurrent: 100,
      unit: PbSpeedUnit.KMH,
      sequence: 1,
    };
    const invalid = [
      pbFrame({ payload: { case: "full", value: { ...full, unit: PbSpeedUnit.UNSPECIFIED } } }),
      pbFrame({ payload: { case: "full", value: { ...full, vMin: 95 } } }),
      pbFrame({ payload: { case: "full", value: { ...full, registration: "" } } }),
      pbFrame({ payload: { case: "full", value: { ...full, sequence: 70_000 } } }),
      pbFrame({ payload: { case: "delta", value: { identityHash: 1, vCurrent: 10_001, sequence: 1 } } }),
    ];
    for (const f of invalid) expect(decodeFrame(f)).toEqual({ ok: false, reason: "invalid" });
    expect(decodeFrame(pbFrame({ payload: { case: "full", value: full } })).ok).toBe(true);
  });

  it("ignores unknown fields next to a valid payload (a newer transmitter still works)", () => {
    const body = good.subarray(1);
    const extended = Uint8Array.of(body.length + 2, ...body, 0x78, 0x05); // field 15, varint 5
    expect(decodeFrame(extended)).toEqual({ ok: true, msg: FULL, auth: null });
  });

  it("fuzz: random bytes never throw and always get a known verdict", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = decodeFrame(bytes);
        if (!r.ok) expect(FRAME_ERROR_REASONS).toContain(r.reason);
        else expect(encodeFrame(r.msg).ok).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("fuzz: random bytes behind a correct length byte never throw and are valid or classified", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: MAX_MESSAGE_BYTES }), (body) => {
        const r = decodeFrame(Uint8Array.of(body.length, ...body));
        if (!r.ok) expect(["garbage", "invalid"]).toContain(r.reason);
      }),
      { numRuns: 5000 },
    );
  });

  it("fuzz: mutated valid frames (bit flips, cuts, insertions) never throw", () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ op: fc.constant("cut" as const), at: fc.nat() }),
      fc.record({ op: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant("set" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(
        fc.oneof(fullArb, deltaArb),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (msg, muts) => {
          const bytes = [...encodeOk(msg)];
          for (const m of muts) {
            const at = bytes.length === 0 ? 0 : m.at % bytes.length;
            if (m.op === "flip" && bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ (1 << m.bit);
            else if (m.op === "cut") bytes.splice(at, 1);
            else if (m.op === "insert") bytes.splice(at, 0, m.byte);
            else if (m.op === "set" && bytes.length > 0) bytes[at] = m.byte;
          }
          const r = decodeFrame(Uint8Array.from(bytes));
          if (r.ok) expect(encodeFrame(r.msg).ok).toBe(true);
          else expect(FRAME_ERROR_REASONS).toContain(r.reason);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

const EXPECTED_D1234_ASK21 = "6c8a3b0a";
