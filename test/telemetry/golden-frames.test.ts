import { readFileSync } from "node:fs";
import { fromBinary, ScalarType } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { type DownlinkMessage, decodeFrame, encodeFrame } from "../../src/telemetry/frame.js";
import { file_owts_aircraft_telemetry } from "../../src/telemetry/gen/owts_aircraft_telemetry_pb.js";
import { identityHash } from "../../src/telemetry/identity.js";
import { LinkKey } from "../../src/telemetry/link-key.js";
import { AircraftRadioDownlinkSchema as V2DownlinkSchema } from "./fixtures/owts_aircraft_telemetry_v2_pb.js";

// The frames are fixed bytes written from the .proto and the protobuf wire format, not produced by the
// codec: round-tripping through the generated codec alone cannot see a renumbered field, because
// both ends would change together.
interface GoldenFrame {
  name: string;
  message: DownlinkMessage;
  hex: string;
}
interface SignedFrame extends GoldenFrame {
  epoch: number;
  key_id: number;
  mac: number;
}
const golden = JSON.parse(
  readFileSync(new URL("./fixtures/golden-frames.json", import.meta.url), "utf8"),
) as {
  frames: GoldenFrame[];
  authenticated: { key_hex: string; frames: SignedFrame[] };
};

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

describe("golden frames (the wire format, byte for byte)", () => {
  it("has full and delta vectors", () => {
    const kinds = golden.frames.map((f) => f.message.kind);
    expect(kinds.filter((k) => k === "full").length).toBeGreaterThanOrEqual(3);
    expect(kinds.filter((k) => k === "delta").length).toBeGreaterThanOrEqual(2);
  });

  for (const frame of golden.frames) {
    it(`encodes exactly: ${frame.name}`, () => {
      const r = encodeFrame(frame.message);
      if (!r.ok) expect.unreachable(`encode refused: ${r.message}`);
      expect(hex(r.bytes)).toBe(frame.hex);
    });

    it(`decodes exactly: ${frame.name}`, () => {
      const r = decodeFrame(Buffer.from(frame.hex, "hex"));
      if (!r.ok) expect.unreachable(`decode refused: ${r.reason}`);
      expect(r.msg).toEqual(frame.message);
    });
  }

  it("the delta vector carries the identity hash of the full vector it follows", () => {
    const [full] = golden.frames;
    const delta = golden.frames.find((f) => f.message.kind === "delta");
    if (full?.message.kind !== "full" || delta?.message.kind !== "delta") expect.unreachable("fixture order");
    expect(delta.message.identity_hash).toBe(identityHash(full.message.registration, full.message.type));
  });
});

/** Field (or enum value) numbers as written in the .proto source, keyed "Message.field". */
function numbersInProtoSource(source: string): Map<string, { number: number; type: string }> {
  const out = new Map<string, { number: number; type: string }>();
  const noComments = source.replace(/\/\/.*$/gm, "");
  for (const block of noComments.matchAll(/\b(message|enum)\s+(\w+)\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g)) {
    const [, kind, name, body = ""] = block;
    const field =
      kind === "enum" ? /^\s*(\w+)\s*=\s*(\d+)\s*;/gm : /^\s*(\w+(?:\.\w+)*)\s+(\w+)\s*=\s*(\d+)\s*;/gm;
    for (const m of body.matchAll(field)) {
      if (kind === "enum") out.set(`${name}.${m[1]}`, { number: Number(m[2]), type: "enum value" });
      else out.set(`${name}.${m[2]}`, { number: Number(m[3]), type: m[1] ?? "" });
    }
  }
  return out;
}

const SCALAR_NAMES: Partial<Record<ScalarType, string>> = {
  [ScalarType.STRING]: "string",
  [ScalarType.UINT32]: "uint32",
  [ScalarType.FIXED32]: "fixed32",
};

