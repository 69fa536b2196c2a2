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
import { DEFAULT_UDP_BIND } from "../radio/udp-link.js";
import { DEFAULT_SOURCE_KIND, SOURCE_KINDS } from "../sensors/create-source.js";
import { DEFAULT_TIME_SCALE } from "../sensors/ias-source.js";
import { DEFAULT_I2C_BUS } from "../sensors/ms4525do.js";
import { DEFAULT_SIM_SEED } from "../sensors/sim-source.js";
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
      start: { default: DEFAULT_DATA_DIR },
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
    type: oneOf(["sim", "udp"]),
    help: "link to the other unit; sim is in-process",
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
    help: "ms4525do: Linux I2C bus number",
    default: DEFAULT_I2C_BUS,
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
