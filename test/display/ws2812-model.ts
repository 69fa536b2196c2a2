import type { SpiWriter } from "../../src/display/ws2812.js";

/**
 * A WS2812 strip on SPI MOSI, from the datasheet: the line is sampled in 417 ns slots (2.4 MHz);
 * a high pulse of one slot is a 0, of two slots a 1, and the pulse must be followed by a low slot.
 * Each LED takes the first 24 bits it sees (GRB, MSB first) and passes the rest on; a low line for
 * the reset time (WS2812B V5: ≥ 280 µs, i.e. at least 84 zero bytes at 2.4 MHz) latches what was sent.
 */
export interface DecodedFrame {
  /** R G B per LED. */
  rgb: Uint8Array;
  /** Zero bytes after the last pulse. */
  resetBytes: number;
}

/** Decodes one SPI transfer; throws on a pulse the WS2812 would misread. */
export function decodeWs2812(bytes: Uint8Array): DecodedFrame {
  const bits: number[] = [];
  for (const b of bytes) for (let k = 7; k >= 0; k--) bits.push((b >> k) & 1);
  const lastHigh = bits.lastIndexOf(1);
  const resetBits = bits.length - 1 - lastHigh;
  const symbols = Math.ceil((lastHigh + 1) / 3);
  const data: number[] = [];
  for (let s = 0; s < symbols; s++) {
    const sym = bits.slice(s * 3, s * 3 + 3).join("");
    if (sym === "100") data.push(0);
    else if (sym === "110") data.push(1);
    else throw new Error(`bad WS2812 symbol ${sym} at bit ${s}`);
  }
  if (data.length % 24 !== 0) throw new Error(`${data.length} data bits is not a whole number of LEDs`);
  const rgb = new Uint8Array((data.length / 24) * 3);
  for (let led = 0; led < data.length / 24; led++) {
    const byte = (k: number) =>
      data.slice(led * 24 + k * 8, led * 24 + k * 8 + 8).reduce((a, b) => (a << 1) | b, 0);
    rgb[led * 3] = byte(1);
    rgb[led * 3 + 1] = byte(0);
    rgb[led * 3 + 2] = byte(2);
  }
  return { rgb, resetBytes: Math.floor(resetBits / 8) };
}

/** The strip on the end of the SPI bus: records every transfer and what the LEDs latch. */
export class Ws2812StripModel implements SpiWriter {
  readonly transfers: Buffer[] = [];
  /** What the LEDs show (R G B per LED), after the last latched transfer. */
  shown: Uint8Array;
  /** Transfers the LEDs would misread (bad pulse, short reset); a correct driver leaves this empty. */
  readonly problems: string[] = [];
  fail: string | null = null;
  closed = false;

  constructor(readonly leds: number) {
    this.shown = new Uint8Array(leds * 3);
  }

  async write(bytes: Buffer): Promise<void> {
    if (this.closed) throw new Error("SPI device closed");
    if (this.fail) throw new Error(this.fail);
    this.transfers.push(Buffer.from(bytes));
    let f: DecodedFrame;
    try {
      f = decodeWs2812(bytes);
    } catch (err) {
      this.problems.push((err as Error).message);
      return;
    }
    if (f.resetBytes < 84) {
      this.problems.push(`reset low time too short: ${f.resetBytes} bytes`);
      return;
    }
    // LEDs beyond the data keep their colours; data beyond the strip falls off its end.
    this.shown.set(f.rgb.subarray(0, this.leds * 3));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  led(i: number): [number, number, number] {
    return [this.shown[i * 3]!, this.shown[i * 3 + 1]!, this.shown[i * 3 + 2]!];
  }
}
