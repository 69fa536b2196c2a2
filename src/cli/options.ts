/**
 * `owts start`: its flags and OWTS_* variables (declared in flags.ts) turned into StartOptions,
 * with the checks that involve more than one flag. Throws UsageError; creates the data directory
 * last, so that a bad flag leaves nothing behind.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Mode } from "../device/identity.js";
import { checkDisplaySettings, type DisplaySettings } from "../display/settings.js";
import { type MqttFlagValues, orphanMqttFlag } from "../mqtt/flags.js";
import { resolveSx1262Config, type Sx1262Config, type Sx1262Input } from "../radio/sx1262/config.js";
import type { BaroSettings } from "../sensors/create-baro-source.js";
import type { IasSourceSettings } from "../sensors/create-source.js";
import type { Endpoint } from "./flag-types.js";
import type { FlagName } from "./flags.js";
import { type FlagValues, readFlags, renderHelp, UsageError } from "./read-flags.js";

export { UsageError };

export interface StartOptions {
  mode: Mode | undefined;
  espId: string | undefined;
  dataDir: string;
  httpsPort: number;
  httpPort: number;
  listen: string;
  maxSockets: number;
  mdns: boolean;
  mdnsInterface: string | undefined;
  sans: string[];
  /** The club CA's directory (`--ca`), checked when the device starts. */
  caDir: string | undefined;
  keyType: "ecdsa" | "rsa";
  logLevel: string;
  radio: RadioOptions;
  sensor: IasSourceSettings;
  /** The static-pressure sensor beside the airspeed (`--baro`). */
  baro: BaroSettings;
  /** The MQTT flags as given; their files are read and checked when the device starts. */
  mqtt: MqttFlagValues;
  displays: DisplaySettings;
}

/** How the device reaches the other unit: an in-process simulated radio, UDP datagrams, or an SX1262. */
export type RadioOptions =
  | { kind: "sim" }
  | { kind: "udp"; bind: Endpoint; peers: Endpoint[]; accept_any: boolean }
  | { kind: "sx1262"; config: Sx1262Config };

/** The SX1262 wiring flags and the field of resolveSx1262Config's input each fills. */
const SX1262_FLAGS = {
  "radio-board": "board",
  "spi-device": "spi_device",
  "gpio-chip": "gpio_chip",
  "pin-reset": "pin_reset",
  "pin-busy": "pin_busy",
  "pin-dio1": "pin_dio1",
  "pin-rxen": "pin_rxen",
  "pin-txen": "pin_txen",
  "pin-cs": "pin_cs",
  tcxo: "tcxo",
  "dio2-rf-switch": "dio2_rf_switch",
  "pa-gain-db": "pa_gain_db",
} as const satisfies Partial<Record<FlagName, keyof Sx1262Input>>;

export const START_HELP = renderHelp("start");

/** Creates the data dir when missing and proves it writable; one clear line when it is not. */
export function prepareDataDir(dir: string): string {
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
    if (!statSync(abs).isDirectory()) throw new Error("not a directory");
    accessSync(abs, constants.W_OK | constants.R_OK | constants.X_OK);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`--data-dir: ${abs} cannot be used as the data directory (${why})`);
  }
  return abs;
}

/**
 * The data directory, first found: --data-dir, OWTS_DATA_DIR, $STATE_DIRECTORY (systemd's
 * `StateDirectory=`, its first entry), the default. A service thus needs no flag, and a flag given
 * on purpose still wins.
 */
export function dataDirOf(
  v: FlagValues<"start">,
  given: ReadonlySet<FlagName>,
  env: NodeJS.ProcessEnv,
): string {
  if (given.has("data-dir")) return v["data-dir"];
  const state = env.STATE_DIRECTORY?.split(":")[0];
  return state ? state : v["data-dir"];
}

/** Reads flags (strict: unknown flags are errors) and OWTS_* variables; throws UsageError. */
export function parseStartOptions(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): { help: true } | ({ help: false } & StartOptions) {
  const read = checkStartFlags(argv, env);
  if (read.help) return { help: true };
  const v = read.values;
  return {
    help: false,
    mode: v.mode,
    espId: v.id,
    httpsPort: v["https-port"],
    httpPort: v["http-port"],
    listen: v.listen,
    maxSockets: v["max-sockets"],
    radio: radioOptions(v, read.given),
    sensor: sensorSettings(v),
    baro: baroSettings(v, read.given),
    displays: displaySettings(v),
    mdns: !v["no-mdns"],
    mdnsInterface: v["mdns-interface"],
    sans: v.san,
    caDir: v.ca,
    keyType: v["key-type"],
    logLevel: v["log-level"],
    mqtt: mqttFlagValues(v, read.given),
    // Last, so that a bad flag elsewhere leaves no directory behind.
    dataDir: prepareDataDir(dataDirOf(v, read.given, env)),
  };
}

