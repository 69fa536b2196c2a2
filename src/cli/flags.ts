/**
 * THE flags table of `owts start` and `owts demo`: one row per flag. The parseArgs options, the
 * OWTS_* environment mapping, the help text and the per-value checks are all derived from it
 * (read-flags.ts); a default is never written here, only referred to, from the module it configures.
 *
 * To add a flag, add one row:
 *   "my-flag": flag({
 *     type: int(1, 10),                 // text, int, float, port, bool, oneOf, ip, endpoint, list(…), custom(…)
 *     help: "what it does",             // one help line; range and default are appended from type/default
 *     default: DEFAULT_MY_THING,        // exported (with @default) by the module it configures; omit for none
 *     check: (v) => reason | undefined, // optional: a further check of the parsed value
 *     commands: { start: {} },          // which commands have it; per command: { default, type, help }
 *     env: "OWTS_OTHER_NAME",           // optional: the variable is OWTS_MY_FLAG by rule; false for none
 *   }),
 * then read it where that command builds its options (options.ts for start, demo.ts for demo) as
 * `values["my-flag"]`, typed by the row. Checks that involve two flags stay in those builders.
 * Only commands whose COMMANDS entry says `env: true` read variables (the demo does not, so a
 * device's environment never leaks into it).
 */
import { parseSan } from "../certs/names.js";
import {
  DEFAULT_DATA_DIR,
  DEFAULT_HTTP_PORT,
  DEFAULT_HTTPS_PORT,
  DEFAULT_KEY_TYPE,
  DEFAULT_LISTEN,
  DEFAULT_LOG_LEVEL,
  LOG_LEVELS,
} from "../device/defaults.js";
import { MODES, parseEspId } from "../device/identity.js";
import { checkSpiPath, DISPLAY_DEFAULTS, parseDisplayList, parseI2cAddress } from "../display/settings.js";
import { DISPLAY_NAMES } from "../display/sink.js";
import { OLED_CONTROLLERS } from "../display/ssd1306.js";
import { MAX_LEDS } from "../display/ws2812.js";
import { checkPrefix, DEFAULT_MQTT_PREFIX, parseBrokerUrl } from "../mqtt/config.js";
import { SX1262_BOARDS } from "../radio/sx1262/boards.js";
import { DEFAULT_GPIO_CHIP } from "../radio/sx1262/config.js";
import { DEFAULT_UDP_BIND } from "../radio/udp-link.js";
import { DEFAULT_BMP280_ADDRESS, parseBmp280Address } from "../sensors/bmp280.js";
import {
  BARO_KINDS,
  type BaroKind,
  DEFAULT_BARO_KIND,
  DEMO_BARO_KIND,
} from "../sensors/create-baro-source.js";
import { DEFAULT_SOURCE_KIND, SOURCE_KINDS } from "../sensors/create-source.js";
import { DEFAULT_TIME_SCALE } from "../sensors/ias-source.js";
import { DEFAULT_I2C_BUS } from "../sensors/ms4525do.js";
import { DEFAULT_SIM_FLIGHT, DEFAULT_SIM_SEED, SIM_FLIGHTS } from "../sensors/sim-source.js";
import { DEFAULT_MAX_SOCKETS } from "../web/socket-budget.js";
import {
  bool,
  custom,
  endpoint,
  type FlagType,
  float,
  int,
  ip,
  list,
  oneOf,
  port,
  shown,
  text,
} from "./flag-types.js";

export type Command = "start" | "demo";

/** How one command uses a flag, where it differs from the row. */
export interface CommandUse<T> {
  default?: T;
  type?: FlagType<T>;
  help?: string;
}

export type Uses<T> = { readonly [C in Command]?: CommandUse<T> };

export interface FlagRow<T, U extends Uses<T> = Uses<T>, D extends T | undefined = T | undefined> {
  type: FlagType<T>;
  /** One line; the type's range and the default are appended. */
  help: string;
  /** @default none: the value is undefined unless given (a command may set its own in `commands`) */
  default?: D;
  /** Which commands have the flag; each entry may give its own default, type or help. */
  commands: U;
  /** @default "OWTS_" + the flag name in upper snake case; false: no variable */
  env?: string | false;
  /** A further check of the parsed value: a reason when it is refused. */
  check?: (value: T) => string | undefined;
  short?: string;
}

/** Keeps the row's literal `commands` and `default` so that the parsed values are typed per command. */
function flag<T, const U extends Uses<T>, D extends T | undefined = undefined>(
  row: FlagRow<T, U, D>,
): FlagRow<T, U, D> {
  return row;
}

