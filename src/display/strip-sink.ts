import type { DisplaySink } from "./sink.js";
import { stripColours, TEST_PATTERN, TEST_STEP_MS, testPatternColours } from "./strip-layout.js";
import { encodeWs2812, MAX_LEDS, type SpiWriter } from "./ws2812.js";

export interface StripSinkOptions {
  /** Opens the SPI device (the real one: `() => openSpiWriter("/dev/spidev0.0")`). */
  openWriter: () => Promise<SpiWriter>;
  /** LEDs on the strip, 1–300. */
  leds: number;
  /** Cap on every colour channel, 1–255. @default 64 */
  brightness?: number;
}

/** The WS2812 strip as a display: the test pattern right after opening, then the content. */
export function stripSink(opts: StripSinkOptions): DisplaySink {
  const { leds } = opts;
  const brightness = opts.brightness ?? 64;
  if (!Number.isInteger(leds) || leds < 1 || leds > MAX_LEDS)
    throw new RangeError(`strip LED count must be 1–${MAX_LEDS}, got ${String(leds)}`);
  if (!Number.isInteger(brightness) || brightness < 1 || brightness > 255)
    throw new RangeError(`strip brightness must be 1–255, got ${String(brightness)}`);
  let writer: SpiWriter | undefined;
  let openedAt: number | undefined;
  let last: Buffer | null = null;
  return {
    name: "ws2812",
    async open() {
      if (writer) return;
      writer = await opts.openWriter();
      openedAt = undefined;
      last = null;
    },
    async show(content, now) {
      if (!writer) throw new Error("strip is not open");
      openedAt ??= now;
      const step = Math.floor((now - openedAt) / TEST_STEP_MS);
      const rgb =
        step < TEST_PATTERN.length
          ? testPatternColours(step, leds, brightness)
          : stripColours(content, leds, brightness, now);
      const bytes = encodeWs2812(rgb);
      if (last?.equals(bytes)) return;
      await writer.write(bytes);
      last = bytes;
    },
    async close() {
      const w = writer;
      writer = undefined;
      last = null;
      if (!w) return;
      try {
        // Dark on the way out: a strip keeps its last colours as long as it has power.
        await w.write(encodeWs2812(new Uint8Array(leds * 3))).catch(() => {});
      } finally {
        await w.close();
      }
    },
  };
}