/** The MQTT rows of the flags table, for `mqttSettingsFromFlags` (start and demo share them). */
export function mqttFlagValues(
  v: Pick<
    FlagValues<"start">,
    "mqtt" | "mqtt-user" | "mqtt-password-file" | "mqtt-ca" | "mqtt-prefix" | "no-mqtt-discovery"
  >,
  given: ReadonlySet<FlagName>,
): MqttFlagValues {
  return {
    url: v.mqtt,
    user: v["mqtt-user"],
    passwordFile: v["mqtt-password-file"],
    caFile: v["mqtt-ca"],
    // Only when given: the table's default must not count as "a prefix without --mqtt".
    prefix: given.has("mqtt-prefix") ? v["mqtt-prefix"] : undefined,
    noDiscovery: v["no-mqtt-discovery"],
  };
}

/**
 * Every check `owts start` makes of its flags, touching nothing: `owts service install` refuses the
 * start flags it is asked to bake in by the same rules. Throws UsageError.
 */
export function checkStartFlags(
  argv: string[],
  env: NodeJS.ProcessEnv,
): ReturnType<typeof readFlags<"start">> {
  const read = readFlags("start", argv, env);
  if (read.help) return read;
  const v = read.values;
  if (v["https-port"] === v["http-port"] && v["https-port"] !== 0)
    throw new UsageError(`--https-port and --http-port are both ${v["https-port"]}; they must differ`);
  radioOptions(v, read.given);
  sensorSettings(v);
  baroSettings(v, read.given);
  displaySettings(v);
  const orphan = orphanMqttFlag(mqttFlagValues(v, read.given));
  if (orphan) throw new UsageError(orphan);
  return read;
}

function radioOptions(v: FlagValues<"start">, given: ReadonlySet<FlagName>): RadioOptions {
  const wiring = (Object.keys(SX1262_FLAGS) as (keyof typeof SX1262_FLAGS)[]).filter((f) => given.has(f));
  if (v.radio === "sx1262") {
    if (v["radio-accept-any"]) throw new UsageError("--radio-accept-any needs --radio udp");
    const input: Sx1262Input = {};
    for (const f of wiring) input[SX1262_FLAGS[f]] = v[f];
    const r = resolveSx1262Config(input);
    if (!r.ok) throw new UsageError(r.error);
    return { kind: "sx1262", config: r.config };
  }
  if (wiring[0]) throw new UsageError(`--${wiring[0]} needs --radio sx1262`);
  if (v.radio === "sim") {
    if (given.has("radio-bind") || v["radio-peer"].length || v["radio-accept-any"])
      throw new UsageError("--radio-bind/--radio-peer/--radio-accept-any need --radio udp");
    return { kind: "sim" };
  }
  return { kind: "udp", bind: v["radio-bind"], peers: v["radio-peer"], accept_any: v["radio-accept-any"] };
}

function displaySettings(v: FlagValues<"start">): DisplaySettings {
  const r = checkDisplaySettings({
    displays: v.display,
    oledBus: v["oled-bus"],
    oledAddress: v["oled-address"],
    oledController: v["oled-controller"],
    stripSpi: v["strip-spi"],
    stripLeds: v["strip-leds"],
    stripBrightness: v["strip-brightness"],
    ttyDevice: v["tty-device"],
  });
  if (!r.ok) throw new UsageError(r.message);
  return r.settings;
}

function baroSettings(v: FlagValues<"start">, given: ReadonlySet<FlagName>): BaroSettings {
  if (v.baro !== "bmp280" && given.has("baro-address"))
    throw new UsageError("--baro-address needs --baro bmp280");
  switch (v.baro) {
    case "none":
      return { kind: "none" };
    case "bmp280":
      return { kind: "bmp280", bus: v["i2c-bus"], address: v["baro-address"] };
    case "sim":
      // A simulated pressure follows the simulated flight; beside a real or replayed airspeed it would lie.
      if (v.sensor !== "sim")
        throw new UsageError(
          `--baro sim follows the simulated flight and needs --sensor sim (not ${v.sensor})`,
        );
      return { kind: "sim", seed: v.seed };
  }
}

function sensorSettings(v: FlagValues<"start">): IasSourceSettings {
  switch (v.sensor) {
    case "sim":
      return { kind: "sim", timeScale: v["time-scale"], seed: v.seed, flight: v["sim-flight"] };
    case "ms4525do":
      return { kind: "ms4525do", bus: v["i2c-bus"] };
    case "replay":
      if (!v.replay) throw new UsageError("--sensor replay needs --replay FILE");
      return { kind: "replay", path: resolve(v.replay), loop: true, timeScale: v["time-scale"] };
  }
}