const both = { start: {}, demo: {} } as const;

export const FLAGS = {
  mode: flag({
    type: oneOf(MODES, "a mode"),
    help: "device mode; stored, and kept for the next start",
    commands: { start: {} },
  }),
  id: flag({
    type: custom(
      "HEX6",
      (raw) => {
        const id = parseEspId(raw);
        return id === null
          ? { ok: false, reason: `"${raw}" is not 6 hex digits (e.g. 3A4F1C)` }
          : { ok: true, value: id };
      },
      (v) => v,
    ),
    help: "device id (default: last 3 bytes of the MAC)",
    commands: { start: {} },
  }),
  "data-dir": flag({
    type: text("DIR"),
    help: "settings, certificate and key",
    commands: {
      // Without the flag or OWTS_DATA_DIR, $STATE_DIRECTORY (systemd) comes before the default (options.ts).
      start: {
        default: DEFAULT_DATA_DIR,
        help: "settings, certificate and key; unset: $STATE_DIRECTORY if set",
      },
      demo: { default: ".owts-demo", help: "one folder per unit inside" },
    },
  }),
  "https-port": flag({
    type: port,
    help: "HTTPS port; 0 = any free port",
    default: DEFAULT_HTTPS_PORT,
    commands: { start: {} },
  }),
  "http-port": flag({
    type: port,
    help: "HTTP redirect port",
    default: DEFAULT_HTTP_PORT,
    commands: { start: {} },
  }),
  "winch-https-port": flag({
    type: port,
    help: "the winch's HTTPS port",
    default: 8443,
    commands: { demo: {} },
  }),
  "winch-http-port": flag({
    type: port,
    help: "the winch's HTTP redirect port",
    default: 8080,
    commands: { demo: {} },
  }),
  "aircraft-https-port": flag({
    type: port,
    help: "the aircraft's HTTPS port",
    default: 8444,
    commands: { demo: {} },
  }),
  "aircraft-http-port": flag({
    type: port,
    help: "the aircraft's HTTP redirect port",
    default: 8081,
    commands: { demo: {} },
  }),
  listen: flag({
    type: ip,
    help: "address to bind",
    commands: {
      start: { default: DEFAULT_LISTEN },
      // Loopback: a demo is opened to the network only on purpose.
      demo: { default: "127.0.0.1", help: "address to bind; 0.0.0.0 opens it to your network" },
    },
  }),
  "max-sockets": flag({
    type: int(1, 64),
    help: "concurrent TLS sessions",
    default: DEFAULT_MAX_SOCKETS,
    commands: { start: {}, demo: { help: "concurrent TLS sessions per unit" } },
  }),
  "no-mdns": flag({
    type: bool,
    help: "do not advertise over mDNS",
    default: false,
    commands: { start: {} },
  }),
  "mdns-interface": flag({
    type: text("NAME"),
    help: "network interface to advertise on",
    commands: { start: {} },
  }),
  san: flag({
    type: list(
      text("NAME", (raw) => {
        try {
          parseSan(raw);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      }),
    ),
    help: "extra certificate name (repeatable)",
    default: [],
    commands: { start: {} },
  }),
  ca: flag({
    type: text("DIR"),
    help: "club CA directory (owts ca init): the certificate is issued by it, ≤ 397 days, renewed while running",
    commands: { start: {} },
  }),
  "key-type": flag({
    type: oneOf(["ecdsa", "rsa"]),
    help: "key type for a newly generated key",
    default: DEFAULT_KEY_TYPE,
    commands: { start: {} },
  }),
  "log-level": flag({
    type: shown(oneOf(LOG_LEVELS), { arg: "LEVEL", range: LOG_LEVELS.join("|") }),
    help: "log level",
    default: DEFAULT_LOG_LEVEL,
    commands: both,
  }),
  radio: flag({
    type: oneOf(["sim", "udp", "sx1262"]),
    help: "link to the other unit; sim is in-process, sx1262 a radio on SPI",
    default: "sim",
    commands: { start: {} },
  }),
  "radio-bind": flag({
    type: endpoint,
    help: "udp: where to receive frames",
    default: DEFAULT_UDP_BIND,
    commands: { start: {} },
  }),
  "radio-peer": flag({
    type: list(endpoint),
    help: "udp: where to send frames (repeatable)",
    default: [],
    commands: { start: {} },
  }),
  "radio-accept-any": flag({
    type: bool,
    help: "udp: accept frames from any address, not only the peers",
    default: false,
    commands: { start: {} },
  }),
  // The SX1262's wiring: strings here, checked together (presets, collisions, TCXO) by
  // resolveSx1262Config in src/radio/sx1262/config.ts, which options.ts calls.
  "radio-board": flag({
    type: text("NAME"),
    help: `sx1262: module/HAT preset (${SX1262_BOARDS.map((b) => b.name).join(", ")})`,
    commands: { start: {} },
  }),
  "spi-device": flag({
    type: text("PATH"),
    help: "sx1262: SPI device, e.g. /dev/spidev0.0",
    commands: { start: {} },
  }),
  "gpio-chip": flag({
    type: text("N"),
    help: `sx1262: GPIO chip of the pins (default ${DEFAULT_GPIO_CHIP})`,
    commands: { start: {} },
  }),
  "pin-reset": flag({ type: text("N"), help: "sx1262: NRESET line", commands: { start: {} } }),
  "pin-busy": flag({ type: text("N"), help: "sx1262: BUSY line", commands: { start: {} } }),
  "pin-dio1": flag({ type: text("N"), help: "sx1262: DIO1 (IRQ) line", commands: { start: {} } }),
  "pin-rxen": flag({ type: text("N"), help: "sx1262: external RF switch, receive", commands: { start: {} } }),
  "pin-txen": flag({
    type: text("N"),
    help: "sx1262: external RF switch, transmit",
    commands: { start: {} },
  }),
  "pin-cs": flag({
    type: text("N"),
    help: "sx1262: NSS as a GPIO (HATs not on CE0/CE1)",
    commands: { start: {} },
  }),
  tcxo: flag({
    type: text("VOLTS"),
    help: "sx1262: TCXO supply on DIO3, 0 = crystal",
    commands: { start: {} },
  }),
  "dio2-rf-switch": flag({
    type: text("on|off"),
    help: "sx1262: DIO2 drives the RF switch",
    commands: { start: {} },
  }),
  "pa-gain-db": flag({
    type: text("DB"),
    help: "sx1262: gain of the module's PA after the chip",
    commands: { start: {} },
  }),
  sensor: flag({
    type: shown(oneOf(SOURCE_KINDS), { arg: "KIND", range: SOURCE_KINDS.join("|") }),
    help: "aircraft airspeed source",
    default: DEFAULT_SOURCE_KIND,
    commands: { start: {} },
  }),
  replay: flag({
    type: text("FILE"),
    help: "replay: CSV of t_ms,ias_<unit> to play back",
    commands: { start: {} },
  }),
  "i2c-bus": flag({
    type: int(0, 255),
    help: "ms4525do, bmp280: Linux I2C bus number",
    default: DEFAULT_I2C_BUS,
    commands: { start: {} },
  }),
  // The static-pressure sensor beside the airspeed: climb rate for the release rule (src/aircraft/launch-phase.ts).
  baro: flag({
    type: shown(oneOf(BARO_KINDS), { arg: "KIND", range: BARO_KINDS.join("|") }),
    help: "aircraft static-pressure sensor (climb rate); sim needs --sensor sim",
    default: DEFAULT_BARO_KIND,
    commands: {
      start: {},
      demo: {
        default: DEMO_BARO_KIND,
        type: shown(oneOf<BaroKind>(["none", "sim"]), { arg: "KIND", range: "none|sim" }),
        help: "the aircraft's simulated static-pressure sensor (climb rate)",
      },
    },
  }),
  "baro-address": flag({
    type: shown(
      custom("ADDR", parseBmp280Address, (v) => `0x${v.toString(16)}`),
      { range: "0x76|0x77" },
    ),
    help: "bmp280: 7-bit I2C address on --i2c-bus (SDO low 0x76, high 0x77)",
    default: DEFAULT_BMP280_ADDRESS,
    commands: { start: {} },
  }),
  display: flag({
    type: custom("LIST", parseDisplayList, (v) => (v.length ? v.join(",") : "none")),
    help: `displays beside the unit: ${DISPLAY_NAMES.join(", ")} (comma list)`,
    default: DISPLAY_DEFAULTS.display,
    commands: { start: {} },
  }),
  "oled-bus": flag({
    type: int(0, 255),
    help: "oled: Linux I2C bus number",
    default: DISPLAY_DEFAULTS.oledBus,
    commands: { start: {} },
  }),
  "oled-address": flag({
    type: shown(
      custom("ADDR", parseI2cAddress, (v) => `0x${v.toString(16)}`),
      { range: "0x03-0x77" },
    ),
    help: "oled: 7-bit I2C address",
    default: DISPLAY_DEFAULTS.oledAddress,
    commands: { start: {} },
  }),
  "oled-controller": flag({
    type: oneOf(OLED_CONTROLLERS),
    help: "oled: controller chip",
    default: DISPLAY_DEFAULTS.oledController,
    commands: { start: {} },
  }),
  "strip-spi": flag({
    type: text("DEV", checkSpiPath),
    help: "ws2812: SPI device of the strip (MOSI)",
    default: DISPLAY_DEFAULTS.stripSpi,
    commands: { start: {} },
  }),
  "strip-leds": flag({
    type: int(1, MAX_LEDS),
    help: "ws2812: LEDs on the strip (required with ws2812)",
    commands: { start: {} },
  }),
  "strip-brightness": flag({
    type: int(1, 255),
    help: "ws2812: cap on every colour channel",
    default: DISPLAY_DEFAULTS.stripBrightness,
    commands: { start: {} },
  }),
  "tty-device": flag({
    type: text("DEV"),
    help: "tty: console to draw on (/dev/tty1: the board's HDMI console)",
    default: DISPLAY_DEFAULTS.ttyDevice,
    commands: { start: {} },
  }),
  "time-scale": flag({
    type: float(0.1, 1000),
    help: "sim/replay: speed-up factor",
    default: DEFAULT_TIME_SCALE,
    commands: { start: {}, demo: { type: float(0.1, 100), help: "fly faster than real time" } },
  }),
  seed: flag({
    type: shown(int(0, 0xffffffff), { range: "0-2^32-1" }),
    help: "sim: random seed for the flight profile",
    default: DEFAULT_SIM_SEED,
    commands: { start: {}, demo: { help: "flight profile and radio seed" } },
  }),
  "sim-flight": flag({
    type: oneOf(SIM_FLIGHTS, "a sim flight"),
    help: "sim: after each launch a full circuit (3-4 min), or short: a low release and a 1 min circuit",
    default: DEFAULT_SIM_FLIGHT,
    commands: both,
  }),
  mqtt: flag({
    type: text("URL", (raw) => {
      const r = parseBrokerUrl(raw);
      return r.ok ? undefined : r.message;
    }),
    help: "MQTT broker, mqtt://host[:1883] or mqtts://host[:8883]; stored like --mode",
    commands: both,
  }),
  "mqtt-user": flag({
    type: text("USER"),
    help: "MQTT user name (needs --mqtt)",
    commands: both,
  }),
  "mqtt-password-file": flag({
    type: text("FILE"),
    help: "file holding the MQTT password (needs --mqtt)",
    commands: both,
  }),
  "mqtt-ca": flag({
    type: text("FILE"),
    help: "PEM CA trusted for an mqtts:// broker (needs --mqtt)",
    commands: both,
  }),
  "mqtt-prefix": flag({
    type: text("PREFIX", (raw) => checkPrefix(raw) ?? undefined),
    help: "MQTT topic prefix: <prefix>/<esp_id>/... (needs --mqtt)",
    default: DEFAULT_MQTT_PREFIX,
    commands: both,
  }),
  "no-mqtt-discovery": flag({
    type: bool,
    help: "no Home Assistant discovery; clears configs published before",
    default: false,
    commands: both,
  }),
  loss: flag({
    type: float(0, 0.9),
    help: "simulated frame loss",
    default: 0.05,
    commands: { demo: {} },
  }),
};

export type FlagName = keyof typeof FLAGS;

/** What each command says around its options in `--help`, and whether it reads OWTS_* variables. */
export const COMMANDS: Record<Command, { usage: string; env: boolean; footer?: string }> = {
  start: {
    usage: `Usage: owts start [options]

Runs one OWTS device: HTTPS UI + REST API, HTTP redirects, mDNS, and the device runtime.`,
    env: true,
    footer: `Ports below 1024 need privilege: use e.g. --https-port 8443 --http-port 8080, or
  sudo setcap cap_net_bind_service=+ep "$(command -v node)"`,
  },
  demo: {
    usage: `Usage: owts demo [options]

An aircraft and a winch in one process, linked by a simulated radio, flying launches forever.
Open the winch monitor and watch the aircraft's airspeed arrive.`,
    env: false,
  },
};
