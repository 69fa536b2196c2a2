import { type Clock, systemClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import type { RadioLink, ReceiveHandler, RxChannel, TxMeta, TxResult } from "./link.js";
import { MODEM_PRESETS, noiseBandwidthHz } from "./modem.js";
import { logDistancePathLossDb, noiseFloorDbm } from "./path-loss.js";

export interface SimMediumOptions {
  /**
   * Seed for loss, jitter and fading draws: the same seed and traffic give the same run.
   * @default 1
   */
  seed?: number;
  /**
   * Probability that a frame is lost regardless of the link budget (interference, antenna shadow).
   * @default 0
   */
  loss?: number;
  /**
   * Fixed delay added after the frame's air time (radio and driver processing), ms.
   * @default 2
   */
  latency_ms?: number;
  /**
   * Uniform extra delay in [0, jitter_ms). Delivery order per receiver is kept, as on a real radio.
   * @default 0
   */
  jitter_ms?: number;
  /**
   * Path-loss exponent (2 = free space).
   * @default 2.7
   */
  path_loss_exponent?: number;
  /**
   * Standard deviation of log-normal fading added to the received level, dB.
   * @default 2
   */
  fading_sigma_db?: number;
  /**
   * Receiver noise figure, dB (the SX1262 is about 6 dB in its low-power receive mode).
   * @default 6
   */
  noise_figure_db?: number;
  /** @default systemClock */
  clock?: Clock;
}

export interface SimMediumStats {
  sent: number;
  delivered: number;
  lost_random: number;
  lost_weak: number;
}

export type Position = readonly [x_m: number, y_m: number, z_m: number];

/**
 * The shared air for simulated radios: several devices attach, every frame reaches every other radio
 * tuned to the same frequency and modem, with a level from the path-loss model, a random loss, and a
 * delay of air time + latency + jitter.
 */
export class SimMedium {
  private readonly radios = new Set<SimRadio>();
  private readonly prng: Prng;
  private readonly opts: Required<Omit<SimMediumOptions, "seed" | "clock">>;
  readonly clock: Clock;
  private readonly counters: SimMediumStats = { sent: 0, delivered: 0, lost_random: 0, lost_weak: 0 };
  /** Transmissions still on air, for carrier sense (listen before talk). */
  private onAir: { from: SimRadio; meta: TxMeta; until: number }[] = [];

  constructor(opts: SimMediumOptions = {}) {
    this.prng = new Prng(opts.seed ?? 1);
    this.clock = opts.clock ?? systemClock;
    this.opts = {
      loss: opts.loss ?? 0,
      latency_ms: opts.latency_ms ?? 2,
      jitter_ms: opts.jitter_ms ?? 0,
      path_loss_exponent: opts.path_loss_exponent ?? 2.7,
      fading_sigma_db: opts.fading_sigma_db ?? 2,
      noise_figure_db: opts.noise_figure_db ?? 6,
    };
    checkProbability(this.opts.loss);
  }

  /** Adds a radio at `position` (metres), listening on `channel`. */
  attach(position: Position, channel: RxChannel): SimRadio {
    const radio = new SimRadio(this, position, channel);
    this.radios.add(radio);
    return radio;
  }

  /** Changes the random loss probability (0..1), e.g. to stage a bad-link demo. */
  setLoss(p: number): void {
    checkProbability(p);
    this.opts.loss = p;
  }

  stats(): SimMediumStats {
    return { ...this.counters };
  }

  /** @internal */
  detach(radio: SimRadio): void {
    this.radios.delete(radio);
  }

  /**
   * Carrier sense: the strongest level (dBm, path loss only, no fading) at `radio` of any other
   * radio's transmission on air now on the radio's channel; null when the channel is quiet.
   */
  levelOnAir(radio: SimRadio): number | null {
    const now = this.clock.now();
    this.onAir = this.onAir.filter((t) => t.until > now);
    let best: number | null = null;
    for (const t of this.onAir) {
      if (
        t.from === radio ||
        t.meta.frequency_hz !== radio.channel.frequency_hz ||
        t.meta.modem !== radio.channel.modem
      )
        continue;
      const d = distance(t.from.position, radio.position);
      const level =
        t.meta.tx_power_dbm - logDistancePathLossDb(d, t.meta.frequency_hz, this.opts.path_loss_exponent);
      best = best === null ? level : Math.max(best, level);
    }
    return best;
  }

  /** @internal */
  transmit(from: SimRadio, frame: Uint8Array, meta: TxMeta): void {
    this.counters.sent++;
    const bytes = Uint8Array.from(frame);
    const now = this.clock.now();
    this.onAir.push({ from, meta: { ...meta }, until: now + meta.airtime_ms });
    for (const to of this.radios) {
      if (to === from || to.closed) continue;
      const ch = to.channel;
      if (ch.frequency_hz !== meta.frequency_hz || ch.modem !== meta.modem) continue;
      const modem = MODEM_PRESETS[meta.modem];
      const d = distance(from.position, to.position);
      const fading = this.opts.fading_sigma_db * this.prng.gaussian();
      const rssi =
        meta.tx_power_dbm -
        logDistancePathLossDb(d, meta.frequency_hz, this.opts.path_loss_exponent) +
        fading;
      const snr = rssi - noiseFloorDbm(noiseBandwidthHz(modem), this.opts.noise_figure_db);
      // Draw the loss for every candidate so a run's random sequence does not depend on link levels.
      const unlucky = this.prng.next() < this.opts.loss;
      const jitter = this.opts.jitter_ms > 0 ? this.prng.next() * this.opts.jitter_ms : 0;
      if (snr < modem.required_snr_db) {
        this.counters.lost_weak++;
        continue;
      }
      if (unlucky) {
        this.counters.lost_random++;
        continue;
      }
      const due = Math.max(now + meta.airtime_ms + this.opts.latency_ms + jitter, to.lastDueMs);
      to.lastDueMs = due;
      const rssi_dbm = Math.round(rssi * 10) / 10;
      const snr_db = Math.round(snr * 10) / 10;
      this.clock.setTimeout(() => {
        if (to.closed) return;
        this.counters.delivered++;
        to.deliver(bytes, { rssi_dbm, snr_db, rx_t_ms: this.clock.now() });
      }, due - now);
    }
  }
}

/** One device's radio on a SimMedium. */
export class SimRadio implements RadioLink {
  readonly kind = "sim" as const;
  private readonly handlers = new Set<ReceiveHandler>();
  closed = false;
  /** @internal Delivery time of the last frame scheduled to this radio (keeps order). */
  lastDueMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly medium: SimMedium,
    public position: Position,
    public channel: RxChannel,
  ) {}

  async send(frame: Uint8Array, meta: TxMeta): Promise<TxResult> {
    if (this.closed) return { ok: false, error: "radio closed" };
    this.medium.transmit(this, frame, meta);
    return { ok: true };
  }

  onReceive(handler: ReceiveHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  tune(channel: RxChannel): void {
    this.channel = { ...channel };
  }

  /** Level of someone else's transmission on this radio's channel now, dBm, or null (carrier sense). */
  levelOnAir(): number | null {
    return this.medium.levelOnAir(this);
  }

  moveTo(position: Position): void {
    this.position = position;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    this.medium.detach(this);
  }

  /** @internal */
  deliver(frame: Uint8Array, meta: Parameters<ReceiveHandler>[1]): void {
    for (const h of this.handlers) h(frame, meta);
  }
}

function distance(a: Position, b: Position): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

function checkProbability(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`loss must be a probability in [0, 1], got ${p}`);
}
