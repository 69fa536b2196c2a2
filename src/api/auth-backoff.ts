/** Failure backoff tuning; the defaults suit a device a handful of people use from the field. */
export interface BackoffOptions {
  /**
   * Wrong attempts a client gets before it is slowed down.
   * @default 5
   */
  freeFailures?: number;
  /**
   * First block length once the free attempts are used up; doubles with each further failure.
   * @default 1 s
   */
  baseDelayMs?: number;
  /**
   * Longest block.
   * @default 5 min
   */
  maxDelayMs?: number;
  /**
   * A client with no failure for this long starts fresh.
   * @default 15 min
   */
  forgetAfterMs?: number;
  /**
   * Clients remembered at once; the least recently failing is forgotten first.
   * @default 256
   */
  maxClients?: number;
  /**
   * Monotonic clock in ms (tests pass a fake).
   * @default `performance.now`
   */
  now?: () => number;
}

interface ClientRecord {
  failures: number;
  lastFailureAt: number;
  blockedUntil: number;
}

/**
 * Per-client count of wrong passwords with exponential blocking: after `freeFailures` wrong attempts
 * each further one blocks the client for base·2^k (capped). Memory is bounded by an LRU of clients,
 * using a Map's insertion order (a touched client is re-inserted at the end).
 */
export class FailureBackoff {
  readonly #clients = new Map<string, ClientRecord>();
  readonly #free: number;
  readonly #base: number;
  readonly #max: number;
  readonly #forget: number;
  readonly #maxClients: number;
  readonly #now: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.#free = opts.freeFailures ?? 5;
    this.#base = opts.baseDelayMs ?? 1_000;
    this.#max = opts.maxDelayMs ?? 300_000;
    this.#forget = opts.forgetAfterMs ?? 900_000;
    this.#maxClients = opts.maxClients ?? 256;
    this.#now = opts.now ?? (() => performance.now());
    if (!(this.#free >= 1 && this.#base > 0 && this.#max >= this.#base && this.#maxClients >= 1))
      throw new RangeError("backoff options out of range");
  }

  #current(client: string, now: number): ClientRecord | undefined {
    const rec = this.#clients.get(client);
    if (rec && now >= rec.blockedUntil && now - rec.lastFailureAt >= this.#forget) {
      this.#clients.delete(client);
      return undefined;
    }
    return rec;
  }

  /** Milliseconds the client must still wait; 0 when it may try. */
  blockedFor(client: string): number {
    const now = this.#now();
    const rec = this.#current(client, now);
    return rec ? Math.max(0, rec.blockedUntil - now) : 0;
  }

  /** Counts a wrong attempt; returns the block it starts in ms (0 while free attempts remain). */
  recordFailure(client: string): number {
    const now = this.#now();
    const rec = this.#current(client, now) ?? { failures: 0, lastFailureAt: now, blockedUntil: 0 };
    rec.failures += 1;
    rec.lastFailureAt = now;
    const over = rec.failures - this.#free;
    const delay = over < 0 ? 0 : Math.min(this.#max, this.#base * 2 ** Math.min(over, 30));
    rec.blockedUntil = delay > 0 ? now + delay : 0;
    this.#clients.delete(client);
    this.#clients.set(client, rec);
    while (this.#clients.size > this.#maxClients) {
      const oldest = this.#clients.keys().next().value as string;
      this.#clients.delete(oldest);
    }
    return delay;
  }

  /** A correct password wipes the client's record. */
  recordSuccess(client: string): void {
    this.#clients.delete(client);
  }

  /** Failures currently counted for a client (0 when unknown or forgotten). */
  failures(client: string): number {
    return this.#current(client, this.#now())?.failures ?? 0;
  }

  get size(): number {
    return this.#clients.size;
  }
}
