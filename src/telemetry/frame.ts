/**
 * Telemetry on air: the frame the aircraft sends and the winch decodes (`proto/owts_aircraft_telemetry.proto`,
 * code in `gen/`), identity hash and speed quantisation. A pure codec: it may import only `src/core`.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { IdentityBand } from "../core/identity-band.js";
import { LAUNCH_PHASES, type LaunchPhase } from "../core/launch-phase.js";
import { SPEED_UNITS, type SpeedUnit } from "../core/units.js";
import {
  AircraftRadioDownlinkSchema,
  LaunchPhase as PbLaunchPhase,
  SpeedUnit as PbSpeedUnit,
} from "./gen/owts_aircraft_telemetry_pb.js";
import { identityHash } from "./identity.js";
import { MAX_TENTHS } from "./speed.js";

/**
 * Largest serialized message in a frame. A full frame with a 16-byte registration and a 32-byte type
 * is 76 bytes; 96 leaves room while keeping air time (and duty-cycle use) bounded. The SX1262 itself
 * takes up to 255 bytes.
 */
export const MAX_MESSAGE_BYTES = 96;
/** Largest frame on air: the length byte plus the message. */
export const MAX_FRAME_BYTES = 1 + MAX_MESSAGE_BYTES;
/** The sequence counter wraps modulo this (see the .proto). */
export const SEQUENCE_MODULUS = 65_536;
/** Limits a decoded full frame must respect; anything else did not come from an OWTS transmitter. */
export const MAX_REGISTRATION_BYTES = 16;
export const MAX_TYPE_BYTES = 32;
export const MAX_BAND_SPEED = 1000;

/** A full frame: identity, band (whole units) and current IAS (tenths of `unit`). */
export interface FullTelemetry extends IdentityBand {
  kind: "full";
  v_current_tenths: number;
  sequence: number;
  /** Launch phase; absent from an older transmitter that does not send it. */
  phase?: LaunchPhase;
}

/** A delta frame: current IAS for the identity whose hash it carries. */
export interface DeltaTelemetry {
  kind: "delta";
  identity_hash: number;
  v_current_tenths: number;
  sequence: number;
  /** Launch phase; absent from an older transmitter that does not send it. */
  phase?: LaunchPhase;
}

export type DownlinkMessage = FullTelemetry | DeltaTelemetry;

/** Largest boot epoch (a uint32 on air). */
export const MAX_EPOCH = 0xffff_ffff;
/** Bytes the MAC field takes at the end of an authenticated message: tag 0x2d + fixed32. */
const MAC_FIELD_BYTES = 5;
const MAC_TAG = (5 << 3) | 5;

/** What an authenticated frame carries besides its payload (see the .proto). */
export interface FrameAuth {
  key_id: number;
  epoch: number;
  /** The MAC as sent, or null when the frame has a key id but no MAC as its last field. */
  mac: number | null;
  /** The bytes the MAC covers: the message without its trailing MAC field. */
  signed: Uint8Array;
}

/** What signs frames: the aircraft's link key (`LinkKey`) or anything with its two members. */
export interface FrameSigner {
  readonly key_id: number;
  mac(bytes: Uint8Array): number;
}

/** What checks a frame's MAC: a paired link key. */
export interface FrameVerifier {
  verify(bytes: Uint8Array, mac: number): boolean;
}

/** The strictly increasing frame counter of the .proto: epoch * 65536 + sequence. */
export function frameCounter(epoch: number, sequence: number): number {
  return epoch * SEQUENCE_MODULUS + sequence;
}

/** Whether an authenticated frame's MAC verifies under `key`. A frame without a MAC never does. */
export function verifyFrameAuth(auth: FrameAuth, key: FrameVerifier): boolean {
  return auth.mac !== null && key.verify(auth.signed, auth.mac);
}

/** Why a frame from the air was refused. Each is counted by the receiver. */
export const FRAME_ERROR_REASONS = [
  /** Nothing received, or a length byte of 0. */
  "empty",
  /** Fewer bytes than the length byte announces. */
  "truncated",
  /** More bytes than the length byte announces. */
  "length_mismatch",
  /** The length byte (or the frame) is larger than MAX_MESSAGE_BYTES allows. */
  "oversized",
  /** The bytes are not a protobuf AircraftRadioDownlink with a payload. */
  "garbage",
  /** A well-formed message whose fields are out of range (unit, band order, speeds, sizes). */
  "invalid",
] as const;
export type FrameErrorReason = (typeof FRAME_ERROR_REASONS)[number];

export type DecodeResult =
  | { ok: true; msg: DownlinkMessage; auth: FrameAuth | null }
  | { ok: false; reason: FrameErrorReason };
