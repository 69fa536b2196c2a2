/**
 * Link budget for the simulated radio: log-distance path loss anchored at the free-space loss at 1 m,
 * and thermal noise over the receiver bandwidth. With exponent 2 this is free space; 2.7–3.5 suits a
 * glider low over an airfield with people, cars and hangars in the way.
 */

/** Free-space path loss in dB (Friis): 20·log10(d) + 20·log10(f) − 147.55, d in m, f in Hz. */
export function freeSpacePathLossDb(distance_m: number, frequency_hz: number): number {
  return 20 * Math.log10(Math.max(distance_m, 1e-3)) + 20 * Math.log10(frequency_hz) - 147.55;
}

/** Log-distance path loss: FSPL(1 m) + 10·n·log10(d / 1 m); distances under 1 m count as 1 m. */
export function logDistancePathLossDb(distance_m: number, frequency_hz: number, exponent: number): number {
  const d = Math.max(distance_m, 1);
  return freeSpacePathLossDb(1, frequency_hz) + 10 * exponent * Math.log10(d);
}

/** Receiver noise floor in dBm: −174 dBm/Hz + 10·log10(bandwidth) + noise figure. */
export function noiseFloorDbm(bandwidth_hz: number, noise_figure_db: number): number {
  return -174 + 10 * Math.log10(bandwidth_hz) + noise_figure_db;
}
