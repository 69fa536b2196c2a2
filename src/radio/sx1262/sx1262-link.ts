import { type Clock, systemClock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { Prng } from "../../core/prng.js";
import type { LbtCounters, RadioLink, ReceiveHandler, RxChannel, TxMeta, TxResult } from "../link.js";
import { MODEM_PRESETS, type ModemBackend, occupiedBandwidthHz } from "../modem.js";
import { FLARM_AVOIDANCE_HZ } from "../srd-profiles.js";
import { frequencyFromWord, HP_POWER_RANGE_DBM, rfFrequencyWord } from "./commands.js";
import {
  type ChipChannel,
  chipOptionProblems,
  type Sx1262ChipOptions,
  Sx1262Driver,
  Sx1262Error,
} from "./driver.js";
import type { OpenSx1262Hal, Sx1262Hal } from "./hal.js";

export interface LbtOptions {
  /**
   * Listen before each transmission.
   * @default true
   */
  enabled?: boolean;
  /**
   * GFSK: the channel counts as busy when the instantaneous RSSI is above this.
   * @default -85
   */
  threshold_dbm?: number;
  /**
   * Longest a frame waits for a clear channel; after that it is dropped (telemetry goes stale
   * anyway, and the next frame is due soon).
   * @default 100
   */
  max_defer_ms?: number;
  /**
   * Random back-off between two listens, uniform in [min, max].
   * @default [5, 20]
   */
  backoff_ms?: readonly [number, number];
}

export interface Sx1262LinkOptions {
  openHal: OpenSx1262Hal;
  chip?: Sx1262ChipOptions;
  /**
   * Gain of an amplifier between the chip and the antenna (e.g. about 8 dB on an E22-900M30S); the
   * chip is driven that much lower so the e.r.p. stays what the settings allow.
   * @default 0
   */
  external_pa_gain_db?: number;
  lbt?: LbtOptions;
  logger: Logger;
  clock?: Clock;
  /**
   * First wait before re-opening a failed radio; doubles per failure.
   * @default 1000
   */
  retry_initial_ms?: number;
  /**
   * Longest wait between two attempts.
   * @default 30000
   */
  retry_max_ms?: number;
  /**
   * Seed for the LBT back-off draws.
   * @default 1
   */
  seed?: number;
}

export type Sx1262State = "starting" | "ok" | "fault" | "closed";

export interface Sx1262Health {
  state: Sx1262State;
  /** Why the radio is not working, in plain words (absent when it is). */
  reason?: string;
  /** Faults since start (each one closes the radio and schedules a retry). */
  faults: number;
}

export interface Sx1262Stats {
  tx_frames: number;
  tx_errors: number;
  rx_frames: number;
  rx_bad: number;
  /** Frames that found the channel busy at least once before going out (or being dropped). */
  lbt_deferred: number;
  /** Listens that found the channel busy. */
  lbt_busy_samples: number;
  /** Frames dropped because the channel stayed busy for `max_defer_ms`. */
  lbt_dropped: number;
}

/** How long the RX loop waits on DIO1 before looking again whether it should still run. */
const RX_POLL_MS = 250;
/** Power assumed until the first frame says otherwise (it only matters for transmitting). */
const DEFAULT_ERP_DBM = 14;
const RSSI_SAMPLES = 3;

/**
 * An SX1262 on SPI as a RadioLink. All chip access is serialised; a background loop waits for DIO1
 * and reads received packets. Any fault (BUSY stuck, SPI error, device error) closes the hardware,
 * is reported in `health()` and retried in the background; `send` then answers at once with the
 * reason, so nothing above the link blocks on a broken radio.
 */
export class Sx1262Link implements RadioLink {
  readonly kind = "sx1262" as const;
  readonly #opts: Sx1262LinkOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #prng: Prng;
  readonly #handlers = new Set<ReceiveHandler>();
  readonly #lbt: Required<LbtOptions>;
  readonly #gain: number;
  #state: Sx1262State = "starting";
  #reason: string | undefined = "not started";
  #faults = 0;
  #hal: Sx1262Hal | undefined;
  #driver: Sx1262Driver | undefined;
  /** Bumped on every (re)open: a loop or retry from an older generation stops. */
  #gen = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #channel: RxChannel | undefined;
  #erp = DEFAULT_ERP_DBM;
  #configured: ChipChannel | undefined;
  #retryDelay: number;
  #cancelRetry: (() => void) | undefined;
  readonly #stats: Sx1262Stats = {
    tx_frames: 0,
    tx_errors: 0,
    rx_frames: 0,
    rx_bad: 0,
    lbt_deferred: 0,
    lbt_busy_samples: 0,
    lbt_dropped: 0,
  };

  constructor(opts: Sx1262LinkOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ tag: "radio" });
    this.#clock = opts.clock ?? systemClock;
    this.#prng = new Prng(opts.seed ?? 1);
    this.#gain = opts.external_pa_gain_db ?? 0;
    this.#lbt = {
      enabled: opts.lbt?.enabled ?? true,
      threshold_dbm: opts.lbt?.threshold_dbm ?? -85,
      max_defer_ms: opts.lbt?.max_defer_ms ?? 100,
      backoff_ms: opts.lbt?.backoff_ms ?? [5, 20],
    };
    this.#retryDelay = opts.retry_initial_ms ?? 1000;
    // A TCXO voltage the chip lacks is refused now, before any hardware is touched.
    const problems = chipOptionProblems(opts.chip ?? {});
    if (problems.length > 0) throw new Sx1262Error("bad_setting", problems.join("; "));
  }

  /** Opens the radio; resolves once the first attempt succeeded or failed (never rejects). */
  async start(): Promise<void> {
    await this.#attempt();
  }

  health(): Sx1262Health {
    return { state: this.#state, ...(this.#reason ? { reason: this.#reason } : {}), faults: this.#faults };
  }

  stats(): Sx1262Stats {
    return { ...this.#stats };
  }

  lbtCounters(): LbtCounters {
    return { deferred: this.#stats.lbt_deferred, dropped: this.#stats.lbt_dropped };
  }

  async send(frame: Uint8Array, meta: TxMeta): Promise<TxResult> {
    if (this.#state !== "ok")
      return { ok: false, error: `sx1262 radio not ready: ${this.#reason ?? this.#state}` };
    let payload: Uint8Array;
    if (meta.modem === "gfsk") {
      // The GFSK packet engine sends its own length byte; it must be the frame's.
      if (frame.length < 2 || frame[0] !== frame.length - 1) {
        return {
          ok: false,
          error: "frame's first byte is not its length; the GFSK packet engine needs that",
        };
      }
      payload = frame.subarray(1);
    } else {
      payload = frame;
    }
    const gen = this.#gen;
    return this.#serial(async (): Promise<TxResult> => {
      if (gen !== this.#gen || !this.#driver) return { ok: false, error: "sx1262 radio was reset" };
      const d = this.#driver;
      try {
        this.#erp = meta.tx_power_dbm;
        await this.#ensureConfigured({ frequency_hz: meta.frequency_hz, modem: meta.modem });
        await this.#serviceRx(d);
        if (!(await this.#listen(d, meta.modem))) {
          this.#stats.lbt_dropped++;
          await d.startRx();
          return {
            ok: false,
            error: `channel busy for ${this.#lbt.max_defer_ms} ms (listen before talk); frame dropped`,
          };
        }
        await this.#serviceRx(d);
        await d.transmit(payload);
        this.#stats.tx_frames++;
        await d.startRx();
        return { ok: true };
      } catch (err) {
        this.#stats.tx_errors++;
        return { ok: false, error: this.#failed(err, gen) };
      }
    });
  }

  onReceive(handler: ReceiveHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  tune(channel: RxChannel): void {
    this.#channel = { ...channel };
    if (this.#state !== "ok") return;
    const gen = this.#gen;
    void this.#serial(async () => {
      if (gen !== this.#gen || !this.#driver) return;
      try {
        await this.#ensureConfigured(channel);
      } catch (err) {
        this.#failed(err, gen);
      }
    });
  }

  async close(): Promise<void> {
    this.#state = "closed";
    this.#reason = "closed";
    this.#gen++;
    this.#cancelRetry?.();
    this.#handlers.clear();
    await this.#queue.catch(() => undefined);
    await this.#closeHal();
  }

  // ---- internals ----

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The chip channel for the requested air channel, checked against the rules on the chip's real values. */
  #chipChannel(ch: RxChannel): ChipChannel {
    const actual = frequencyFromWord(rfFrequencyWord(ch.frequency_hz));
    const half = occupiedBandwidthHz(MODEM_PRESETS[ch.modem]) / 2;
    const [flo, fhi] = FLARM_AVOIDANCE_HZ;
    if (actual - half < fhi && actual + half > flo) {
      throw new Sx1262Error(
        "bad_setting",
        `${(actual / 1e6).toFixed(3)} MHz with ${ch.modem} overlaps the FLARM avoidance band; not transmitting there`,
      );
    }
    // Round down: the e.r.p. must not exceed what the settings (and so the SRD profile) allow.
    const chip = Math.floor(this.#erp - this.#gain + 1e-9);
    const [lo, hi] = HP_POWER_RANGE_DBM;
    if (chip < lo) {
      throw new Sx1262Error(
        "bad_setting",
        `${this.#erp} dBm e.r.p. needs ${chip} dBm from the chip, below its ${lo} dBm minimum with this module's ${this.#gain} dB amplifier`,
      );
    }
    return { frequency_hz: ch.frequency_hz, modem: ch.modem, chip_power_dbm: Math.min(chip, hi) };
  }

  async #ensureConfigured(ch: { frequency_hz: number; modem: ModemBackend }): Promise<void> {
    const want = this.#chipChannel(ch);
    const c = this.#configured;
    if (
      c &&
      c.frequency_hz === want.frequency_hz &&
      c.modem === want.modem &&
      c.chip_power_dbm === want.chip_power_dbm
    )
      return;
    this.#configured = undefined;
    await this.#driver!.configure(want);
    // Back to receiving at once: between frames the unit listens, and GFSK LBT reads RSSI in RX.
    await this.#driver!.startRx();
    this.#configured = want;
    this.#log.info(
      {
        frequency_hz: want.frequency_hz,
        modem: want.modem,
        chip_power_dbm: want.chip_power_dbm,
        pa_gain_db: this.#gain,
      },
      "sx1262 configured",
    );
  }

  /** Listen before talk; true when the channel is clear (within the bounded wait). */
  async #listen(d: Sx1262Driver, modem: ModemBackend): Promise<boolean> {
    if (!this.#lbt.enabled) return true;
    const deadline = this.#clock.now() + this.#lbt.max_defer_ms;
    let deferred = false;
    for (let attempt = 0; attempt < 1000; attempt++) {
      const busy = modem === "lora" ? await d.cad() : await this.#rssiBusy(d);
      if (!busy) return true;
      this.#stats.lbt_busy_samples++;
      if (!deferred) {
        deferred = true;
        this.#stats.lbt_deferred++;
      }
      const [lo, hi] = this.#lbt.backoff_ms;
      const wait = lo + this.#prng.next() * (hi - lo);
      if (this.#clock.now() + wait > deadline) return false;
      await new Promise<void>((r) => this.#clock.setTimeout(r, wait));
    }
    return false;
  }

  async #rssiBusy(d: Sx1262Driver): Promise<boolean> {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < RSSI_SAMPLES; i++) max = Math.max(max, await d.rssiInst());
    return max > this.#lbt.threshold_dbm;
  }

  async #serviceRx(d: Sx1262Driver): Promise<void> {
    const r = await d.takeRx();
    if (r.kind === "none") return;
    if (r.kind === "bad") {
      this.#stats.rx_bad++;
      return;
    }
    const modem = this.#configured?.modem;
    const frame = modem === "gfsk" ? Uint8Array.from([r.payload.length, ...r.payload]) : r.payload;
    this.#stats.rx_frames++;
    const meta = { rssi_dbm: r.rssi_dbm, snr_db: r.snr_db, rx_t_ms: this.#clock.now() };
    for (const h of this.#handlers) h(frame, meta);
  }

  async #rxLoop(gen: number): Promise<void> {
    while (gen === this.#gen && this.#state === "ok" && this.#hal) {
      const high = await this.#hal.pins.dio1.waitFor(1, RX_POLL_MS);
      if (!high || gen !== this.#gen) continue;
      await this.#serial(async () => {
        if (gen !== this.#gen || !this.#driver) return;
        try {
          await this.#serviceRx(this.#driver);
        } catch (err) {
          this.#failed(err, gen);
        }
      });
    }
  }

  async #attempt(): Promise<void> {
    this.#cancelRetry = undefined;
    if (this.#state === "closed") return;
    const gen = ++this.#gen;
    try {
      const hal = await this.#opts.openHal();
      if (gen !== this.#gen) {
        // Closed while the hardware was being opened.
        await hal.close();
        return;
      }
      this.#hal = hal;
      const sleep = (ms: number) => new Promise<void>((r) => this.#clock.setTimeout(r, ms));
      this.#driver = new Sx1262Driver(this.#hal, this.#opts.chip, sleep);
      await this.#serial(async () => {
        await this.#driver!.init();
        this.#configured = undefined;
        if (this.#channel) {
          await this.#ensureConfigured(this.#channel);
        }
      });
      if (gen !== this.#gen) return;
      const was = this.#reason;
      this.#state = "ok";
      this.#reason = undefined;
      this.#retryDelay = this.#opts.retry_initial_ms ?? 1000;
      this.#log.info({ after: was }, "sx1262 radio ready");
      void this.#rxLoop(gen);
    } catch (err) {
      if (gen !== this.#gen) return;
      this.#failed(err, gen);
    }
  }

  /** Records a fault (or a bad setting, which is not one) and returns its words. */
  #failed(err: unknown, gen: number): string {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof Sx1262Error && err.code === "bad_setting") {
      this.#log.warn({ reason: message }, "sx1262 refused a setting");
      return message;
    }
    if (gen !== this.#gen || this.#state === "closed") return message;
    this.#gen++;
    this.#faults++;
    this.#state = "fault";
    this.#reason = message;
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(delay * 2, this.#opts.retry_max_ms ?? 30_000);
    this.#log.warn({ reason: message, retry_in_ms: delay }, "sx1262 radio fault; retrying in the background");
    void this.#closeHal();
    this.#cancelRetry = this.#clock.setTimeout(() => void this.#attempt(), delay);
    return message;
  }

  async #closeHal(): Promise<void> {
    const hal = this.#hal;
    this.#hal = undefined;
    this.#driver = undefined;
    this.#configured = undefined;
    if (!hal) return;
    try {
      await hal.close();
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, "closing the sx1262 hardware failed");
    }
  }
}
