/**
 * Transmit duty-cycle accounting, as the firmware does it: each frame's air time goes into the 1 s
 * bucket of its start time; the sum over the last 3600 buckets (the current second and the 3599 before
 * it) is the time used in the sliding hour. Air time is kept in whole microseconds so the running sum
 * stays exact however long the device runs.
 */
export const DUTY_WINDOW_S = 3600;
export const DUTY_BUCKET_MS = 1000;
const WINDOW_MS = DUTY_WINDOW_S * DUTY_BUCKET_MS;

export class DutyCycleMeter {
  private readonly usBySlot = new Float64Array(DUTY_WINDOW_S);
  private totalUs = 0;
  private latestSecond = Number.NEGATIVE_INFINITY;

  /** Adds a transmission that started at `t_ms` (monotonic) and lasted `airtime_ms`. */
  record(t_ms: number, airtime_ms: number): void {
    const second = this.advance(t_ms);
    const us = Math.max(0, Math.round(airtime_ms * 1000));
    const slot = slotOf(second);
    this.usBySlot[slot] = (this.usBySlot[slot] ?? 0) + us;
    this.totalUs += us;
  }

  /** Air time used in the window that ends in the second containing `t_ms`, in ms. */
  usedMs(t_ms: number): number {
    this.advance(t_ms);
    return this.totalUs / 1000;
  }

  /** The same as parts per million of the window (1 % = 10 000 ppm). */
  usedPpm(t_ms: number): number {
    return (this.usedMs(t_ms) / WINDOW_MS) * 1_000_000;
  }

  /** Whether a frame of `airtime_ms` starting at `t_ms` fits under `max_ppm` of the window. */
  allows(t_ms: number, airtime_ms: number, max_ppm: number): boolean {
    const usedUs = this.usedMs(t_ms) * 1000;
    const budgetUs = Math.floor((max_ppm / 1_000_000) * WINDOW_MS * 1000);
    return usedUs + Math.max(0, Math.round(airtime_ms * 1000)) <= budgetUs;
  }

  /** Forgets everything (e.g. a runtime restart: the firmware keeps this in RAM only). */
  reset(): void {
    this.usBySlot.fill(0);
    this.totalUs = 0;
    this.latestSecond = Number.NEGATIVE_INFINITY;
  }

  /** Moves the window to the second of `t_ms`, dropping buckets that fell out. Time never goes back. */
  private advance(t_ms: number): number {
    const second = Math.max(Math.floor(t_ms / DUTY_BUCKET_MS), this.latestSecond);
    if (second > this.latestSecond) {
      const from = Math.max(this.latestSecond + 1, second - DUTY_WINDOW_S + 1);
      for (let s = from; s <= second; s++) {
        const slot = slotOf(s);
        this.totalUs -= this.usBySlot[slot] ?? 0;
        this.usBySlot[slot] = 0;
      }
      if (second - this.latestSecond >= DUTY_WINDOW_S) this.totalUs = 0;
      this.latestSecond = second;
    }
    return second;
  }
}

function slotOf(second: number): number {
  return ((second % DUTY_WINDOW_S) + DUTY_WINDOW_S) % DUTY_WINDOW_S;
}
