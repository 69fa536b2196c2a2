/**
 * Winch: the unit at the winch — receiver (identity matching, zones, link state) and launch history.
 * Consumes radio/telemetry; may import layers 0–1 and `src/aircraft` (same layer), never web, api,
 * device or cli.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { type Clock, systemClock } from "../core/clock.js";
import type { Band, IdentityBand } from "../core/identity-band.js";
import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import type { SpeedUnit } from "../core/units.js";
import type { RxMeta } from "../radio/link.js";
import {
  decodeFrame,
  emptyReasonCounts,
  type FrameErrorReason,
  type FullTelemetry,
  SEQUENCE_MODULUS,
} from "../telemetry/frame.js";
import { identityHash } from "../telemetry/identity.js";
import { fromTenths } from "../telemetry/speed.js";

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
  seq: number;
  received: number;
  lost: number;
}

/** `GET /api/winch` body (the API's WinchState schema). */
export interface WinchSnapshot {
  telemetry: WinchTelemetry | null;
  link: LinkState;
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
  /** Frames refused by the decoder, by reason, and their total. */
  bad_frames: Record<FrameErrorReason, number>;
  bad_frames_total: number;
  /** Identity hash (8 hex digits) and last frame kind of what is shown, or null. */
  shown_identity_hash: string | null;
  shown_frame: "full" | "delta" | null;
  /** Changes with every received frame and every link-state change. */
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
  full: FullTelemetry;
  hash: number;
  identity: Identity;
  ias: number;
  rx_t_ms: number;
  rssi_dbm: number | null;
  snr_db: number | null;
  seq: number;
  frame: "full" | "delta";
}

/**
 * The winch's telemetry receiver. Decodes frames (never throws; bad frames counted by reason), shows
 * a delta only when its identity hash matches the last full frame, computes the zone, counts lost
 * frames from sequence gaps (per transmitter), and ages the display: "stale" after `stale_after_ms`,
 * then gone ("no_signal", telemetry null, identity forgotten so only a new full frame brings it back)
 * after `absent_after_ms`.
 */
export class WinchReceiver extends EventEmitter<ReceiverEvents> {
  readonly stale_after_ms: number;
  readonly absent_after_ms: number;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly instance = randomBytes(4).toString("hex");
  private current: Current | null = null;
  private link: LinkState = "no_signal";
  private ver = 0;
  private readonly lastSeqByHash = new Map<number, number>();
  private readonly counts = {
    received: 0,
    lost: 0,
    held_back: 0,
    duplicates: 0,
    bad_frames: emptyReasonCounts(),
  };
  private cancelTimer: (() => void) | null = null;

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
  }

  /** Feeds one frame from the radio. Never throws. */
  handleFrame(bytes: Uint8Array, meta: RxMeta): void {
    this.updateLink();
    this.ver++;
    const r = decodeFrame(bytes);
    if (!r.ok) {
      this.counts.bad_frames[r.reason]++;
      return;
    }
    const msg = r.msg;
    const hash = msg.kind === "full" ? identityHash(msg.registration, msg.type) : msg.identity_hash;
    const gap = this.sequenceGap(hash, msg.sequence);
    if (gap === "duplicate") {
      this.counts.duplicates++;
      return;
    }
    this.counts.received++;
    this.counts.lost += gap;

    if (msg.kind === "full") {
      const identity = { registration: msg.registration, type: msg.type, identity_hash: hex(hash) };
      if (this.current?.hash !== hash) this.log.info({ ...identity }, "telemetry from a new identity");
      this.current = {
        full: msg,
        hash,
        identity,
        ias: fromTenths(msg.v_current_tenths),
        rx_t_ms: meta.rx_t_ms,
        rssi_dbm: meta.rssi_dbm,
        snr_db: meta.snr_db,
        seq: msg.sequence,
        frame: "full",
      };
    } else if (this.current && this.current.hash === hash) {
      this.current = {
        ...this.current,
        ias: fromTenths(msg.v_current_tenths),
        rx_t_ms: meta.rx_t_ms,
        rssi_dbm: meta.rssi_dbm,
        snr_db: meta.snr_db,
        seq: msg.sequence,
        frame: "delta",
      };
    } else {
      this.counts.held_back++;
      return;
    }
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
  }

  snapshot(): WinchSnapshot {
    this.updateLink();
    const c = this.current;
    if (!c || this.link === "no_signal") return { telemetry: null, link: this.link };
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
        seq: c.seq,
        received: this.counts.received,
        lost: this.counts.lost,
      },
      link: this.link,
    };
  }

  /** Everything counted, for `/api/status` and diagnostics. */
  counters(): WinchCounters {
    this.updateLink();
    const bad = { ...this.counts.bad_frames };
    return {
      ...this.counts,
      bad_frames: bad,
      bad_frames_total: Object.values(bad).reduce((a, b) => a + b, 0),
      shown_identity_hash:
        this.current && this.link !== "no_signal" ? this.current.identity.identity_hash : null,
      shown_frame: this.current && this.link !== "no_signal" ? this.current.frame : null,
      version: this.ver,
    };
  }

  /** A strong ETag for `/api/winch`: new per frame and per link-state change, and per process start. */
  etag(): string {
    this.updateLink();
    return `"w-${this.instance}-${this.ver}"`;
  }

  version(): number {
    this.updateLink();
    return this.ver;
  }

  /** Loss (or duplicate) implied by `seq` for the transmitter `hash`; records it. */
  private sequenceGap(hash: number, seq: number): number | "duplicate" {
    const last = this.lastSeqByHash.get(hash);
    this.lastSeqByHash.delete(hash); // re-insert: the Map's order is then least recently heard first
    this.lastSeqByHash.set(hash, seq);
    if (this.lastSeqByHash.size > MAX_TRACKED_TRANSMITTERS) {
      const oldest = this.lastSeqByHash.keys().next().value;
      if (oldest !== undefined) this.lastSeqByHash.delete(oldest);
    }
    if (last === undefined) return 0;
    const step = (seq - last + SEQUENCE_MODULUS) % SEQUENCE_MODULUS;
    if (step === 0) return "duplicate";
    if (step > MAX_SEQUENCE_GAP) {
      this.log.info({ from: last, to: seq }, "sequence jumped: transmitter restarted, no loss counted");
      return 0;
    }
    return step - 1;
  }

  private updateLink(): void {
    const now = this.clock.now();
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
