import type { Clock } from "../core/clock.js";

/** At most 5 messages per second on a live topic, as the issue asks. @default 200 */
export const DEFAULT_MIN_INTERVAL_MS = 200;

export interface Throttle {
  /** Something changed: `send` runs now, or once when the interval is up (changes meanwhile coalesce). */
  poke(): void;
  cancel(): void;
}

/**
 * Leading-and-trailing rate limit: the first change goes out at once, changes inside the interval
 * collapse into one call at its end, which then reads the newest document. Latest wins, nothing piles up.
 */
export function createThrottle(
  send: () => void,
  clock: Clock,
  minIntervalMs = DEFAULT_MIN_INTERVAL_MS,
): Throttle {
  let last = Number.NEGATIVE_INFINITY;
  let cancelTimer: (() => void) | null = null;
  const fire = () => {
    cancelTimer = null;
    last = clock.now();
    send();
  };
  return {
    poke() {
      if (cancelTimer) return;
      const wait = last + minIntervalMs - clock.now();
      if (wait <= 0) fire();
      else cancelTimer = clock.setTimeout(fire, wait);
    },
    cancel() {
      cancelTimer?.();
      cancelTimer = null;
    },
  };
}
