import { existsSync } from "node:fs";
import { DISPLAY_NAMES, type DisplayName } from "./sink.js";
import { I2C_ADDRESS_MAX, I2C_ADDRESS_MIN, OLED_CONTROLLERS, type OledController } from "./ssd1306.js";
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
  display: "",
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

/** The display flags as given (CLI flag or environment value), all strings, all optional. */
export interface DisplayFlags {
  display?: string;
  oledBus?: string;
  oledAddress?: string;
  oledController?: string;
  stripSpi?: string;
  stripLeds?: string;
  stripBrightness?: string;
  ttyDevice?: string;
}

export type DisplaySettingsResult = { ok: true; settings: DisplaySettings } | { ok: false; message: string };

function wholeIn(flag: string, raw: string, min: number, max: number): number | string {
  const t = raw.trim();
  if (!/^\d{1,9}$/.test(t) || Number(t) < min || Number(t) > max)
    return `--${flag}: "${raw}" must be a whole number from ${min} to ${max}`;
  return Number(t);
}

/**
 * Checks the display flags. The first problem comes back as one line naming the flag; nothing is
 * opened here (a strip or console path is only checked to exist), so the CLI can exit 2 first.
 */
export function parseDisplaySettings(
  flags: DisplayFlags,
  exists: (path: string) => boolean = existsSync,
): DisplaySettingsResult {
  const fail = (message: string): DisplaySettingsResult => ({ ok: false, message });
  const names = (flags.display ?? DISPLAY_DEFAULTS.display)
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "" && s !== "none");
  for (const n of names)
    if (!(DISPLAY_NAMES as readonly string[]).includes(n))
      return fail(`--display: "${n}" is not a display (${DISPLAY_NAMES.join(", ")}; several with commas)`);
  const displays = [...new Set(names)] as DisplayName[];
  if (displays.length !== names.length) return fail(`--display: "${flags.display}" names a display twice`);

  const bus = wholeIn("oled-bus", flags.oledBus ?? String(DISPLAY_DEFAULTS.oledBus), 0, 255);
  if (typeof bus === "string") return fail(bus);
  const addrRaw = (flags.oledAddress ?? `0x${DISPLAY_DEFAULTS.oledAddress.toString(16)}`).trim();
  const address = /^0x[0-9a-f]{1,2}$/i.test(addrRaw)
    ? Number(addrRaw)
    : /^\d{1,3}$/.test(addrRaw)
      ? Number(addrRaw)
      : Number.NaN;
  if (!(address >= I2C_ADDRESS_MIN && address <= I2C_ADDRESS_MAX))
    return fail(`--oled-address: "${addrRaw}" is not a 7-bit I2C device address (0x03-0x77, e.g. 0x3c)`);
  const controller = (flags.oledController ?? DISPLAY_DEFAULTS.oledController).trim().toLowerCase();
  if (!(OLED_CONTROLLERS as readonly string[]).includes(controller))
    return fail(`--oled-controller: "${controller}" is not ${OLED_CONTROLLERS.join(" or ")}`);

  const device = (flags.stripSpi ?? DISPLAY_DEFAULTS.stripSpi).trim();
  const brightness = wholeIn(
    "strip-brightness",
    flags.stripBrightness ?? String(DISPLAY_DEFAULTS.stripBrightness),
    1,
    255,
  );
  if (typeof brightness === "string") return fail(brightness);
  let leds = 0;
  if (displays.includes("ws2812")) {
    if (flags.stripLeds === undefined)
      return fail("--strip-leds: give the number of LEDs on the strip (1-300)");
    const n = wholeIn("strip-leds", flags.stripLeds, 1, MAX_LEDS);
    if (typeof n === "string") return fail(n);
    leds = n;
    if (!parseSpiDevice(device))
      return fail(`--strip-spi: "${device}" is not an SPI device path like /dev/spidev0.0`);
    if (!exists(device))
      return fail(
        `--strip-spi: ${device} does not exist (enable SPI: dtparam=spi=on in /boot/firmware/config.txt)`,
      );
  }
  const tty = (flags.ttyDevice ?? DISPLAY_DEFAULTS.ttyDevice).trim();
  if (displays.includes("tty") && !exists(tty)) return fail(`--tty-device: ${tty} does not exist`);
  return {
    ok: true,
    settings: {
      displays,
      oled: { bus, address, controller: controller as OledController },
      strip: { device, leds, brightness },
      tty: { device: tty },
    },
  };
}
