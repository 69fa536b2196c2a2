import { access, constants } from "node:fs/promises";

/**
 * WS2812 / WS2812B LEDs driven from SPI MOSI, without root or DMA: at 2.4 MHz one SPI bit lasts
 * 417 ns, so each WS2812 bit becomes three SPI bits — 1 → `110` (high 833 ns, low 417 ns),
 * 0 → `100` (high 417 ns, low 833 ns) — inside the datasheet's T0H/T1H windows. A pixel is 24 bits,
 * green first (GRB), most significant bit first: 72 SPI bits = 9 bytes. After the last pixel the
 * line stays low for the reset/latch time (≥ 280 µs on the WS2812B V5, 50 µs on older parts):
 * 90 zero bytes = 300 µs.
 */

export const SPI_HZ = 2_400_000;
export const BYTES_PER_LED = 9;
export const RESET_BYTES = 90;
/**
 * Linux spidev sends at most `bufsiz` bytes per transfer (4096 by default): (4096 − 90) / 9 = 445
 * LEDs fit; 300 leaves room and is already a 5 m strip.
 */
export const MAX_LEDS = 300;

/** An RGB colour, each channel 0–255. */
export type Rgb = readonly [number, number, number];

/** Encodes `rgb` (3 bytes per LED, R G B) into the SPI byte stream, reset latch included. */
export function encodeWs2812(rgb: Uint8Array): Buffer {
  if (rgb.length % 3 !== 0)
    throw new RangeError(`colour buffer length must be a multiple of 3, got ${rgb.length}`);
  const leds = rgb.length / 3;
  const out = Buffer.alloc(leds * BYTES_PER_LED + RESET_BYTES);
  let bit = 0;
  const put = (b: number) => {
    if (b) out[bit >> 3]! |= 0x80 >> (bit & 7);
    bit++;
  };
  for (let i = 0; i < leds; i++) {
    const grb = [rgb[i * 3 + 1]!, rgb[i * 3]!, rgb[i * 3 + 2]!];
    for (const byte of grb)
      for (let k = 7; k >= 0; k--) {
        put(1);
        put((byte >> k) & 1);
        put(0);
      }
  }
  return out;
}

/** The slice of `spi-device` we use; the strip model in tests implements it. */
export interface SpiWriter {
  write(bytes: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** "/dev/spidev0.0" → [0, 0]; null when the path is not a spidev node. */
export function parseSpiDevice(path: string): [number, number] | null {
  const m = /^\/dev\/spidev(\d{1,3})\.(\d{1,3})$/.exec(path);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

interface SpiDeviceModule {
  open(
    bus: number,
    device: number,
    options: { mode?: number; maxSpeedHz?: number },
    cb: (err: Error | null) => void,
  ): {
    transfer(
      messages: { sendBuffer: Buffer; byteLength: number; speedHz?: number }[],
      cb: (err: Error | null) => void,
    ): void;
    close(cb: (err: Error | null) => void): void;
  };
}

/** Loads `spi-device` only when a strip is asked for. */
export async function openSpiWriter(path: string): Promise<SpiWriter> {
  const ids = parseSpiDevice(path);
  if (!ids) throw new Error(`strip device must look like /dev/spidevB.C, got ${JSON.stringify(path)}`);
  const pkg = "spi-device";
  let mod: SpiDeviceModule;
  try {
    const m = (await import(pkg)) as SpiDeviceModule & { default?: SpiDeviceModule };
    mod = typeof m.open === "function" ? m : m.default!;
  } catch (err) {
    throw new Error(
      `the ws2812 display needs the optional package spi-device, which is not installed or did not build (${(err as Error).message}); install it with "npm install spi-device" on a Linux board`,
    );
  }
  try {
    await access(path, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw new Error(
      `cannot open ${path}: ${(err as Error).message}; is SPI enabled and is the user in the spi group?`,
    );
  }
  const device = await new Promise<ReturnType<SpiDeviceModule["open"]>>((resolve, reject) => {
    const d = mod.open(ids[0], ids[1], { mode: 0, maxSpeedHz: SPI_HZ }, (err) =>
      err ? reject(err) : resolve(d),
    );
  });
  return {
    write: (bytes) =>
      new Promise((resolve, reject) =>
        device.transfer([{ sendBuffer: bytes, byteLength: bytes.length, speedHz: SPI_HZ }], (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
    close: () => new Promise((resolve, reject) => device.close((err) => (err ? reject(err) : resolve()))),
  };
}
