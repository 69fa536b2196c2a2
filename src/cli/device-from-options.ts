import { registerDeviceApi } from "../api/device-api.js";
import type { Logger } from "../core/logger.js";
import { Device } from "../device/device.js";
import type { Mode } from "../device/identity.js";
import { espStyleStream, isJournalStream, journalStream } from "../device/log-text.js";
import { createDeviceLogger } from "../device/logger.js";
import type { RuntimeEnvironment } from "../device/runtime.js";
import { mqttSettingsFromFlags } from "../mqtt/flags.js";
import type { RadioLink } from "../radio/link.js";
import { SimMedium } from "../radio/sim-link.js";
import { openSx1262Link } from "../radio/sx1262/config.js";
import type { OpenSx1262Hal } from "../radio/sx1262/hal.js";
import { UdpRadioLink } from "../radio/udp-link.js";
import { loadReplayFile, ReplayParseError } from "../sensors/replay-source.js";
import type { RadioOptions, StartOptions } from "./options.js";
import { flagName, UsageError } from "./read-flags.js";

/** Aircraft in the air, winch on the field: the distance the sim radio's level model works with. */
export const AIRCRAFT_POSITION = [0, 900, 250] as const;
export const WINCH_POSITION = [0, 0, 2] as const;

/** What a test puts behind the seams the real hardware sits behind. */
export interface StartHooks {
  /**
   * The SX1262's SPI/GPIO (a chip model in tests).
   * @default the Linux devices from the options
   */
  openSx1262Hal?: OpenSx1262Hal;
  /**
   * Told when an in-place restart begins and ends (systemd's RELOADING=1/READY=1).
   * @default none
   */
  onRestart?: (phase: "begin" | "end") => void;
  /**
   * Listening sockets handed over by systemd (LISTEN_FDS), taken instead of binding the ports.
   * @default none
   */
  listenFds?: { https: number; http: number } | undefined;
}

/**
 * The radio factory for one device: UDP to its peers, an SX1262 (started in the background: a fault
 * is reported in /api/status, never fatal), or a simulated medium it shares with nobody.
 */
export function radioFactory(
  radio: RadioOptions,
  logger: Logger,
  medium?: SimMedium,
  hooks: StartHooks = {},
): (mode: Mode) => RadioLink | Promise<RadioLink> {
  if (radio.kind === "udp")
    return () =>
      UdpRadioLink.open({ bind: radio.bind, peers: radio.peers, accept_any: radio.accept_any, logger });
  if (radio.kind === "sx1262") {
    const { openSx1262Hal } = hooks;
    return () =>
      openSx1262Link(radio.config, { logger, ...(openSx1262Hal ? { openHal: openSx1262Hal } : {}) });
  }
  const air = medium ?? new SimMedium();
  // The channel is retuned by RadioService from the stored settings as soon as it starts.
  return (mode) =>
    air.attach(mode === "aircraft" ? AIRCRAFT_POSITION : WINCH_POSITION, {
      frequency_hz: 869_525_000,
      modem: "gfsk",
    });
}

/** A replay file is read up front so that a bad one is a start-up error with its line number. */
async function checkSensor(opts: StartOptions): Promise<void> {
  if (opts.sensor.kind !== "replay") return;
  try {
    await loadReplayFile(opts.sensor.path);
  } catch (err) {
    if (err instanceof ReplayParseError) throw new UsageError(`--replay: ${err.message}`);
    throw new UsageError(
      `--replay: cannot read ${opts.sensor.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** Builds and starts a device from parsed `owts start` options; logs go to stderr (ESP-IDF style, or journald's). */
export async function startDeviceFromOptions(opts: StartOptions, hooks: StartHooks = {}): Promise<Device> {
  const { onRestart, listenFds } = hooks;
  await checkSensor(opts);
  const mqtt = await mqttSettingsFromFlags(opts.mqtt);
  if (!mqtt.ok) throw new UsageError(mqtt.line);
  const { logger, ring } = createDeviceLogger({
    level: opts.logLevel,
    // Under systemd, journald gets priorities and keeps its own timestamps; a terminal gets the ESP form.
    destination: isJournalStream(process.env)
      ? journalStream(process.stderr)
      : espStyleStream(process.stderr),
  });
  const runtime: Omit<RuntimeEnvironment, "store" | "logger"> = {
    radioLink: radioFactory(opts.radio, logger, undefined, hooks),
    sensor: opts.sensor,
    baro: opts.baro,
  };
  // Field by field: a new flag reaches the device only where it is handed over on purpose.
  return Device.start({
    mode: opts.mode,
    espId: opts.espId,
    dataDir: opts.dataDir,
    httpsPort: opts.httpsPort,
    httpPort: opts.httpPort,
    listen: opts.listen,
    maxSockets: opts.maxSockets,
    mdns: opts.mdns,
    mdnsInterface: opts.mdnsInterface,
    sans: opts.sans,
    caDir: opts.caDir,
    keyType: opts.keyType,
    logger,
    ring,
    runtime,
    displays: opts.displays,
    registerApi: registerDeviceApi,
    portFlags: { https: flagName("https-port"), http: flagName("http-port") },
    mqtt: mqtt.patch,
    ...(onRestart ? { onRestart } : {}),
    listenFds,
  });
}
