import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync, inflateSync } from "node:zlib";

/** Where renders go for a person to look at (gitignored). */
export const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), "../../test-artifacts/display");

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A PNG (colour type 2, 8-bit RGB, no interlace) of `rgb` (width × height × 3), each pixel drawn as
 * a `scale` × `scale` block with a one-pixel dark gap so single OLED dots stay visible.
 */
export function encodePng(width: number, height: number, rgb: Uint8Array, scale = 4): Buffer {
  const w = width * scale;
  const h = height * scale;
  const raw = Buffer.alloc(h * (w * 3 + 1));
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < w; x++) {
      const gap = scale > 2 && (x % scale === scale - 1 || y % scale === scale - 1);
      const src = (Math.floor(y / scale) * width + Math.floor(x / scale)) * 3;
      for (let k = 0; k < 3; k++) raw[row + 1 + x * 3 + k] = gap ? 16 : rgb[src + k]!;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Reads back what encodePng wrote (IHDR size and the unfiltered RGB rows); a check on the writer. */
export function decodePng(png: Buffer): { width: number; height: number; rgb: Uint8Array } {
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("ascii", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    const crc = png.readUInt32BE(off + 8 + len);
    if (crc32(png.subarray(off + 4, off + 8 + len)) >>> 0 !== crc) throw new Error(`bad CRC in ${type}`);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    } else if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    rgb.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3);
  return { width, height, rgb };
}

export function greyToRgb(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(grey.length * 3);
  for (let i = 0; i < grey.length; i++) out.fill(grey[i]!, i * 3, i * 3 + 3);
  return out;
}

export function writeArtifact(name: string, png: Buffer): string {
  const path = join(ARTIFACTS, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, png);
  return path;
}
