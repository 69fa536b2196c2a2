/**
 * The shape of the device's memory figures. The monitor that takes them lives in `src/device/`;
 * lower layers (the TLS diagnostics log memory next to resource failures) only see this seam.
 */

/** One reading of the process's memory, bytes. */
export interface MemoryReading {
  /** Bytes the JS heap can still grow by before V8 gives up (V8's `total_available_size`). */
  heap_free: number;
  heap_used: number;
  /** The JS heap's hard limit (`heap_size_limit`, set by --max-old-space-size). */
  heap_limit: number;
  /** Resident set size: everything, including OpenSSL's TLS buffers, which live outside the JS heap. */
  rss: number;
}

export interface MemorySnapshot extends MemoryReading {
  /** Lowest `heap_free` seen by any sample since start: the device's "minimum free heap". */
  heap_free_min: number;
  /** Highest RSS seen by any sample since start. */
  rss_max: number;
}

/** Takes a reading now (and updates the low-water marks). */
export interface MemorySampler {
  sample(): MemorySnapshot;
}
