import type { Zone } from "../winch/receiver.js";
import type { DisplayContent } from "./content.js";
import type { Rgb } from "./ws2812.js";

/**
 * What the LED strip shows. The whole strip takes the zone's colour; inside the band one LED, white,
 * marks where the IAS sits between v_min (first LED) and v_max (last LED). The colours are from the
 * Okabe–Ito palette (blue / bluish green / vermillion), told apart with every common colour-vision
 * deficiency. Stale: the strip blinks neutral white, slowly, with no marker and no zone colour (both
 * would be an old reading). No signal, the aircraft and the start screen: dark.
 */

export const ZONE_RGB: Record<Zone, Rgb> = {
  below: [0, 114, 178],
  inside: [0, 158, 115],
  above: [213, 94, 0],
};
export const MARKER_RGB: Rgb = [255, 255, 255];
export const STALE_RGB: Rgb = [160, 160, 160];
/** Stale blink: 1 s on, 1 s off — slow enough not to read as urgent, unlike a live zone change. */
export const STALE_BLINK_MS = 1000;
/** The zone colour is dimmer than the marker so the marker stands out. */
const ZONE_LEVEL = 0.5;

/** Where the IAS marker goes, 0 … leds − 1, or null outside the band. */
export function markerIndex(
  ias: number,
  band: { v_min: number; v_max: number },
  leds: number,
): number | null {
  if (ias < band.v_min || ias > band.v_max) return null;
  const span = band.v_max - band.v_min;
  const f = span > 0 ? (ias - band.v_min) / span : 0.5;
  return Math.min(leds - 1, Math.max(0, Math.round(f * (leds - 1))));
}

function scaled(c: Rgb, level: number, cap: number): [number, number, number] {
  const k = (level * cap) / 255;
  return [Math.round(c[0] * k), Math.round(c[1] * k), Math.round(c[2] * k)];
}

/**
 * Colours for `leds` LEDs, 3 bytes each (R G B). `brightness` caps every channel (0–255): a WS2812
 * draws up to 60 mA at full white, so an uncapped strip can overload a board's 5 V rail.
 */
export function stripColours(
  content: DisplayContent,
  leds: number,
  brightness: number,
  t_ms: number,
): Uint8Array {
  const out = new Uint8Array(leds * 3);
  const fill = (c: readonly number[]) => {
    for (let i = 0; i < leds; i++) out.set(c, i * 3);
  };
  // Dark when there is nothing to launch by: no link, or a speed that is not a launch figure (off the
  // cable, or unverified) — a zone colour then would be read as one.
  if (content.kind !== "winch" || content.link === "no_signal" || content.link === "held") return out;
  if (content.link === "stale") {
    if (Math.floor(t_ms / STALE_BLINK_MS) % 2 === 0) fill(scaled(STALE_RGB, ZONE_LEVEL, brightness));
    return out;
  }
  fill(scaled(ZONE_RGB[content.zone], ZONE_LEVEL, brightness));
  const m = markerIndex(content.ias, content.band, leds);
  if (m !== null) out.set(scaled(MARKER_RGB, 1, brightness), m * 3);
  return out;
}

/** The start-up test pattern: every LED red, green, blue, white, then dark — one wiring check per step. */
export const TEST_PATTERN: readonly Rgb[] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 255],
];
export const TEST_STEP_MS = 300;

export function testPatternColours(step: number, leds: number, brightness: number): Uint8Array {
  const out = new Uint8Array(leds * 3);
  const c = TEST_PATTERN[step];
  if (c) for (let i = 0; i < leds; i++) out.set(scaled(c, 1, brightness), i * 3);
  return out;
}
