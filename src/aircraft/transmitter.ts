import { type Clock, systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import type { SendOutcome } from "../radio/radio-service.js";
import { type DownlinkMessage, encodeFrame, type FrameSigner, SEQUENCE_MODULUS } from "../telemetry/frame.js";
import { identityHash } from "../telemetry/identity.js";
import { toTenths } from "../telemetry/speed.js";
import type { AircraftSample, AircraftState } from "./aircraft-state.js";
import type { FlightPhase } from "./flight-phase.js";
import type { LaunchPhase } from "./launch-phase.js";
import type { AircraftProfile } from "./profile.js";

/** The latest flight state the transmitter reports: IAS in the profile's unit and the phase. */
export interface FlightReading {
  ias: number;
  flight_phase: FlightPhase;
  /** Launch phase; sent on air. Absent: the transmitter falls back to the flight phase alone (no phase on air). */
  phase?: LaunchPhase;
}

/**
 * After touchdown the transmitter goes on sending `landed` frames this long, so the winch learns the
 * flight ended on the ground (and shows a landing, not a lost signal), then falls silent.
 */
export const LANDED_TAIL_MS = 3000;

/** What the transmitter needs from the aircraft: the latest reading and the profile. */
export interface TelemetryInput {
  /** The latest reading and when it arrived (transmitter clock, ms), or null before the first one. */
  latest(): { reading: FlightReading; at_ms: number } | null;
  profile(): AircraftProfile;
  /**
   * Optional: calls `cb` whenever a new reading arrives. With it the transmitter sends on the first
   * reading at or after each slot instead of on a timer, so a frame carries a reading that is
   * microseconds old rather than up to one sample period old.
   */
  onReading?(cb: () => void): () => void;
}

/** Anything that can put a frame on air; `RadioService` is the real one (its `stats()` gives the duty used). */
export interface FrameSender {
  send(frame: Uint8Array): Promise<SendOutcome>;
  stats?(): { duty_cycle_used_ppm: number };
}

export interface TransmitterSettings {
  /**
   * Frames per second while not landed, 0.2–20 (the winch display moves smoothly).
   * @default 5
   */
  rate_hz?: number;
  /**
   * A full frame (identity + band) at least this often, 200–60 000 ms: how long a winch
   * that missed frames, or just switched on, waits for the identity. Deltas in between.
   * @default 2000
   */
  full_interval_ms?: number;
  /**
   * A reading older than this is not sent (the sensor stopped): 100–10 000 ms.
   * @default 1000
   */
  max_reading_age_ms?: number;
  /**
   * A full frame at least every this many frames sent, 1–100 (default 2). The transmitter cannot know
   * which frames were lost, so identity and band are repeated often enough that a winch missing 30 %
   * of frames has them back within one full-frame interval in more than 99 % of cases (measured in
   * test/winch/link-loss.test.ts); deltas in between keep the other half of the frames short.
   */
  full_every?: number;
}

/** How frames are authenticated: the current link key and the boot epochs (see the .proto). */
export interface FrameAuthenticator {
  key(): FrameSigner;
  epoch(): number;
  /** Takes (and durably stores) the next epoch; called when the 16-bit sequence wraps. */
  nextEpoch(): Promise<number>;
}

export interface TransmitterOptions extends TransmitterSettings {
  radio: FrameSender;
  /** Signs every frame when given (the device always gives it); unauthenticated frames otherwise. */
  auth?: FrameAuthenticator;
  input: TelemetryInput;
  logger: Logger;
  /** @default systemClock */
  clock?: Clock;
}

/** Why a transmit slot sent nothing, or what it sent. */
export type SlotOutcome =
  | { sent: "full" | "delta"; sequence: number; bytes: number }
  | {
      sent: null;
      reason:
        | "landed"
        | "no_reading"
        | "stale_reading"
        | "encode_error"
        | "counter_error"
        | "duty_cycle"
        | "link_error";
    };

/** Transmit state for `/api/aircraft/live` (`tx`, the API's TxState schema). */
export interface TransmitStatus {
  /**
   * `sending`: the last slot put a frame on air; `idle`: nothing to send (landed, no or stale reading);
   * `duty_blocked`: the last frame was held back by the duty-cycle limit; `fault`: encoding or the link failed.
   */
  state: "sending" | "idle" | "duty_blocked" | "fault";
  reason?: string;
  sent: number;
  blocked_duty: number;
  errors: number;
  /** Air time used over the sliding hour, ppm (0 when the sender cannot tell). */
  duty_used_ppm: number;
}

/** Everything the transmitter counts, for diagnostics. */
export interface TransmitCounters {
  sent_full: number;
  sent_delta: number;
  blocked_duty: number;
  errors: number;
  skipped_stale: number;
  /** Sequence number of the last frame put on air, or null. */
  last_sequence: number | null;
  last_outcome: SlotOutcome;
  rate_hz: number;
  full_interval_ms: number;
  full_every: number;
  /** Boot epoch of the frame counter, or null when frames are not authenticated. */
  epoch: number | null;
}

const IDLE_REASONS: Record<string, string> = {
  landed: "aircraft is landed",
  no_reading: "no airspeed reading yet",
  stale_reading: "airspeed reading is stale (sensor not delivering)",
};

/** Builds a TelemetryInput from the aircraft runtime's `sample` events. */
export function telemetryInputFromAircraftState(
  state: AircraftState,
  clock: Clock = systemClock,
): TelemetryInput & {
  close(): void;
} {
  let last: { reading: FlightReading; at_ms: number } | null = null;
  const listeners = new Set<() => void>();
  const onSample = (s: AircraftSample) => {
    last = { reading: { ias: s.ias, flight_phase: s.flight_phase, phase: s.phase }, at_ms: clock.now() };
    for (const cb of listeners) cb();
  };
  state.on("sample", onSample);
  return {
    latest: () => last,
    profile: () => state.profile,
    onReading: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    close: () => {
      state.off("sample", onSample);
      listeners.clear();
    },
  };
}

/**
 * The aircraft's telemetry transmitter. At `rate_hz` it takes the latest reading and, unless the
 * aircraft is landed or the reading is stale, sends a frame: a full frame when none went out for
 * `full_interval_ms` (and as the first frame of every flight, and right after the identity or band
 * changes), a delta otherwise. Sequence numbers are used only by frames actually put on air.
 */
export class Transmitter {
  readonly rate_hz: number;
  readonly full_interval_ms: number;
  readonly max_reading_age_ms: number;
  readonly full_every: number;
  private readonly radio: FrameSender;
  private readonly auth: FrameAuthenticator | null;
  private epochUsedUp = false;
  private framesSinceFull = Number.POSITIVE_INFINITY;
  private readonly input: TelemetryInput;
  private readonly log: Logger;
  private readonly clock: Clock;
  private seq = 0;
  private lastFullAt = Number.NEGATIVE_INFINITY;
  private lastIdentityKey = "";
  private wasActive = false;
  /** When the last reading not landed was sent (transmitter clock), for the landed tail. */
  private lastFlyingAt = Number.NEGATIVE_INFINITY;
  private cancelTimer: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;
  private nextAt = 0;
  private busy = false;
  private readonly counts = { sent_full: 0, sent_delta: 0, blocked_duty: 0, errors: 0, skipped_stale: 0 };
  private lastSequence: number | null = null;
  private lastOutcome: SlotOutcome = { sent: null, reason: "no_reading" };

  constructor(opts: TransmitterOptions) {
    const p = new ProblemList();
    const rate = opts.rate_hz ?? 5;
    const full = opts.full_interval_ms ?? 2000;
    const maxAge = opts.max_reading_age_ms ?? 1000;
    const every = opts.full_every ?? 2;
    p.number("/rate_hz", rate, { min: 0.2, max: 20 });
    p.number("/full_every", every, { min: 1, max: 100, integer: true });
    p.number("/full_interval_ms", full, { min: 200, max: 60_000 });
    p.number("/max_reading_age_ms", maxAge, { min: 100, max: 10_000 });
    p.throwIfAny("transmitter settings");
    this.rate_hz = rate;
    this.full_interval_ms = full;
    this.max_reading_age_ms = maxAge;
    this.full_every = every;
    this.radio = opts.radio;
    this.auth = opts.auth ?? null;
    this.input = opts.input;
    this.log = opts.logger.child({ tag: "tx" });
    this.clock = opts.clock ?? systemClock;
  }

  /**
   * Starts the transmit slots at `rate_hz`: driven by the input's readings when it offers `onReading`
   * (a slot fires on the first reading at or after its time), by a timer otherwise.
   */
  start(): void {
    if (this.cancelTimer || this.unsubscribe) return;
    this.nextAt = this.clock.now();
    this.log.info(
      {
        rate_hz: this.rate_hz,
        full_interval_ms: this.full_interval_ms,
        paced_by: this.input.onReading ? "readings" : "timer",
      },
      "telemetry transmitter started",
    );
    if (this.input.onReading) {
      this.unsubscribe = this.input.onReading(() => this.onReading());
    } else {
      this.schedule(0);
    }
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** One transmit slot. The timer calls it; tests call it directly. Never throws. */
  async tick(): Promise<SlotOutcome> {
    const outcome = await this.slot();
    this.lastOutcome = outcome;
    return outcome;
  }

  /** The `tx` object of `/api/aircraft/live`. */
  status(): TransmitStatus {
    let o = this.lastOutcome;
    // Paced by readings, no slot runs when readings stop: report that instead of the last slot.
    const latest = this.input.latest();
    if (o.sent !== null || o.reason === "duty_cycle") {
      if (!latest) o = { sent: null, reason: "no_reading" };
      else if (this.clock.now() - latest.at_ms > this.max_reading_age_ms)
        o = { sent: null, reason: "stale_reading" };
    }
    const base = {
      sent: this.counts.sent_full + this.counts.sent_delta,
      blocked_duty: this.counts.blocked_duty,
      errors: this.counts.errors,
      duty_used_ppm: Math.round(this.radio.stats?.().duty_cycle_used_ppm ?? 0),
    };
    if (o.sent) return { state: "sending", ...base };
    if (o.reason === "duty_cycle") {
      return { state: "duty_blocked", reason: "duty-cycle budget of the SRD profile used up", ...base };
    }
    if (o.reason === "encode_error")
      return { state: "fault", reason: "profile cannot be encoded in a frame", ...base };
    if (o.reason === "link_error") return { state: "fault", reason: "radio link reported an error", ...base };
    if (o.reason === "counter_error")
      return { state: "fault", reason: "frame counter cannot be stored (settings store)", ...base };
    return { state: "idle", reason: IDLE_REASONS[o.reason] ?? o.reason, ...base };
  }

  counters(): TransmitCounters {
    return {
      ...this.counts,
      last_sequence: this.lastSequence,
      last_outcome: this.lastOutcome,
      rate_hz: this.rate_hz,
      full_interval_ms: this.full_interval_ms,
      full_every: this.full_every,
      epoch: this.auth?.epoch() ?? null,
    };
  }

  private async slot(): Promise<SlotOutcome> {
    const now = this.clock.now();
    const latest = this.input.latest();
    if (!latest) return this.inactive("no_reading");
    const r0 = latest.reading;
    // Landed (by the launch phase when there is one: a ground roll is sent, so the winch sees the start).
    const landed = r0.phase !== undefined ? r0.phase === "landed" : r0.flight_phase === "landed";
    if (landed && !(this.wasActive && now - this.lastFlyingAt < LANDED_TAIL_MS))
      return this.inactive("landed");
    if (!landed) this.lastFlyingAt = now;
    if (now - latest.at_ms > this.max_reading_age_ms) {
      this.counts.skipped_stale++;
      return this.inactive("stale_reading");
    }
    if (!this.wasActive) {
      this.log.info("aircraft not landed: transmitting telemetry");
      this.wasActive = true;
      this.lastFullAt = Number.NEGATIVE_INFINITY; // first frame of a flight is a full frame
    }
    const profile = this.input.profile();
    const identityKey = JSON.stringify([
      profile.registration,
      profile.type,
      profile.unit,
      profile.v_min,
      profile.v_opt,
      profile.v_max,
    ]);
    if (this.epochUsedUp && this.auth) {
      // The sequence wrapped: a counter must never repeat, so nothing goes out until the next epoch is stored.
      try {
        await this.auth.nextEpoch();
        this.epochUsedUp = false;
      } catch (err) {
        this.counts.errors++;
        this.log.error({ err: (err as Error).message }, "cannot store the next frame-counter epoch");
        return { sent: null, reason: "counter_error" };
      }
    }
    const full =
      identityKey !== this.lastIdentityKey ||
      now - this.lastFullAt >= this.full_interval_ms ||
      this.framesSinceFull + 1 >= this.full_every;
    const tenths = toTenths(latest.reading.ias);
    const msg: DownlinkMessage = full
      ? {
          kind: "full",
          registration: profile.registration,
          type: profile.type,
          unit: profile.unit,
          v_min: profile.v_min,
          v_opt: profile.v_opt,
          v_max: profile.v_max,
          v_current_tenths: tenths,
          sequence: this.seq,
          ...(r0.phase ? { phase: r0.phase } : {}),
        }
      : {
          kind: "delta",
          identity_hash: identityHash(profile.registration, profile.type),
          v_current_tenths: tenths,
          sequence: this.seq,
          ...(r0.phase ? { phase: r0.phase } : {}),
        };
    const encoded = encodeFrame(
      msg,
      this.auth ? { key: this.auth.key(), epoch: this.auth.epoch() } : undefined,
    );
    if (!encoded.ok) {
      this.counts.errors++;
      this.log.error({ reason: encoded.reason, message: encoded.message }, "cannot encode telemetry frame");
      return { sent: null, reason: "encode_error" };
    }
    const r = await this.radio.send(encoded.bytes);
    if (!r.sent) {
      if (r.reason === "duty_cycle") this.counts.blocked_duty++;
      else this.counts.errors++;
      return { sent: null, reason: r.reason };
    }
    const sequence = this.seq;
    this.lastSequence = sequence;
    this.seq = (this.seq + 1) % SEQUENCE_MODULUS;
    if (this.seq === 0) this.epochUsedUp = true;
    if (full) {
      this.counts.sent_full++;
      this.lastFullAt = now;
      this.lastIdentityKey = identityKey;
      this.framesSinceFull = 0;
    } else {
      this.counts.sent_delta++;
      this.framesSinceFull++;
    }
    return { sent: msg.kind, sequence, bytes: encoded.bytes.length };
  }

  private inactive(reason: "landed" | "no_reading" | "stale_reading"): SlotOutcome {
    if (this.wasActive) {
      this.log.info({ reason }, "telemetry transmission paused");
      this.wasActive = false;
    }
    return { sent: null, reason };
  }

  private onReading(): void {
    const now = this.clock.now();
    // 1 ms of slack so readings that arrive a hair early (timer drift) still take their slot.
    if (now + 1 < this.nextAt || this.busy) return;
    const period = 1000 / this.rate_hz;
    this.nextAt += period;
    // Readings stopped for a while: restart the grid rather than sending a burst.
    if (this.nextAt <= now) this.nextAt = now + period;
    this.runSlot();
  }

  private runSlot(): void {
    this.busy = true;
    void this.tick().finally(() => {
      this.busy = false;
    });
  }

  private schedule(delay: number): void {
    this.cancelTimer = this.clock.setTimeout(() => {
      if (!this.cancelTimer) return;
      const period = 1000 / this.rate_hz;
      this.nextAt += period;
      const now = this.clock.now();
      // After a stall skip missed slots rather than bursting frames to catch up.
      if (this.nextAt < now) this.nextAt = now;
      if (!this.busy) this.runSlot();
      this.schedule(this.nextAt - now);
    }, delay);
  }
}
