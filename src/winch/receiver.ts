/**
 * Winch: the unit at the winch — receiver (identity matching, zones, link state) and launch history.
 * Consumes radio/telemetry; may import layers 0–1 and `src/aircraft` (same layer), never web, api,
 * device or cli.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { type Clock, systemClock } from "../core/clock.js";
import type { Band, IdentityBand } from "../core/identity-band.js";
import type { LaunchPhase } from "../core/launch-phase.js";
import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import type { SpeedUnit } from "../core/units.js";
import type { RxMeta } from "../radio/link.js";
import {
  type DownlinkMessage,
  decodeFrame,
  emptyReasonCounts,
  type FrameAuth,
  type FrameErrorReason,
  type FrameVerifier,
  type FullTelemetry,
  frameCounter,
  SEQUENCE_MODULUS,
  verifyFrameAuth,
} from "../telemetry/frame.js";
import { identityHash } from "../telemetry/identity.js";
import { keyIdHex } from "../telemetry/link-key.js";
import { fromTenths } from "../telemetry/speed.js";
import { type AuthRejectReason, emptyRejectCounts } from "../telemetry/trust.js";
import { RateLimitedLog } from "./rate-limited-log.js";

export { AUTH_REJECT_REASONS, type AuthRejectReason } from "../telemetry/trust.js";

/** What the receiver needs from the winch's pairings (`PairingBook` is the real one). */
export interface PairingLookup {
  size(): number;
  key(key_id: number): FrameVerifier | undefined;
  lastCounter(key_id: number): number | null;
  accepted(key_id: number, counter: number, identity: { registration: string; type: string } | null): void;
  onChange?(listener: () => void): () => void;
}

/** A frame from an aircraft this winch is not paired with, as the monitor mentions it. */
export interface UnpairedHeard {
  registration: string;
  type: string;
  /** The key id it signs with (8 hex digits), or null for a unit that signs nothing. */
  key_id: string | null;
  age_ms: number;
}

/** Unpaired aircraft remembered for the monitor; a flood of forged names cannot grow it. */
const MAX_UNPAIRED_HEARD = 4;
const UNPAIRED_HEARD_FOR_MS = 60_000;

export type LinkState = "no_signal" | "ok" | "stale";
export type Zone = "below" | "inside" | "above";

export type { Band } from "../core/identity-band.js";

export interface Identity {
  registration: string;
  type: string;
  /** The 32-bit identity hash as 8 lowercase hex digits (what delta frames carry). */
  identity_hash: string;
}

/**
 * The telemetry part of `GET /api/winch` (the API's WinchTelemetry schema); null when nothing current
 * is known. `rssi_dbm`/`snr_db` are null on the UDP link, which has no radio to measure them.
 */
export interface WinchTelemetry extends IdentityBand {
  /** IAS in `unit`, 0.1 resolution. */
  ias: number;
  zone: Zone;
  rssi_dbm: number | null;
  snr_db: number | null;
  /** How long ago the shown IAS arrived. With link "stale" it is not current any more. */
  age_ms: number;
  /** Whether the frames shown were verified against a pairing (false only on a winch with no pairing). */
  verified: boolean;
  /** The launch phase the last frame carried; null from a transmitter that sends none. */
  phase: LaunchPhase | null;
  seq: number;
  received: number;
  lost: number;
}

/** `GET /api/winch` body (the API's WinchState schema). */
export interface WinchSnapshot {
  telemetry: WinchTelemetry | null;
  link: LinkState;
  /** Aircraft heard recently whose frames are not trusted here (not paired), newest first. */
  unpaired_heard: UnpairedHeard[];
}

export interface WinchCounters {
  /** Frames decoded and accepted (full, delta, and deltas held back). */
  received: number;
  /** Frames missing from the sequence (lost on the link). */
  lost: number;
  /** Deltas not shown because their identity hash did not match the last full frame. */
  held_back: number;
  /** The same frame received twice (same sequence again); ignored. */
  duplicates: number;
  /** Unverified frames whose sequence is behind the last one from that sender (old or replayed); ignored. */
  behind: number;
  /** Well-formed frames not trusted, by reason (see AUTH_REJECT_REASONS), and their total. */
  rejected: Record<AuthRejectReason, number>;
  rejected_total: number;
  /** Frames refused by the decoder, by reason, and their total. */
  bad_frames: Record<FrameErrorReason, number>;
  bad_frames_total: number;
  /** Identity hash (8 hex digits) and last frame kind of what is shown, or null. */
  shown_identity_hash: string | null;
  shown_frame: "full" | "delta" | null;
  /** Changes with every frame shown and every link-state change, never for a refused frame. */
  version: number;
}

