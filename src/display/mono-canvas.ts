import { GLYPH_H, GLYPH_W, glyphPixel } from "./font.js";

/**
 * A 1-bit canvas laid out like SSD1306 display RAM: `bytes[page · width + x]`, bit `y mod 8` of
 * page `⌊y / 8⌋`. Drawing here and sending a page is then a plain copy, and comparing two canvases
 * page by page finds what has to go over the bus.
 */
export interface MonoCanvas {
  readonly width: number;
  readonly height: number;
  readonly bytes: Uint8Array;
}

export function createCanvas(width = 128, height = 64): MonoCanvas {
  if (height % 8 !== 0) throw new RangeError(`canvas height must be a multiple of 8, got ${height}`);
  return { width, height, bytes: new Uint8Array((width * height) / 8) };
}

export function getPixel(c: MonoCanvas, x: number, y: number): boolean {
  if (x < 0 || y < 0 || x >= c.width || y >= c.height) return false;
  return ((c.bytes[(y >> 3) * c.width + x]! >> (y & 7)) & 1) === 1;
}

export function setPixel(c: MonoCanvas, x: number, y: number, on = true): void {
  if (x < 0 || y < 0 || x >= c.width || y >= c.height) return;
  const i = (y >> 3) * c.width + x;
  if (on) c.bytes[i]! |= 1 << (y & 7);
  else c.bytes[i]! &= ~(1 << (y & 7));
}

export function fillRect(c: MonoCanvas, x: number, y: number, w: number, h: number, on = true): void {
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) setPixel(c, xx, yy, on);
}

/** Width in pixels of `text` at `scale` (one blank column between glyphs, none after the last). */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_W + 1) - 1) * scale;
}

export function textHeight(scale = 1): number {
  return GLYPH_H * scale;
}

/** Draws `text` with its top-left corner at (x, y); `on: false` draws dark on a lit area. */
export function drawText(c: MonoCanvas, x: number, y: number, text: string, scale = 1, on = true): void {
  let cx = x;
  for (const ch of text) {
    for (let gy = 0; gy < GLYPH_H; gy++)
      for (let gx = 0; gx < GLYPH_W; gx++)
        if (glyphPixel(ch, gx, gy)) fillRect(c, cx + gx * scale, y + gy * scale, scale, scale, on);
    cx += (GLYPH_W + 1) * scale;
  }
}

/** A filled isosceles triangle in the box (x, y, size × size), pointing up or down; `size` odd. */
export function fillTriangle(c: MonoCanvas, x: number, y: number, size: number, up: boolean): void {
  const mid = (size - 1) / 2;
  for (let row = 0; row < size; row++) {
    // Half-width grows by half a pixel per row: apex one pixel wide, base the full box.
    const half = (up ? row : size - 1 - row) / 2;
    for (let col = 0; col < size; col++)
      if (Math.abs(col - mid) <= half + 0.01) setPixel(c, x + col, y + row);
  }
}

/** A filled disc centred in the box (x, y, size × size). */
export function fillDisc(c: MonoCanvas, x: number, y: number, size: number): void {
  const r = size / 2;
  for (let row = 0; row < size; row++)
    for (let col = 0; col < size; col++) {
      const dx = col + 0.5 - r;
      const dy = row + 0.5 - r;
      if (dx * dx + dy * dy <= r * r) setPixel(c, x + col, y + row, true);
    }
}

/** Inverts every pixel of a rectangle (used for the "stale" and "no signal" banners). */
export function invertRect(c: MonoCanvas, x: number, y: number, w: number, h: number): void {
  for (let yy = y; yy < y + h; yy++)
    for (let xx = x; xx < x + w; xx++) setPixel(c, xx, yy, !getPixel(c, xx, yy));
}
