import { existsSync } from "node:fs";
import { DISPLAY_NAMES, type DisplayName } from "./sink.js";
import { I2C_ADDRESS_MAX, I2C_ADDRESS_MIN, type OledController } from "./ssd1306.js";
import { MAX_LEDS, parseSpiDevice } from "./ws2812.js";

/** Which displays run and how each is reached; checked once, before anything is opened. */
export interface DisplaySettings {
  displays: DisplayName[];
  oled: { bus: number; address: number; controller: OledController };
  strip: { device: string; leds: number; brightness: number };
  /** The console to draw on: a device path (/dev/tty1 for the board's HDMI console). */
  tty: { device: string };
}

export const DISPLAY_DEFAULTS = {
  /** @default none */
  display: [] as DisplayName[],
  /** @default 1, the Raspberry Pi header's I2C */
  oledBus: 1,
  /** @default 0x3c, the usual address of 128×64 modules (0x3d with the address jumper moved) */
  oledAddress: 0x3c,
  /** @default "ssd1306" */
  oledController: "ssd1306" as OledController,
  /** @default "/dev/spidev0.0", MOSI on header pin 19 */
  stripSpi: "/dev/spidev0.0",
  /** @default 64 of 255: a quarter of full power, about 15 mA per LED at white */
  stripBrightness: 64,
  /** @default "/dev/tty", the terminal the device was started from */
  ttyDevice: "/dev/tty",
} as const;

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** "oled,ws2812" → the display names, each once; "" or "none" → none. The reason names no flag. */
export function parseDisplayList(raw: string): Checked<DisplayName[]> {
  const names = raw
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "" && s !== "none");
  for (const n of names)
    if (!(DISPLAY_NAMES as readonly string[]).includes(n))
      return {
        ok: false,
        reason: `"${n}" is not a display (${DISPLAY_NAMES.join(", ")}; several with commas)`,
      };
  const displays = [...new Set(names)] as DisplayName[];
  if (displays.length !== names.length) return { ok: false, reason: `"${raw}" names a display twice` };
  return { ok: true, value: displays };
}

/** "0x3c" or "60" → a 7-bit device address in 0x03–0x77 (the I2C spec reserves the rest). */
export function parseI2cAddress(raw: string): Checked<number> {
  const t = raw.trim();
  const n = /^0x[0-9a-f]{1,2}$/i.test(t) || /^\d{1,3}$/.test(t) ? Number(t) : Number.NaN;
  return n >= I2C_ADDRESS_MIN && n <= I2C_ADDRESS_MAX
    ? { ok: true, value: n }
    : { ok: false, reason: `"${raw}" is not a 7-bit I2C device address (0x03-0x77, e.g. 0x3c)` };
}

/** "/dev/spidev0.0"-shaped, or the reason it is not. */
export function checkSpiPath(raw: string): string | undefined {
  return parseSpiDevice(raw) ? undefined : `"${raw}" is not an SPI device path like /dev/spidev0.0`;
}

/** The display values once each has passed its own check (the CLI's flag types do that). */
export interface DisplayValues {
  displays: DisplayName[];
  oledBus: number;
  oledAddress: number;
  oledController: OledController;
  stripSpi: string;
  /** Required with ws2812: there is no sensible default length. */
  stripLeds: number | undefined;
  stripBrightness: number;
  ttyDevice: string;
}

/**
 * The checks that involve more than one value or the file system: the strip needs its LED count
 * and an SPI device that exists, the console a device that exists. Nothing is opened here, so
 * the CLI can refuse with one line (exit 2) before any display is touched.
 */
export function checkDisplaySettings(
  v: DisplayValues,
  exists: (path: string) => boolean = existsSync,
): { ok: true; settings: DisplaySettings } | { ok: false; message: string } {
  const fail = (message: string) => ({ ok: false as const, message });
  if (v.displays.includes("ws2812")) {
    if (v.stripLeds === undefined)
      return fail(`--strip-leds: give the number of LEDs on the strip (1-${MAX_LEDS})`);
    const why = checkSpiPath(v.stripSpi);
    if (why) return fail(`--strip-spi: ${why}`);
    if (!exists(v.stripSpi))
      return fail(
        `--strip-spi: ${v.stripSpi} does not exist (enable SPI: dtparam=spi=on in /boot/firmware/config.txt)`,
      );
  }
  if (v.displays.includes("tty") && !exists(v.ttyDevice))
    return fail(`--tty-device: ${v.ttyDevice} does not exist`);
  return {
    ok: true,
    settings: {
      displays: v.displays,
      oled: { bus: v.oledBus, address: v.oledAddress, controller: v.oledController },
      strip: { device: v.stripSpi, leds: v.stripLeds ?? 0, brightness: v.stripBrightness },
      tty: { device: v.ttyDevice },
    },
  };
}