/** The same, from the descriptor embedded in the generated codec. */
function numbersInGeneratedCodec(): Map<string, { number: number; type: string }> {
  const out = new Map<string, { number: number; type: string }>();
  for (const msg of file_owts_aircraft_telemetry.messages) {
    for (const f of msg.fields) {
      const type =
        f.fieldKind === "scalar"
          ? (SCALAR_NAMES[f.scalar] ?? `scalar ${f.scalar}`)
          : f.fieldKind === "enum"
            ? f.enum.name
            : f.fieldKind === "message"
              ? f.message.name
              : f.fieldKind;
      out.set(`${msg.name}.${f.name}`, { number: f.number, type });
    }
  }
  for (const e of file_owts_aircraft_telemetry.enums) {
    for (const v of e.values) out.set(`${e.name}.${v.name}`, { number: v.number, type: "enum value" });
  }
  return out;
}

describe("golden phase-carrying and authenticated frames", () => {
  const key = LinkKey.fromBytes(Buffer.from(golden.authenticated.key_hex, "hex"), "2025-01-01T00:00:00.000Z");

  it("has a vector for every launch phase, in full and delta frames", () => {
    const phases = new Set(golden.frames.map((f) => f.message.phase).filter(Boolean));
    expect([...phases].sort()).toEqual(["ground_roll", "landed", "landing_hold", "launch", "released"]);
    const kinds = new Set(golden.frames.filter((f) => f.message.phase).map((f) => f.message.kind));
    expect(kinds).toEqual(new Set(["full", "delta"]));
  });

  for (const frame of golden.authenticated.frames) {
    it(`signs exactly: ${frame.name}`, () => {
      expect(key.key_id).toBe(frame.key_id);
      const r = encodeFrame(frame.message, { key, epoch: frame.epoch });
      if (!r.ok) expect.unreachable(`encode refused: ${r.message}`);
      expect(hex(r.bytes)).toBe(frame.hex);
    });

    it(`decodes and verifies exactly: ${frame.name}`, () => {
      const r = decodeFrame(Buffer.from(frame.hex, "hex"));
      if (!r.ok) expect.unreachable(`decode refused: ${r.reason}`);
      expect(r.msg).toEqual(frame.message);
      expect(r.auth?.key_id).toBe(frame.key_id);
      expect(r.auth?.epoch).toBe(frame.epoch);
      expect(r.auth?.mac).toBe(frame.mac);
      expect(r.auth && key.verify(r.auth.signed, r.auth.mac ?? 0)).toBe(true);
    });
  }

  it("receivers built before the phase field decode phase frames unchanged (speed, sequence, auth)", () => {
    for (const frame of [...golden.frames, ...golden.authenticated.frames].filter((f) => f.message.phase)) {
      const old = fromBinary(V2DownlinkSchema, Buffer.from(frame.hex, "hex").subarray(1));
      expect(old.payload.case).toBe(frame.message.kind);
      expect(old.payload.value?.vCurrent).toBe(frame.message.v_current_tenths);
      expect(old.payload.value?.sequence).toBe(frame.message.sequence);
    }
    const signed = golden.authenticated.frames[0]!;
    const old = fromBinary(V2DownlinkSchema, Buffer.from(signed.hex, "hex").subarray(1));
    expect(old.keyId).toBe(signed.key_id);
    expect(old.mac).toBe(signed.mac);
  });

  it("a phase number from a newer transmitter reads as no phase; the speed is still shown", () => {
    // The launch-phase full vector with its phase varint (0x48 0x02) changed to 0x48 0x09.
    const launch = golden.frames.find((f) => f.message.phase === "launch" && f.message.kind === "full")!;
    const bytes = Buffer.from(launch.hex.replace(/4802$/, "4809"), "hex");
    const r = decodeFrame(bytes);
    if (!r.ok) expect.unreachable(`decode refused: ${r.reason}`);
    expect(r.msg.phase).toBeUndefined();
    expect(r.msg.v_current_tenths).toBe(launch.message.v_current_tenths);
  });
});

describe("the checked-in codec matches the checked-in .proto", () => {
  it("every field and enum value has the same number and type in both (run `npm run gen:proto` after editing)", () => {
    const source = readFileSync(
      new URL("../../proto/owts_aircraft_telemetry.proto", import.meta.url),
      "utf8",
    );
    const fromSource = numbersInProtoSource(source);
    expect(fromSource.size).toBe(28); // with the authentication fields after the oneof, and the phase
    expect(Object.fromEntries(numbersInGeneratedCodec())).toEqual(Object.fromEntries(fromSource));
  });
});
