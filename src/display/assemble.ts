import { createWriteStream, type WriteStream } from "node:fs";
import type { AircraftSnapshot } from "../aircraft/aircraft-state.js";
import type { TransmitStatus } from "../aircraft/transmitter.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { WinchSnapshot } from "../winch/receiver.js";
import {
  aircraftContentSource,
  type DisplayContent,
  fingerprintHead,
  winchContentSource,
  withStartScreen,
} from "./content.js";
import { oledSink } from "./oled-sink.js";
import { createDisplayRunner, type DisplayRunner } from "./runner.js";
import type { DisplaySettings } from "./settings.js";
import type { DisplaySink } from "./sink.js";
import { createOled, type I2cWriteBus } from "./ssd1306.js";
import { stripSink } from "./strip-sink.js";
import { type TextOut, ttySink } from "./tty.js";
import { openSpiWriter, type SpiWriter } from "./ws2812.js";

/** The About screen stays up this long after start. @default 8000 ms */
export const START_SCREEN_MS = 8000;

/** The state the displays read: the same objects the API's routes read. */
export type DisplayedState =
  | { mode: "winch"; receiver: { snapshot(): WinchSnapshot } }
  | {
      mode: "aircraft";
      aircraft: { snapshot(): AircraftSnapshot; phaseSettings?: { landing_hold_time_s: number } };
      transmitter?: { status(): TransmitStatus };
    };

export interface DisplayAssembly {
  settings: DisplaySettings;
  /**
   * The running state, asked at every update: an in-place restart or a mode switch brings a new
   * receiver or aircraft state, and the displays follow it.
   */
  state: () => DisplayedState | null;
  /** The unit's host name, asked when shown (a mode switch changes it). */
  hostname: () => string;
  /** The address the device serves on, asked at each update (it may change with Wi-Fi). */
  address: () => string | null;
  /** SHA-256 of the HTTPS certificate, colon-separated hex. */
  fingerprint: () => string;
  clock: Clock;
  logger?: Logger;
  /** Hardware openers; the defaults load `i2c-bus` / `spi-device` and open the console device. */
  openI2c?: (bus: number) => Promise<I2cWriteBus>;
  openSpi?: (device: string) => Promise<SpiWriter>;
  openTty?: (device: string) => Promise<TextOut & { end?: () => void }>;
}

async function openConsole(device: string): Promise<WriteStream> {
  const out = createWriteStream(device, { flags: "w" });
  await new Promise<void>((resolve, reject) => {
    out.once("open", () => resolve());
    out.once("error", reject);
  });
  return out;
}

/** Builds the runner for the configured displays, or null when none is asked for. Opens nothing yet. */
export function assembleDisplays(a: DisplayAssembly): DisplayRunner | null {
  const { settings } = a;
  if (settings.displays.length === 0) return null;
  const sinks: DisplaySink[] = settings.displays.map((name) => {
    if (name === "oled")
      return oledSink(
        createOled({
          bus: settings.oled.bus,
          address: settings.oled.address,
          controller: settings.oled.controller,
          ...(a.openI2c ? { openBus: a.openI2c } : {}),
        }),
      );
    if (name === "ws2812") {
      const open = a.openSpi ?? openSpiWriter;
      return stripSink({
        leds: settings.strip.leds,
        brightness: settings.strip.brightness,
        openWriter: () => open(settings.strip.device),
      });
    }
    const open = a.openTty ?? openConsole;
    return ttySink({
      openOut: () => open(settings.tty.device),
      closeOut: async (out) => (out as { end?: () => void }).end?.(),
    });
  });
  let shownState: DisplayedState | undefined;
  let source: () => DisplayContent = () => {
    throw new Error("no state yet");
  };
  const live = (): DisplayContent => {
    const st = a.state();
    // No runtime (a restart is swapping it, or the device runs its web side only): nothing is current.
    if (!st) return { kind: "winch", link: "no_signal", hostname: a.hostname(), address: a.address() };
    if (st !== shownState) {
      shownState = st;
      source =
        st.mode === "winch"
          ? winchContentSource({
              receiver: st.receiver,
              hostname: a.hostname(),
              address: a.address,
              clock: a.clock,
            })
          : aircraftContentSource({
              aircraft: st.aircraft,
              ...(st.transmitter ? { transmitter: st.transmitter } : {}),
            });
    }
    return source();
  };
  const withStart = withStartScreen(
    { kind: "start", hostname: "", address: null, fingerprint: "" },
    START_SCREEN_MS,
    live,
    a.clock,
  );
  const content = (): DisplayContent => {
    const c = withStart();
    if (c.kind !== "start") return c;
    // The address and certificate are read when shown: both can change while the unit starts.
    return {
      kind: "start",
      hostname: a.hostname(),
      address: a.address(),
      fingerprint: fingerprintHead(a.fingerprint()),
    };
  };
  return createDisplayRunner({
    sinks,
    content,
    clock: a.clock,
    ...(a.logger ? { logger: a.logger } : {}),
  });
}
