/**
 * Radio: the `RadioLink` seam (this file) and its links (sim, UDP), air time, duty cycle, SRD profiles,
 * FLARM avoidance and the running radio service. Moves bytes, knows nothing of what they mean; may
 * import `src/core` and the other layer-1 folders (store for its settings).
 */
import type { ModemBackend } from "./modem.js";

/** What the transmitter tells the link about a frame; the sim uses it for its channel model. */
export interface TxMeta {
  frequency_hz: number;
  tx_power_dbm: number;
  modem: ModemBackend;
  airtime_ms: number;
}

export type TxResult = { ok: true } | { ok: false; error: string };

/** What the receiving radio measured. The UDP link has no radio, so it reports null for both levels. */
export interface RxMeta {
  rssi_dbm: number | null;
  snr_db: number | null;
  /** When the frame arrived, on the link's clock (monotonic ms). */
  rx_t_ms: number;
}

/** The channel a radio listens on; frames sent on another frequency or modem are not heard (sim). */
export interface RxChannel {
  frequency_hz: number;
  modem: ModemBackend;
}

export type ReceiveHandler = (frame: Uint8Array, meta: RxMeta) => void;

/** How a link with real hardware is doing (sim and udp have none to report). */
export interface LinkHealth {
  state: "starting" | "ok" | "fault" | "closed";
  /** Why it is not working, in plain words. */
  reason?: string;
}

/** Listen-before-talk counters of a link that listens before it transmits. */
export interface LbtCounters {
  /** Frames that found the channel busy and waited. */
  deferred: number;
  /** Frames dropped because the channel stayed busy for the bounded wait. */
  dropped: number;
}

/** Datagrams a network link threw away before decoding (UDP: never from the air, so never frames). */
export interface DropCounters {
  /** From an address that is not one of the configured peers. */
  foreign: number;
  /** Larger than any radio frame can be. */
  oversized: number;
}

/** A half-duplex packet radio as the rest of OWTS sees it. */
export interface RadioLink {
  readonly kind: "sim" | "udp" | "sx1262";
  /** Puts one frame on air. Resolves when the link has taken it; never rejects. */
  send(frame: Uint8Array, meta: TxMeta): Promise<TxResult>;
  /** Subscribes to received frames; returns the unsubscribe function. */
  onReceive(handler: ReceiveHandler): () => void;
  /** Sets the receive channel (after a radio settings change). */
  tune(channel: RxChannel): void;
  close(): Promise<void>;
  /** Hardware links: whether the radio works, and why not. */
  health?(): LinkHealth;
  /** Links that listen before talk: their deferral counters. */
  lbtCounters?(): LbtCounters;
  /** Network links: datagrams dropped before decoding. */
  dropCounters?(): DropCounters;
}
