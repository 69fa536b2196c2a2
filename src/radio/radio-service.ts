import { type Clock, systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { DutyCycleMeter } from "./duty-cycle.js";
import type { RadioLink, ReceiveHandler } from "./link.js";
import { airtimeMs, MODEM_PRESETS } from "./modem.js";
import {
  DEFAULT_RADIO_SETTINGS,
  type RadioSettings,
  type RadioValidation,
  type RadioView,
  radioView,
  validateRadioSettings,
} from "./radio-settings.js";
import { findSrdProfile } from "./srd-profiles.js";

export interface RadioServiceOptions {
  link: RadioLink;
  logger: Logger;
  /**
   * Stored settings; they are re-validated, and defaults are used (with a warning) if they fail.
   * @default DEFAULT_RADIO_SETTINGS
   */
  settings?: RadioSettings;
  /**
   * Saves accepted settings (e.g. into the settings store). A rejection leaves the settings unchanged.
   * @default undefined (settings live in memory only)
   */
  persist?: (settings: RadioSettings) => Promise<void> | void;
  /** @default systemClock */
  clock?: Clock;
}

export type SendOutcome =
  | { sent: true; airtime_ms: number }
  | { sent: false; reason: "duty_cycle" | "link_error"; airtime_ms: number; error?: string };

export interface RadioCounters {
  tx_frames: number;
  tx_blocked_duty: number;
  tx_errors: number;
  tx_airtime_ms: number;
  rx_frames: number;
}

/** Lines about refused frames are logged at most this often; the counters keep the exact numbers. */
const BLOCKED_LOG_INTERVAL_MS = 10_000;

/**
 * One device's radio: the link, the settings behind `/api/radio`, and the duty-cycle gate every
 * transmitted frame passes through.
 */
export class RadioService {
  readonly link: RadioLink;
  readonly duty = new DutyCycleMeter();
  private current: RadioSettings;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly persist: RadioServiceOptions["persist"];
  private readonly counters: RadioCounters = {
    tx_frames: 0,
    tx_blocked_duty: 0,
    tx_errors: 0,
    tx_airtime_ms: 0,
    rx_frames: 0,
  };
  private updating: Promise<void> = Promise.resolve();
  private lastBlockedLog = Number.NEGATIVE_INFINITY;
  private lastErrorLog = Number.NEGATIVE_INFINITY;
  private lastError = "";
  private errorsSinceLog = 0;
  private blockedSinceLog = 0;

  constructor(opts: RadioServiceOptions) {
    this.link = opts.link;
    this.log = opts.logger.child({ tag: "radio" });
    this.clock = opts.clock ?? systemClock;
    this.persist = opts.persist;
    const stored = opts.settings ? validateRadioSettings(opts.settings, DEFAULT_RADIO_SETTINGS) : null;
    if (stored && !stored.ok) {
      this.log.warn({ details: stored.details }, "stored radio settings are not valid; using defaults");
    }
    this.current = stored?.ok ? stored.settings : { ...DEFAULT_RADIO_SETTINGS };
    this.link.tune({ frequency_hz: this.current.frequency_hz, modem: this.current.modem_backend });
    this.link.onReceive(() => {
      this.counters.rx_frames++;
    });
  }

  settings(): RadioSettings {
    return { ...this.current };
  }

  view(): RadioView {
    const view = radioView(this.current, this.duty.usedPpm(this.clock.now()));
    const lbt = this.link.lbtCounters?.();
    return lbt ? { ...view, lbt } : view;
  }

  /**
   * Validates and applies a patch. On refusal nothing changes and the details say why; on success the
   * settings are persisted first (if that throws, nothing changes and the error propagates).
   */
  update(patch: unknown): Promise<RadioValidation> {
    // One update at a time, so each is checked against the settings the previous one left.
    const run = this.updating.then(() => this.applyPatch(patch));
    this.updating = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async applyPatch(patch: unknown): Promise<RadioValidation> {
    const result = validateRadioSettings(patch, this.current);
    if (!result.ok) return result;
    await this.persist?.(result.settings);
    const before = this.current;
    this.current = result.settings;
    this.link.tune({ frequency_hz: this.current.frequency_hz, modem: this.current.modem_backend });
    this.log.info({ before, after: this.current, snapped: result.snapped }, "radio settings changed");
    return result;
  }

  /** Air time of a frame of `bytes` bytes with the active modem, ms. */
  airtimeMs(bytes: number): number {
    return airtimeMs(MODEM_PRESETS[this.current.modem_backend], bytes);
  }

  /**
   * Sends one frame unless it would push the air time over the profile's duty limit in the sliding
   * hour (the lab override skips that check). Refusals are counted and logged, never thrown.
   */
  async send(frame: Uint8Array): Promise<SendOutcome> {
    const s = this.current;
    const now = this.clock.now();
    const airtime_ms = this.airtimeMs(frame.length);
    const maxPpm = findSrdProfile(s.srd_profile_id)?.duty_cycle_max_ppm ?? 0;
    if (!s.duty_cycle_lab_override && !this.duty.allows(now, airtime_ms, maxPpm)) {
      this.counters.tx_blocked_duty++;
      this.noteBlocked(now, maxPpm);
      return { sent: false, reason: "duty_cycle", airtime_ms };
    }
    this.duty.record(now, airtime_ms);
    const r = await this.link.send(frame, {
      frequency_hz: s.frequency_hz,
      tx_power_dbm: s.tx_power_dbm,
      modem: s.modem_backend,
      airtime_ms,
    });
    if (!r.ok) {
      this.counters.tx_errors++;
      this.noteLinkError(now, r.error);
      return { sent: false, reason: "link_error", airtime_ms, error: r.error };
    }
    this.counters.tx_frames++;
    this.counters.tx_airtime_ms += airtime_ms;
    return { sent: true, airtime_ms };
  }

  onReceive(handler: ReceiveHandler): () => void {
    return this.link.onReceive(handler);
  }

  /** Counters for `/api/status` (`radio`). */
  stats(): RadioCounters & { duty_cycle_used_ppm: number } {
    return {
      ...this.counters,
      tx_airtime_ms: Math.round(this.counters.tx_airtime_ms * 1000) / 1000,
      duty_cycle_used_ppm: Math.round(this.duty.usedPpm(this.clock.now()) * 10) / 10,
    };
  }

  async close(): Promise<void> {
    await this.link.close();
  }

  /**
   * A broken radio (e.g. an SX1262 being retried) fails every frame, five a second: log a new reason
   * at once, the same one at most every BLOCKED_LOG_INTERVAL_MS with the count since.
   */
  private noteLinkError(now: number, error: string): void {
    this.errorsSinceLog++;
    if (error === this.lastError && now - this.lastErrorLog < BLOCKED_LOG_INTERVAL_MS) return;
    this.log.warn({ error, failed: this.errorsSinceLog }, "radio send failed");
    this.lastError = error;
    this.lastErrorLog = now;
    this.errorsSinceLog = 0;
  }

  private noteBlocked(now: number, maxPpm: number): void {
    this.blockedSinceLog++;
    if (now - this.lastBlockedLog < BLOCKED_LOG_INTERVAL_MS) return;
    this.log.warn(
      {
        blocked: this.blockedSinceLog,
        used_ppm: Math.round(this.duty.usedPpm(now)),
        max_ppm: maxPpm,
        profile: this.current.srd_profile_id,
      },
      "frame not sent: duty-cycle limit of the SRD profile reached",
    );
    this.lastBlockedLog = now;
    this.blockedSinceLog = 0;
  }
}
