import { getHeapStatistics } from "node:v8";
import type { Logger } from "../core/logger.js";
import type { MemoryReading, MemorySampler, MemorySnapshot } from "../core/memory.js";

export type { MemoryReading, MemorySnapshot } from "../core/memory.js";

export interface MemoryMonitorOptions {
  logger: Logger;
  /**
   * Period of the "memory:" log line; 0 turns it off.
   * @default 60 s
   */
  logIntervalMs?: number;
  /**
   * Period of silent sampling that keeps the minimum honest between log lines (0 = off).
   * @default 5 s
   */
  sampleIntervalMs?: number;
  /**
   * Where readings come from; the default asks V8 and the process.
   * @default readProcessMemory (V8 heap and process figures)
   */
  read?: () => MemoryReading;
}

export function readProcessMemory(): MemoryReading {
  const h = getHeapStatistics();
  return {
    // total_available_size already accounts for what V8 has reserved but not used, and for the
    // limit, so it is the closest analogue of the ESP's "free heap".
    heap_free: h.total_available_size,
    heap_used: h.used_heap_size,
    heap_limit: h.heap_size_limit,
    rss: process.memoryUsage.rss(),
  };
}

const MiB = 1024 * 1024;

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

function interval(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be >= 0 ms, got ${value}`);
  return value;
}

/**
 * The Node analogue of the ESP's "heap free / minimum free since start": samples memory, remembers
 * the low-water mark, and logs one plain line periodically and whenever something asks (e.g. next
 * to a resource error). Its timers never keep the process alive.
 */
export class MemoryMonitor implements MemorySampler {
  readonly #log: Logger;
  readonly #read: () => MemoryReading;
  readonly #logIntervalMs: number;
  readonly #sampleIntervalMs: number;
  #last: MemoryReading;
  #heapFreeMin: number;
  #rssMax: number;
  #timers: NodeJS.Timeout[] = [];

  constructor(opts: MemoryMonitorOptions) {
    this.#log = opts.logger.child({ tag: "memory" });
    this.#read = opts.read ?? readProcessMemory;
    this.#logIntervalMs = interval("logIntervalMs", opts.logIntervalMs ?? 60_000);
    this.#sampleIntervalMs = interval("sampleIntervalMs", opts.sampleIntervalMs ?? 5_000);
    this.#last = this.#read();
    this.#heapFreeMin = this.#last.heap_free;
    this.#rssMax = this.#last.rss;
  }

  /** Takes a reading now and folds it into the minimum/maximum. */
  sample(): MemorySnapshot {
    const r = this.#read();
    this.#last = r;
    if (r.heap_free < this.#heapFreeMin) this.#heapFreeMin = r.heap_free;
    if (r.rss > this.#rssMax) this.#rssMax = r.rss;
    return this.snapshot();
  }

  /** The latest reading with the extremes since start (no new reading; call sample() for that). */
  snapshot(): MemorySnapshot {
    return { ...this.#last, heap_free_min: this.#heapFreeMin, rss_max: this.#rssMax };
  }

  /** Samples and logs one line; `reason` says why (e.g. "periodic", "TLS out of resources"). */
  logNow(reason: string): MemorySnapshot {
    const s = this.sample();
    this.#log.info(
      { reason, ...s },
      `memory (${reason}): heap free ${mib(s.heap_free)}, minimum free since start ${mib(s.heap_free_min)}, ` +
        `heap used ${mib(s.heap_used)} of ${mib(s.heap_limit)}, RSS ${mib(s.rss)}`,
    );
    return s;
  }

  /** Starts periodic sampling and logging. Idempotent. */
  start(): this {
    if (this.#timers.length > 0) return this;
    if (this.#sampleIntervalMs > 0)
      this.#timers.push(setInterval(() => this.sample(), this.#sampleIntervalMs));
    if (this.#logIntervalMs > 0)
      this.#timers.push(setInterval(() => this.logNow("periodic"), this.#logIntervalMs));
    for (const t of this.#timers) t.unref();
    return this;
  }

  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }
}