/** Emitted for every frame that is shown (full, or delta matching the last full frame). */
export interface ShownTelemetry {
  rx_t_ms: number;
  identity: Identity;
  band: Band;
  unit: SpeedUnit;
  ias: number;
  zone: Zone;
  seq: number;
  /** Frames found missing just before this one (0 normally). */
  lost_before: number;
  /** Verified against a pairing. */
  verified: boolean;
  /** Launch phase the frame carried, or null (an older transmitter). */
  phase: LaunchPhase | null;
  rssi_dbm: number | null;
  snr_db: number | null;
  /**
   * Who sent it: the key id it is verified (or signed) with, else its identity hash. A launch is one
   * sender's, whatever identity it names: a profile saved mid-flight does not split it.
   */
  sender: string;
}

export interface ReceiverEvents {
  telemetry: [ShownTelemetry];
  link: [{ from: LinkState; to: LinkState; t_ms: number }];
}

export interface ReceiverSettings {
  /**
   * No shown frame for this long → link "stale", 200–60 000 ms.
   * @default 1500
   */
  stale_after_ms?: number;
  /**
   * No shown frame for this long → link "no_signal", telemetry null, identity forgotten.
   * @default 10 000
   */
  absent_after_ms?: number;
}

export interface ReceiverOptions extends ReceiverSettings {
  logger: Logger;
  /** @default systemClock */
  clock?: Clock;
  /** The winch's pairings. Without any (or without this), telemetry is shown marked unverified. */
  pairings?: PairingLookup;
}

/** A sequence jump larger than this is a transmitter restart, not a loss (≈ 200 s at 5 frames/s). */
export const MAX_SEQUENCE_GAP = 1000;
const MAX_TRACKED_TRANSMITTERS = 16;

export function zoneOf(ias: number, band: Band): Zone {
  if (ias < band.v_min) return "below";
  if (ias > band.v_max) return "above";
  return "inside";
}

interface Current {
  /** Key id the shown frames were verified with, or null (unverified). */
  key_id: number | null;
  full: FullTelemetry;
  hash: number;
  identity: Identity;
  ias: number;
  rx_t_ms: number;
  rssi_dbm: number | null;
  snr_db: number | null;
  seq: number;
  frame: "full" | "delta";
  phase: LaunchPhase | null;
}

/**
 * The winch's telemetry receiver. Decodes frames (never throws; bad frames counted by reason); with
 * at least one pairing it trusts only frames whose MAC verifies under the pairing of their key id and
 * whose counter is above the last one accepted for that key, and counts the rest by reason; without
 * any pairing it shows what it hears marked unverified. It shows a delta only when its identity hash
 * matches the last full frame, computes the zone, counts lost frames from sequence gaps (per
 * transmitter), and ages the display: "stale" after `stale_after_ms`, then gone ("no_signal",
 * telemetry null, identity forgotten so only a new full frame brings it back) after `absent_after_ms`.
 * Only a frame shown or a link-state change moves the version (and so the `/api/winch` ETag); a
 * refused frame is counted, logged at most in a summary every few seconds, and never shown.
 */
export class WinchReceiver extends EventEmitter<ReceiverEvents> {
  readonly stale_after_ms: number;
  readonly absent_after_ms: number;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly pairings: PairingLookup | null;
  private readonly refusals: RateLimitedLog;
  private readonly newIdentities: RateLimitedLog;
  private readonly instance = randomBytes(4).toString("hex");
  private current: Current | null = null;
  private link: LinkState = "no_signal";
  private ver = 0;
  private readonly lastSeqBySender = new Map<string, { epoch: number | null; seq: number }>();
  private readonly unpaired = new Map<
    string,
    { registration: string; type: string; key_id: string | null; at: number }
  >();
  private readonly counts = {
    received: 0,
    lost: 0,
    held_back: 0,
    duplicates: 0,
    behind: 0,
    bad_frames: emptyReasonCounts(),
    rejected: emptyRejectCounts(),
  };
  private unpairedChangedAt = Number.NEGATIVE_INFINITY;
  private cancelTimer: (() => void) | null = null;
  private readonly unfollowPairings: (() => void) | null;

