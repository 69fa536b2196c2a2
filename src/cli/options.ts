import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseSan } from "../certs/names.js";
import { isMode, type Mode, parseEspId } from "../device/identity.js";
import type { IasSourceSettings } from "../sensors/create-source.js";

/** A bad flag or environment value: the CLI prints `message` as one line and exits 2, before binding anything. */
export class UsageError extends Error {
  override name = "UsageError";
}

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
  keyType: "ecdsa" | "rsa";
  logLevel: string;
  radio: RadioOptions;
  sensor: IasSourceSettings;
}

/** How the device reaches the other unit: an in-process simulated radio, or UDP datagrams. */
export type RadioOptions =
  | { kind: "sim" }
  | { kind: "udp"; bind: { address: string; port: number }; peers: { address: string; port: number }[] };

/** Flag name → environment variable; the flag wins when both are given. */
const ENV: Record<string, string> = {
  mode: "OWTS_MODE",
  id: "OWTS_ID",
  "data-dir": "OWTS_DATA_DIR",
  "https-port": "OWTS_HTTPS_PORT",
  "http-port": "OWTS_HTTP_PORT",
  listen: "OWTS_LISTEN",
  "max-sockets": "OWTS_MAX_SOCKETS",
  "no-mdns": "OWTS_NO_MDNS",
  "mdns-interface": "OWTS_MDNS_INTERFACE",
  san: "OWTS_SAN",
  "key-type": "OWTS_KEY_TYPE",
  "log-level": "OWTS_LOG_LEVEL",
  radio: "OWTS_RADIO",
  "radio-bind": "OWTS_RADIO_BIND",
  "radio-peer": "OWTS_RADIO_PEER",
  sensor: "OWTS_SENSOR",
  replay: "OWTS_REPLAY",
  "i2c-bus": "OWTS_I2C_BUS",
  "time-scale": "OWTS_TIME_SCALE",
  seed: "OWTS_SEED",
};

export const START_FLAGS = {
  mode: { type: "string" },
  id: { type: "string" },
  "data-dir": { type: "string" },
  "https-port": { type: "string" },
  "http-port": { type: "string" },
  listen: { type: "string" },
  "max-sockets": { type: "string" },
  "no-mdns": { type: "boolean" },
  "mdns-interface": { type: "string" },
  san: { type: "string", multiple: true },
  "key-type": { type: "string" },
  "log-level": { type: "string" },
  radio: { type: "string" },
  "radio-bind": { type: "string" },
  "radio-peer": { type: "string", multiple: true },
  sensor: { type: "string" },
  replay: { type: "string" },
  "i2c-bus": { type: "string" },
  "time-scale": { type: "string" },
  seed: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const START_HELP = `Usage: owts start [options]

Runs one OWTS device: HTTPS UI + REST API, HTTP redirects, mDNS, and the device runtime.

Options (each also as an environment variable):
  --mode aircraft|winch     device mode; stored, and kept for the next start   OWTS_MODE
  --id HEX6                 device id (default: last 3 bytes of the MAC)     OWTS_ID
  --data-dir DIR            settings, certificate and key (default ./.owts-data) OWTS_DATA_DIR
  --https-port N            HTTPS port (default 443; 0 = any free port)      OWTS_HTTPS_PORT
  --http-port N             HTTP redirect port (default 80)                  OWTS_HTTP_PORT
  --listen ADDR             address to bind (default 0.0.0.0)                OWTS_LISTEN
  --max-sockets N           concurrent TLS sessions, 1-64 (default 4)        OWTS_MAX_SOCKETS
  --no-mdns                 do not advertise over mDNS                        OWTS_NO_MDNS=1
  --mdns-interface NAME     network interface to advertise on                 OWTS_MDNS_INTERFACE
  --san NAME                extra certificate name (repeatable)               OWTS_SAN=a,b
  --key-type ecdsa|rsa      key type for a newly generated key (default ecdsa) OWTS_KEY_TYPE
  --log-level LEVEL         trace|debug|info|warn|error (default info)        OWTS_LOG_LEVEL
  --radio sim|udp           link to the other unit (default sim: in-process) OWTS_RADIO
  --radio-bind ADDR:PORT    udp: where to receive frames (default 0.0.0.0:47800) OWTS_RADIO_BIND
  --radio-peer ADDR:PORT    udp: where to send frames (repeatable)            OWTS_RADIO_PEER=a,b
  --sensor sim|ms4525do|replay  aircraft airspeed source (default sim)        OWTS_SENSOR
  --replay FILE             replay: CSV of t_ms,ias_<unit> to play back       OWTS_REPLAY
  --i2c-bus N               ms4525do: Linux I2C bus number (default 1)        OWTS_I2C_BUS
  --time-scale X            sim/replay: speed-up factor, 0.1-1000 (default 1)  OWTS_TIME_SCALE
  --seed N                  sim: random seed for the flight profile           OWTS_SEED
  -h, --help                this text

Ports below 1024 need privilege: use e.g. --https-port 8443 --http-port 8080, or
  sudo setcap cap_net_bind_service=+ep "$(command -v node)"`;

export function parsePort(name: string, raw: string): number {
  if (!/^\d{1,5}$/.test(raw.trim()))
    throw new UsageError(`--${name}: "${raw}" is not a port number (0-65535)`);
  const port = Number(raw);
  if (port > 65535) throw new UsageError(`--${name}: ${port} is out of range (0-65535)`);
  return port;
}

export function parseIntIn(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max)
    throw new UsageError(`--${name}: "${raw}" must be a whole number from ${min} to ${max}`);
  return Number(raw);
}

function truthy(raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off|)$/i.test(raw)) return false;
  throw new UsageError(`OWTS_NO_MDNS: "${raw}" is not a boolean (use 1 or 0)`);
}

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

