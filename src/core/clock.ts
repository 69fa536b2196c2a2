/**
 * Time for the radio and telemetry code: a monotonic millisecond clock plus timers. The system clock
 * is the default; tests and benchmarks drive a ManualClock so loss, latency and timeouts are exact
 * and repeatable.
 */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

interface Timer {
  at: number;
  order: number;
  fn: () => void;
}

/** A clock that only moves when told to; timers fire in time order (ties in scheduling order). */
export class ManualClock implements Clock {
  private t: number;
  private timers: Timer[] = [];
  private order = 0;

  constructor(start_ms = 0) {
    this.t = start_ms;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), order: this.order++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including new ones). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }

  pending(): number {
    return this.timers.length;
  }

  private nextDue(end: number): Timer | undefined {
    let best: Timer | undefined;
    for (const x of this.timers) {
      if (x.at <= end && (!best || x.at < best.at || (x.at === best.at && x.order < best.order))) best = x;
    }
    return best;
  }
}