  constructor(opts: ReceiverOptions) {
    super();
    const p = new ProblemList();
    const stale = opts.stale_after_ms ?? 1500;
    const absent = opts.absent_after_ms ?? 10_000;
    if (p.number("/stale_after_ms", stale, { min: 200, max: 60_000 })) {
      p.number("/absent_after_ms", absent, { min: stale + 1, max: 600_000 });
    }
    p.throwIfAny("receiver settings");
    this.stale_after_ms = stale;
    this.absent_after_ms = absent;
    this.log = opts.logger.child({ tag: "winch" });
    this.clock = opts.clock ?? systemClock;
    this.pairings = opts.pairings ?? null;
    this.refusals = new RateLimitedLog({ logger: this.log, clock: this.clock, message: "frames refused" });
    this.newIdentities = new RateLimitedLog({
      logger: this.log,
      clock: this.clock,
      message: "telemetry from a new identity",
      level: "info",
    });
    this.unfollowPairings = this.pairings?.onChange?.(() => this.updateLink()) ?? null;
  }

  /** Feeds one frame from the radio. Never throws. */
  handleFrame(bytes: Uint8Array, meta: RxMeta): void {
    this.updateLink();
    const r = decodeFrame(bytes);
    if (!r.ok) {
      this.counts.bad_frames[r.reason]++;
      this.refusals.note(r.reason);
      return;
    }
    const msg = r.msg;
    const hash = msg.kind === "full" ? identityHash(msg.registration, msg.type) : msg.identity_hash;
    const trust = this.trust(msg, r.auth, meta.rx_t_ms);
    if (!trust.ok) {
      this.counts.rejected[trust.reason]++;
      this.refusals.note(trust.reason);
      return;
    }
    const sender = trust.key_id !== null ? `k${trust.key_id}` : r.auth ? `u${r.auth.key_id}` : `h${hash}`;
    const gap = this.sequenceGap(sender, r.auth?.epoch ?? null, msg.sequence);
    if (gap === "duplicate" || gap === "behind") {
      if (gap === "duplicate") this.counts.duplicates++;
      else this.counts.behind++;
      return;
    }
    this.counts.received++;
    this.counts.lost += gap;
    if (trust.key_id !== null && r.auth) {
      this.pairings?.accepted(
        trust.key_id,
        frameCounter(r.auth.epoch, msg.sequence),
        msg.kind === "full" ? { registration: msg.registration, type: msg.type } : null,
      );
    }

    if (msg.kind === "full") {
      const identity = { registration: msg.registration, type: msg.type, identity_hash: hex(hash) };
      if (this.current?.hash !== hash) this.newIdentities.note(identity.registration);
      this.current = {
        key_id: trust.key_id,
        full: msg,
        hash,
        identity,
        ias: fromTenths(msg.v_current_tenths),
        rx_t_ms: meta.rx_t_ms,
        rssi_dbm: meta.rssi_dbm,
        snr_db: meta.snr_db,
        seq: msg.sequence,
        frame: "full",
        phase: msg.phase ?? null,
      };
    } else if (this.current && this.current.hash === hash && this.current.key_id === trust.key_id) {
      this.current = {
        ...this.current,
        ias: fromTenths(msg.v_current_tenths),
        rx_t_ms: meta.rx_t_ms,
        rssi_dbm: meta.rssi_dbm,
        snr_db: meta.snr_db,
        seq: msg.sequence,
        frame: "delta",
        phase: msg.phase ?? null,
      };
    } else {
      this.counts.held_back++;
      return;
    }
    this.ver++;
    this.updateLink();
    const c = this.current;
    const band = bandOf(c.full);
    this.emitSafely("telemetry", {
      rx_t_ms: c.rx_t_ms,
      identity: { ...c.identity },
      band,
      unit: c.full.unit,
      ias: c.ias,
      zone: zoneOf(c.ias, band),
      seq: c.seq,
      lost_before: gap,
      verified: c.key_id !== null,
      phase: c.phase,
      rssi_dbm: c.rssi_dbm,
      snr_db: c.snr_db,
      sender,
    });
  }

  /** Subscribes to a radio (anything with `onReceive`); returns the unsubscribe function. */
  attach(radio: { onReceive(h: (frame: Uint8Array, meta: RxMeta) => void): () => void }): () => void {
    return radio.onReceive((frame, meta) => this.handleFrame(frame, meta));
  }