/** Reads flags (strict: unknown flags are errors) and OWTS_* variables; throws UsageError. */
export function parseStartOptions(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): { help: true } | ({ help: false } & StartOptions) {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: START_FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split("\n")[0]} (see owts start --help)`);
  }
  if (values.help) return { help: true };
  const pick = (flag: keyof typeof ENV): string | undefined => {
    const v = values[flag];
    if (typeof v === "string") return v;
    const e = env[ENV[flag] as string];
    return e === undefined ? undefined : e;
  };

  const modeRaw = pick("mode");
  if (modeRaw !== undefined && !isMode(modeRaw))
    throw new UsageError(`--mode: "${modeRaw}" is not a mode (aircraft or winch)`);
  const idRaw = pick("id");
  const espId = idRaw === undefined ? undefined : parseEspId(idRaw);
  if (espId === null) throw new UsageError(`--id: "${idRaw}" is not 6 hex digits (e.g. 3A4F1C)`);
  const listen = pick("listen") ?? "0.0.0.0";
  if (!isIP(listen)) throw new UsageError(`--listen: "${listen}" is not an IP address`);
  const keyType = pick("key-type") ?? "ecdsa";
  if (keyType !== "ecdsa" && keyType !== "rsa")
    throw new UsageError(`--key-type: "${keyType}" is not ecdsa or rsa`);
  const logLevel = pick("log-level") ?? "info";
  if (!["trace", "debug", "info", "warn", "error", "fatal", "silent"].includes(logLevel))
    throw new UsageError(`--log-level: "${logLevel}" is not one of trace, debug, info, warn, error`);
  const httpsPort = parsePort("https-port", pick("https-port") ?? "443");
  const httpPort = parsePort("http-port", pick("http-port") ?? "80");
  if (httpsPort === httpPort && httpsPort !== 0)
    throw new UsageError(`--https-port and --http-port are both ${httpsPort}; they must differ`);
  const sans = Array.isArray(values.san) ? values.san : (env.OWTS_SAN?.split(",").filter(Boolean) ?? []);
  for (const san of sans) {
    try {
      parseSan(san);
    } catch (err) {
      throw new UsageError(`--san: ${(err as Error).message}`);
    }
  }
  const radio = parseRadio(
    pick("radio") ?? "sim",
    pick("radio-bind"),
    Array.isArray(values["radio-peer"])
      ? values["radio-peer"]
      : (env.OWTS_RADIO_PEER?.split(",").filter(Boolean) ?? []),
  );
  const sensor = parseSensor(pick("sensor") ?? "sim", {
    replay: pick("replay"),
    i2cBus: pick("i2c-bus"),
    timeScale: pick("time-scale"),
    seed: pick("seed"),
  });
  const maxSockets = parseIntIn("max-sockets", pick("max-sockets") ?? "4", 1, 64);
  const mdnsOff = values["no-mdns"] === true || (env.OWTS_NO_MDNS !== undefined && truthy(env.OWTS_NO_MDNS));

  return {
    help: false,
    mode: modeRaw as Mode | undefined,
    espId,
    // Last, so that a bad flag elsewhere leaves no directory behind.
    dataDir: prepareDataDir(pick("data-dir") ?? ".owts-data"),
    httpsPort,
    httpPort,
    listen,
    maxSockets,
    radio,
    sensor,
    mdns: !mdnsOff,
    mdnsInterface: pick("mdns-interface"),
    sans,
    keyType,
    logLevel,
  };
}

export function parseEndpoint(name: string, raw: string): { address: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(raw.trim());
  if (!m || !isIP(m[1] as string))
    throw new UsageError(`--${name}: "${raw}" is not ADDRESS:PORT (e.g. 127.0.0.1:47800)`);
  const port = parsePort(name, m[2] as string);
  return { address: m[1] as string, port };
}

function parseRadio(kind: string, bind: string | undefined, peers: string[]): RadioOptions {
  if (kind === "sim") {
    if (bind || peers.length) throw new UsageError("--radio-bind/--radio-peer need --radio udp");
    return { kind: "sim" };
  }
  if (kind !== "udp") throw new UsageError(`--radio: "${kind}" is not sim or udp`);
  return {
    kind: "udp",
    bind: parseEndpoint("radio-bind", bind ?? "0.0.0.0:47800"),
    peers: peers.map((p) => parseEndpoint("radio-peer", p)),
  };
}

function parseNumberIn(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name}: "${raw}" must be a number from ${min} to ${max}`);
  return n;
}

function parseSensor(
  kind: string,
  o: {
    replay?: string | undefined;
    i2cBus?: string | undefined;
    timeScale?: string | undefined;
    seed?: string | undefined;
  },
): IasSourceSettings {
  const timeScale =
    o.timeScale === undefined ? undefined : parseNumberIn("time-scale", o.timeScale, 0.1, 1000);
  switch (kind) {
    case "sim":
      return {
        kind: "sim",
        ...(timeScale !== undefined ? { timeScale } : {}),
        ...(o.seed !== undefined ? { seed: parseIntIn("seed", o.seed, 0, 0xffffffff) } : {}),
      };
    case "ms4525do":
      return {
        kind: "ms4525do",
        ...(o.i2cBus !== undefined ? { bus: parseIntIn("i2c-bus", o.i2cBus, 0, 255) } : {}),
      };
    case "replay":
      if (!o.replay) throw new UsageError("--sensor replay needs --replay FILE");
      return {
        kind: "replay",
        path: resolve(o.replay),
        loop: true,
        ...(timeScale !== undefined ? { timeScale } : {}),
      };
    default:
      throw new UsageError(`--sensor: "${kind}" is not sim, ms4525do or replay`);
  }
}