export type EncodeResult =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: "invalid" | "oversized"; message: string };

const UNIT_TO_PB: Record<SpeedUnit, PbSpeedUnit> = {
  kmh: PbSpeedUnit.KMH,
  kt: PbSpeedUnit.KT,
  mph: PbSpeedUnit.MPH,
};
const PB_TO_UNIT = new Map<PbSpeedUnit, SpeedUnit>(SPEED_UNITS.map((u) => [UNIT_TO_PB[u], u]));
const PHASE_TO_PB: Record<LaunchPhase, PbLaunchPhase> = {
  ground_roll: PbLaunchPhase.GROUND_ROLL,
  launch: PbLaunchPhase.LAUNCH,
  released: PbLaunchPhase.RELEASED,
  landing_hold: PbLaunchPhase.LANDING_HOLD,
  landed: PbLaunchPhase.LANDED,
};
const PB_TO_PHASE = new Map<PbLaunchPhase, LaunchPhase>(LAUNCH_PHASES.map((p) => [PHASE_TO_PB[p], p]));

/**
 * The phase as decoded: absent for UNSPECIFIED (an older transmitter), undefined-valued keys left out so
 * a decoded message equals the one encoded. A number outside the enum (a newer transmitter's phase)
 * reads as absent rather than refusing the frame: the speed is still good.
 */
function phaseField(pb: PbLaunchPhase): { phase?: LaunchPhase } {
  const phase = PB_TO_PHASE.get(pb);
  return phase === undefined ? {} : { phase };
}

const utf8 = new TextEncoder();
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

