import { registerDeviceApi } from "../api/device-api.js";
import type { Logger } from "../core/logger.js";
import { Device } from "../device/device.js";
import type { Mode } from "../device/identity.js";
import { espStyleStream } from "../device/log-text.js";
import { createDeviceLogger } from "../device/logger.js";
import type { RuntimeEnvironment } from "../device/runtime.js";
import type { RadioLink } from "../radio/link.js";
import { SimMedium } from "../radio/sim-link.js";
import { UdpRadioLink } from "../radio/udp-link.js";
import { loadReplayFile, ReplayParseError } from "../sensors/replay-source.js";
import type { RadioOptions, StartOptions } from "./options.js";
import { flagName, UsageError } from "./read-flags.js";

/** Aircraft in the air, winch on the field: the distance the sim radio's level model works with. */
export const AIRCRAFT_POSITION = [0, 900, 250] as const;
export const WINCH_POSITION = [0, 0, 2] as const;

/** The radio factory for one device: UDP to its peers, or a simulated medium it shares with nobody. */
export function radioFactory(
  radio: RadioOptions,
  logger: Logger,
  medium?: SimMedium,
): (mode: Mode) => RadioLink | Promise<RadioLink> {
  if (radio.kind === "udp")
    return () =>
      UdpRadioLink.open({ bind: radio.bind, peers: radio.peers, accept_any: radio.accept_any, logger });
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

/** Builds and starts a device from parsed `owts start` options; logs go to stderr in ESP-IDF style. */
export async function startDeviceFromOptions(opts: StartOptions): Promise<Device> {
  await checkSensor(opts);
  const { logger, ring } = createDeviceLogger({
    level: opts.logLevel,
    destination: espStyleStream(process.stderr),
  });
  const runtime: Omit<RuntimeEnvironment, "store" | "logger"> = {
    radioLink: radioFactory(opts.radio, logger),
    sensor: opts.sensor,
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
    keyType: opts.keyType,
    logger,
    ring,
    runtime,
    registerApi: registerDeviceApi,
    portFlags: { https: flagName("https-port"), http: flagName("http-port") },
  });
}