  /** Re-evaluates the link-state timeouts (emits `link` on a change). The timer calls this. */
  tick(): LinkState {
    this.updateLink();
    return this.link;
  }

  /** Checks the timeouts every `period_ms` so `link` events (and the history) do not wait for a poll. */
  start(period_ms = 100): void {
    if (this.cancelTimer) return;
    const loop = () => {
      this.tick();
      this.cancelTimer = this.clock.setTimeout(loop, period_ms);
    };
    this.cancelTimer = this.clock.setTimeout(loop, period_ms);
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.unfollowPairings?.();
    this.refusals.flush();
  }

  snapshot(): WinchSnapshot {
    this.updateLink();
    const c = this.current;
    const unpaired_heard = this.unpairedHeard();
    if (!c || this.link === "no_signal") return { telemetry: null, link: this.link, unpaired_heard };
    const band = bandOf(c.full);
    return {
      telemetry: {
        registration: c.identity.registration,
        type: c.identity.type,
        unit: c.full.unit,
        ...band,
        ias: c.ias,
        zone: zoneOf(c.ias, band),
        rssi_dbm: c.rssi_dbm,
        snr_db: c.snr_db,
        age_ms: Math.max(0, Math.round(this.clock.now() - c.rx_t_ms)),
        verified: c.key_id !== null,
        phase: c.phase,
        seq: c.seq,
        received: this.counts.received,
        lost: this.counts.lost,
      },
      link: this.link,
      unpaired_heard,
    };
  }

  /** Everything counted, for `/api/status` and diagnostics. */
  counters(): WinchCounters {
    this.updateLink();
    const bad = { ...this.counts.bad_frames };
    const rejected = { ...this.counts.rejected };
    return {
      ...this.counts,
      bad_frames: bad,
      bad_frames_total: Object.values(bad).reduce((a, b) => a + b, 0),
      rejected,
      rejected_total: Object.values(rejected).reduce((a, b) => a + b, 0),
      shown_identity_hash:
        this.current && this.link !== "no_signal" ? this.current.identity.identity_hash : null,
      shown_frame: this.current && this.link !== "no_signal" ? this.current.frame : null,
      version: this.ver,
    };
  }

  /** A strong ETag for `/api/winch`: new per frame shown and per link-state change, and per process start. */
  etag(): string {
    this.updateLink();
    return `"w-${this.instance}-${this.ver}"`;
  }

  version(): number {
    this.updateLink();
    return this.ver;
  }

  /** Whether a decoded frame may be shown, and as verified by which key id. */
  private trust(
    msg: DownlinkMessage,
    auth: FrameAuth | null,
    now: number,
  ): { ok: true; key_id: number | null } | { ok: false; reason: AuthRejectReason } {
    const book = this.pairings;
    if (!book || book.size() === 0) return { ok: true, key_id: null };
    if (!auth) {
      this.heardUnpaired(msg, null, now);
      return { ok: false, reason: "unpaired" };
    }
    const key = book.key(auth.key_id);
    if (!key) {
      this.heardUnpaired(msg, auth.key_id, now);
      return { ok: false, reason: "unknown_key" };
    }
    if (!verifyFrameAuth(auth, key)) return { ok: false, reason: "bad_mac" };
    const last = book.lastCounter(auth.key_id);
    if (last !== null && frameCounter(auth.epoch, msg.sequence) <= last)
      return { ok: false, reason: "replay" };
    return { ok: true, key_id: auth.key_id };
  }

  /** Only full frames name the aircraft; deltas of an unpaired one add nothing to say. */
  private heardUnpaired(msg: DownlinkMessage, key_id: number | null, now: number): void {
    if (msg.kind !== "full") return;
    const id = `${key_id ?? "-"}:${msg.registration}`;
    // Someone new is a change the monitor must show even while nothing is accepted; at most once a
    // second, so a flood of forged names cannot turn every frame into a new ETag.
    if (!this.unpaired.has(id) && now - this.unpairedChangedAt >= 1000) {
      this.unpairedChangedAt = now;
      this.ver++;
    }
    this.unpaired.delete(id);
    this.unpaired.set(id, {
      registration: msg.registration,
      type: msg.type,
      key_id: key_id === null ? null : keyIdHex(key_id),
      at: now,
    });
    if (this.unpaired.size > MAX_UNPAIRED_HEARD) {
      const oldest = this.unpaired.keys().next().value;
      if (oldest !== undefined) this.unpaired.delete(oldest);
    }
  }