function isUint(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

function textProblem(field: string, value: string, maxBytes: number, allowEmpty: boolean): string | null {
  if (!allowEmpty && value.length === 0) return `${field} is empty`;
  if (utf8.encode(value).length > maxBytes) return `${field} is longer than ${maxBytes} bytes`;
  if (CONTROL_CHARS.test(value) || value.includes("\ufffd"))
    return `${field} has control or invalid characters`;
  return null;
}

/** The reason a message cannot be a frame, or null when it is fine. Same rules on both ends. */
export function messageProblem(msg: DownlinkMessage): string | null {
  if (!isUint(msg.v_current_tenths, MAX_TENTHS)) return `v_current must be 0..${MAX_TENTHS} tenths`;
  if (!isUint(msg.sequence, SEQUENCE_MODULUS - 1)) return `sequence must be 0..${SEQUENCE_MODULUS - 1}`;
  if (msg.phase !== undefined && !LAUNCH_PHASES.includes(msg.phase)) return "unknown launch phase";
  if (msg.kind === "delta") {
    return isUint(msg.identity_hash, 0xffff_ffff) ? null : "identity_hash must be a 32-bit unsigned integer";
  }
  const text =
    textProblem("registration", msg.registration, MAX_REGISTRATION_BYTES, false) ??
    textProblem("type", msg.type, MAX_TYPE_BYTES, true);
  if (text) return text;
  if (!SPEED_UNITS.includes(msg.unit)) return "unknown unit";
  for (const k of ["v_min", "v_opt", "v_max"] as const) {
    if (!isUint(msg[k], MAX_BAND_SPEED)) return `${k} must be an integer 0..${MAX_BAND_SPEED}`;
  }
  if (!(msg.v_min > 0 && msg.v_min <= msg.v_opt && msg.v_opt <= msg.v_max)) {
    return "band must satisfy 0 < v_min <= v_opt <= v_max";
  }
  return null;
}

/**
 * Serializes one message as an on-air frame (length byte + protobuf), authenticated with `auth`'s key
 * and boot epoch when given (key id, epoch, then the MAC as the last field). Refuses, never throws.
 */
export function encodeFrame(msg: DownlinkMessage, auth?: { key: FrameSigner; epoch: number }): EncodeResult {
  const problem = messageProblem(msg);
  if (problem) return { ok: false, reason: "invalid", message: problem };
  if (
    auth &&
    !(isUint(auth.epoch, MAX_EPOCH) && isUint(auth.key.key_id, 0xffff_ffff) && auth.key.key_id !== 0)
  ) {
    return { ok: false, reason: "invalid", message: "epoch must be a uint32 and key_id a non-zero uint32" };
  }
  const pb =
    msg.kind === "full"
      ? create(AircraftRadioDownlinkSchema, {
          payload: {
            case: "full",
            value: {
              registration: msg.registration,
              type: msg.type,
              vMin: msg.v_min,
              vOpt: msg.v_opt,
              vMax: msg.v_max,
              vCurrent: msg.v_current_tenths,
              unit: UNIT_TO_PB[msg.unit],
              sequence: msg.sequence,
              phase: msg.phase === undefined ? PbLaunchPhase.UNSPECIFIED : PHASE_TO_PB[msg.phase],
            },
          },
        })
      : create(AircraftRadioDownlinkSchema, {
          payload: {
            case: "delta",
            value: {
              identityHash: msg.identity_hash,
              vCurrent: msg.v_current_tenths,
              sequence: msg.sequence,
              phase: msg.phase === undefined ? PbLaunchPhase.UNSPECIFIED : PHASE_TO_PB[msg.phase],
            },
          },
        });
  let body = toBinary(AircraftRadioDownlinkSchema, pb);
  if (auth) {
    pb.keyId = auth.key.key_id;
    pb.epoch = auth.epoch;
    const signed = toBinary(AircraftRadioDownlinkSchema, pb);
    body = new Uint8Array(signed.length + MAC_FIELD_BYTES);
    body.set(signed);
    body[signed.length] = MAC_TAG;
    new DataView(body.buffer).setUint32(signed.length + 1, auth.key.mac(signed), true);
  }
  if (body.length > MAX_MESSAGE_BYTES) {
    return {
      ok: false,
      reason: "oversized",
      message: `message is ${body.length} bytes, more than ${MAX_MESSAGE_BYTES}`,
    };
  }
  const frame = new Uint8Array(1 + body.length);
  frame[0] = body.length;
  frame.set(body, 1);
  return { ok: true, bytes: frame };
}

/**
 * Parses one frame from the air. Every input gets a verdict; nothing here throws, because a bad frame
 * must never stop the receiver. Unknown protobuf fields next to a valid payload are ignored, so a
 * newer transmitter adding fields still works.
 */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  if (bytes.length === 0) return { ok: false, reason: "empty" };
  if (bytes.length > MAX_FRAME_BYTES) return { ok: false, reason: "oversized" };
  const declared = bytes[0] ?? 0;
  if (declared === 0) return { ok: false, reason: "empty" };
  if (declared > MAX_MESSAGE_BYTES) return { ok: false, reason: "oversized" };
  const actual = bytes.length - 1;
  if (actual < declared) return { ok: false, reason: "truncated" };
  if (actual > declared) return { ok: false, reason: "length_mismatch" };

  let msg: DownlinkMessage;
  let auth: FrameAuth | null = null;
  try {
    const message = bytes.subarray(1);
    const pb = fromBinary(AircraftRadioDownlinkSchema, message, { readUnknownFields: false });
    if (pb.keyId !== 0) auth = authOf(message, pb.keyId, pb.epoch, pb.mac);
    const p = pb.payload;
    if (p.case === "full") {
      const unit = PB_TO_UNIT.get(p.value.unit);
      if (unit === undefined) return { ok: false, reason: "invalid" };
      msg = {
        kind: "full",
        registration: p.value.registration,
        type: p.value.type,
        unit,
        v_min: p.value.vMin,
        v_opt: p.value.vOpt,
        v_max: p.value.vMax,
        v_current_tenths: p.value.vCurrent,
        sequence: p.value.sequence,
        ...phaseField(p.value.phase),
      };
    } else if (p.case === "delta") {
      msg = {
        kind: "delta",
        identity_hash: p.value.identityHash,
        v_current_tenths: p.value.vCurrent,
        sequence: p.value.sequence,
        ...phaseField(p.value.phase),
      };
    } else {
      return { ok: false, reason: "garbage" };
    }
  } catch {
    return { ok: false, reason: "garbage" };
  }
  return messageProblem(msg) === null ? { ok: true, msg, auth } : { ok: false, reason: "invalid" };
}

/** The MAC counts only as the message's last field: then exactly what precedes it is what was signed. */
function authOf(message: Uint8Array, key_id: number, epoch: number, mac: number): FrameAuth {
  const at = message.length - MAC_FIELD_BYTES;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const last = at >= 0 && message[at] === MAC_TAG ? view.getUint32(at + 1, true) : null;
  return last !== null && last === mac
    ? { key_id, epoch, mac, signed: message.subarray(0, at) }
    : { key_id, epoch, mac: null, signed: message };
}

/** The identity hash of a message: carried by deltas, computed for full frames. */
export function messageIdentityHash(msg: DownlinkMessage): number {
  return msg.kind === "delta" ? msg.identity_hash : identityHash(msg.registration, msg.type);
}

/** A tally of refused frames by reason, for status output. */
export function emptyReasonCounts(): Record<FrameErrorReason, number> {
  return Object.fromEntries(FRAME_ERROR_REASONS.map((r) => [r, 0])) as Record<FrameErrorReason, number>;
}
