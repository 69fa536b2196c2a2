/**
 * Small deterministic randomness for the simulator. We avoid Math.random so a seed reproduces a
 * flight exactly, and we hash (seed, stream, index) instead of stepping one generator so a value
 * depends only on simulated time, not on how often or when the caller happened to read.
 */

/** A 32-bit integer mixer (the finaliser of MurmurHash3): small input changes flip about half the bits. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of three integers to a uint32. */
export function hash3(a: number, b: number, c: number): number {
  let h = fmix32((a ^ 0x9e3779b9) >>> 0);
  h = fmix32((h ^ Math.imul(b | 0, 0x27d4eb2d)) >>> 0);
  return fmix32((h ^ Math.imul(c | 0, 0x165667b1)) >>> 0);
}

/** Uniform in [-1, 1) for a (seed, stream, index) triple. */
export function hashUnit(seed: number, stream: number, index: number): number {
  return (hash3(seed, stream, index) / 0x1_0000_0000) * 2 - 1;
}

/**
 * Smooth value noise in [-1, 1]: random values at knots every `knotMs`, blended with a smoothstep so
 * the signal is continuous. A pure function of time, so gusts do not depend on the read rate.
 */
export function valueNoise(seed: number, stream: number, tMs: number, knotMs: number): number {
  const x = tMs / knotMs;
  const i = Math.floor(x);
  const f = x - i;
  const s = f * f * (3 - 2 * f);
  const a = hashUnit(seed, stream, i);
  const b = hashUnit(seed, stream, i + 1);
  return a + (b - a) * s;
}
