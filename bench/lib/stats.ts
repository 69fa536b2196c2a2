/** Latency samples in milliseconds; exact percentiles (runs are bounded, so every sample is kept). */
export class Histogram {
  #samples: number[] = [];
  #sorted = true;

  add(ms: number): void {
    this.#samples.push(ms);
    this.#sorted = false;
  }

  merge(other: Histogram): void {
    for (const v of other.values()) this.add(v);
  }

  get count(): number {
    return this.#samples.length;
  }

  values(): readonly number[] {
    return this.#samples;
  }

  /** Nearest-rank percentile, p in 0..100; NaN when empty. */
  percentile(p: number): number {
    if (this.#samples.length === 0) return Number.NaN;
    if (!this.#sorted) {
      this.#samples.sort((a, b) => a - b);
      this.#sorted = true;
    }
    const rank = Math.ceil((p / 100) * this.#samples.length);
    return this.#samples[Math.min(this.#samples.length - 1, Math.max(0, rank - 1))]!;
  }

  get p50(): number {
    return this.percentile(50);
  }

  get p95(): number {
    return this.percentile(95);
  }

  get p99(): number {
    return this.percentile(99);
  }

  get max(): number {
    return this.percentile(100);
  }

  get mean(): number {
    if (this.#samples.length === 0) return Number.NaN;
    let sum = 0;
    for (const v of this.#samples) sum += v;
    return sum / this.#samples.length;
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** "1.23x" for a ratio, "-" when either side is missing. */
export function ratio(value: number, baseline: number, digits = 2): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return "-";
  return `${(value / baseline).toFixed(digits)}x`;
}

export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "-";
}

export function kib(bytes: number, digits = 1): string {
  return Number.isFinite(bytes) ? (bytes / 1024).toFixed(digits) : "-";
}

export function mib(bytes: number, digits = 1): string {
  return Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(digits) : "-";
}