  private unpairedHeard(): UnpairedHeard[] {
    const now = this.clock.now();
    const out: UnpairedHeard[] = [];
    for (const [id, u] of this.unpaired) {
      if (
        now - u.at > UNPAIRED_HEARD_FOR_MS ||
        (u.key_id !== null && this.pairings?.key(Number.parseInt(u.key_id, 16)))
      ) {
        this.unpaired.delete(id);
        continue;
      }
      out.push({
        registration: u.registration,
        type: u.type,
        key_id: u.key_id,
        age_ms: Math.round(now - u.at),
      });
    }
    return out.reverse();
  }

  /**
   * Loss (or duplicate, or a frame behind) implied by `seq` for `sender`; records it. With an epoch
   * (authenticated frames) the counter epoch * 65536 + seq orders frames exactly: a new epoch is a
   * restart (no loss counted), anything not ahead is behind. Without one (a unit that signs nothing)
   * only the 16-bit sequence is known: a restart begins near 0, so a sequence behind the last one is a
   * restart only when it is below MAX_SEQUENCE_GAP, and otherwise an old frame, ignored.
   */
  private sequenceGap(sender: string, epoch: number | null, seq: number): number | "duplicate" | "behind" {
    const last = this.lastSeqBySender.get(sender);
    if (last !== undefined && last.epoch !== null && epoch !== null) {
      const step = frameCounter(epoch, seq) - frameCounter(last.epoch, last.seq);
      if (step === 0) return "duplicate";
      if (step < 0) return "behind";
    }
    this.lastSeqBySender.delete(sender); // re-insert: the Map's order is then least recently heard first
    this.lastSeqBySender.set(sender, { epoch, seq });
    if (this.lastSeqBySender.size > MAX_TRACKED_TRANSMITTERS) {
      const oldest = this.lastSeqBySender.keys().next().value;
      if (oldest !== undefined) this.lastSeqBySender.delete(oldest);
    }
    if (last === undefined) return 0;
    if (last.epoch !== null && epoch !== null && epoch !== last.epoch) return 0; // a reboot: nothing lost
    const step = (seq - last.seq + SEQUENCE_MODULUS) % SEQUENCE_MODULUS;
    if (step === 0) return "duplicate";
    if (step <= MAX_SEQUENCE_GAP) return step - 1;
    if (step > SEQUENCE_MODULUS / 2 && seq >= MAX_SEQUENCE_GAP) {
      this.lastSeqBySender.set(sender, last); // keep the newest seen
      return "behind";
    }
    this.log.info({ from: last.seq, to: seq }, "sequence jumped: transmitter restarted, no loss counted");
    return 0;
  }

  private updateLink(): void {
    const now = this.clock.now();
    if (this.current && !this.stillTrusted(this.current)) {
      // A pairing was added (unverified telemetry is no longer enough) or the shown one removed.
      this.current = null;
      this.ver++;
    }
    const age = this.current ? now - this.current.rx_t_ms : Number.POSITIVE_INFINITY;
    const next: LinkState =
      age < this.stale_after_ms ? "ok" : age < this.absent_after_ms ? "stale" : "no_signal";
    if (next === this.link) return;
    const from = this.link;
    this.link = next;
    this.ver++;
    if (next === "no_signal" && this.current) {
      this.log.info({ registration: this.current.identity.registration }, "telemetry lost: no frames");
      this.current = null;
    } else if (next === "stale") {
      this.log.warn("telemetry stale");
    } else if (next === "ok" && from !== "ok") {
      this.log.info("telemetry ok");
    }
    this.emitSafely("link", { from, to: next, t_ms: now });
  }

  private stillTrusted(c: Current): boolean {
    const book = this.pairings;
    if (!book || book.size() === 0) return c.key_id === null;
    return c.key_id !== null && book.key(c.key_id) !== undefined;
  }

  private emitSafely<K extends keyof ReceiverEvents>(event: K, ...args: ReceiverEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ReceiverEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      // A listener's bug (e.g. the history) must not stop the receiver.
      this.log.error(`a ${event} listener threw: ${(err as Error).message}`);
    }
  }
}

function bandOf(f: FullTelemetry): Band {
  return { v_min: f.v_min, v_opt: f.v_opt, v_max: f.v_max };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
