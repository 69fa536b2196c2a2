/**
 * Sensors: the `IasSource` seam (this file) and its sources — simulator, MS4525DO over I2C, CSV replay.
 * The start of the data flow; may import only `src/core` (a source is told its speeds, it never reads
 * the aircraft's settings itself).
 */
/** One airspeed reading. Sources report metres per second; conversion to the profile's unit happens later. */
/** Real time: the simulator and the replay play one second per second unless told otherwise. */
export const DEFAULT_TIME_SCALE = 1;

export interface IasSample {
  /** Monotonic milliseconds (the source's clock; `performance.now()`-like, or simulated time). */
  t_ms: number;
  /** Indicated airspeed in m/s, never negative. */
  ias_mps: number;
}

/** Health of the airspeed source as shown in `/api/aircraft/live`. */
export interface SensorHealth {
  /** "ok" while readings are fresh and valid. */
  state: "ok" | "stale" | "fault" | "starting";
  /** Plain-words reason when not ok. */
  reason?: string;
  /** Consecutive failed reads. */
  errors: number;
  /** Source kind, e.g. "sim", "ms4525do", "replay". */
  source: string;
}

/** Anything that yields airspeed: the simulator, the real MS4525DO, a replayed CSV. */
export interface IasSource {
  readonly kind: string;
  /** Prepare (e.g. zero-offset calibration). Rejects with a clear error if the source cannot start. */
  start(): Promise<void>;
  /** Take one reading. Never throws for a transient fault: it reports it in `health()` and returns null. */
  read(): Promise<IasSample | null>;
  health(): SensorHealth;
  close(): Promise<void>;
}
