import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";

/** Shortest time between two lines of one RateLimitedLog. */
export const LOG_SUMMARY_INTERVAL_MS = 10_000;
/** Kinds tallied by name in one summary; the rest go under "other" (forged names cannot grow it). */
const MAX_KINDS = 16;

export interface RateLimitedLogOptions {
  logger: Logger;
  clock: Clock;
  message: string;
  /** @default "warn" */
  level?: "info" | "warn";
  /** @default LOG_SUMMARY_INTERVAL_MS */
  interval_ms?: number;
}

/**
 * Turns a stream of events (refused frames, new identities) into at most one log line per interval:
 * the first event is logged at once, later ones are tallied by kind and logged as one summary when
 * the next event comes after the interval (or on `flush`). A flood of 100 000 forged frames a second
 * costs one line every 10 s, not one per frame.
 */
export class RateLimitedLog {
  private readonly opts: Required<RateLimitedLogOptions>;
  private lastAt = Number.NEGATIVE_INFINITY;
  private pending = new Map<string, number>();

  constructor(opts: RateLimitedLogOptions) {
    this.opts = { level: "warn", interval_ms: LOG_SUMMARY_INTERVAL_MS, ...opts };
  }

  note(kind: string): void {
    const k = this.pending.has(kind) || this.pending.size < MAX_KINDS ? kind : "other";
    this.pending.set(k, (this.pending.get(k) ?? 0) + 1);
    if (this.opts.clock.now() - this.lastAt >= this.opts.interval_ms) this.flush();
  }

  /** Logs what is tallied, if anything. */
  flush(): void {
    if (this.pending.size === 0) return;
    const counts = Object.fromEntries(this.pending);
    const total = [...this.pending.values()].reduce((a, b) => a + b, 0);
    this.pending = new Map();
    this.lastAt = this.opts.clock.now();
    this.opts.logger[this.opts.level]({ counts, total }, this.opts.message);
  }
}
