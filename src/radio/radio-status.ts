import { type AuthRejectReason, emptyRejectCounts } from "../telemetry/trust.js";
import type { LinkHealth, RadioLink } from "./link.js";
import type { RadioService } from "./radio-service.js";

/** The `radio` object of `/api/status` (the API's Status schema). */
export interface RadioStatus {
  sent: number;
  received: number;
  lost: number;
  bad_frames: number;
  /** Well-formed frames a paired winch did not trust, by reason (all 0 in aircraft mode). */
  rejected: Record<AuthRejectReason, number>;
  duty_blocked: number;
  duty_used_ppm: number;
  /** Hardware links only: whether the radio works and why not. */
  link?: { kind: RadioLink["kind"]; state: LinkHealth["state"]; reason?: string };
  /** Links that listen before talk only. */
  lbt_deferred?: number;
  lbt_dropped?: number;
  /** Network (UDP) links only: datagrams dropped before decoding. */
  dropped_foreign?: number;
  dropped_oversized?: number;
}

/** What a telemetry receiver counts (the winch's WinchReceiver); absent in aircraft mode. */
export interface ReceiveCounters {
  counters(): {
    received: number;
    lost: number;
    bad_frames_total: number;
    rejected: Record<AuthRejectReason, number>;
  };
}

/**
 * Radio link counters for `/api/status`. With a receiver (winch mode), received/lost/bad come from
 * decoding; without one (aircraft mode), received is every frame the radio heard.
 */
export function radioStatus(radio: RadioService, receiver?: ReceiveCounters | null): RadioStatus {
  const s = radio.stats();
  const r = receiver?.counters();
  const health = radio.link.health?.();
  const lbt = radio.link.lbtCounters?.();
  const drops = radio.link.dropCounters?.();
  return {
    sent: s.tx_frames,
    received: r ? r.received : s.rx_frames,
    lost: r?.lost ?? 0,
    bad_frames: r?.bad_frames_total ?? 0,
    rejected: r ? { ...r.rejected } : emptyRejectCounts(),
    duty_blocked: s.tx_blocked_duty,
    duty_used_ppm: Math.round(s.duty_cycle_used_ppm),
    ...(health
      ? {
          link: {
            kind: radio.link.kind,
            state: health.state,
            ...(health.reason ? { reason: health.reason } : {}),
          },
        }
      : {}),
    ...(lbt ? { lbt_deferred: lbt.deferred, lbt_dropped: lbt.dropped } : {}),
    ...(drops ? { dropped_foreign: drops.foreign, dropped_oversized: drops.oversized } : {}),
  };
}
