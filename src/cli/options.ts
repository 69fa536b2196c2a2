/**
 * `owts start`: its flags and OWTS_* variables (declared in flags.ts) turned into StartOptions,
 * with the checks that involve more than one flag. Throws UsageError; creates the data directory
 * last, so that a bad flag leaves nothing behind.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Mode } from "../device/identity.js";
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
  keyType: "ecdsa" | "rsa";
  logLevel: string;
  radio: RadioOptions;
  sensor: IasSourceSettings;
}

/** How the device reaches the other unit: an in-process simulated radio, or UDP datagrams. */
export type RadioOptions =
  | { kind: "sim" }
  | { kind: "udp"; bind: Endpoint; peers: Endpoint[]; accept_any: boolean };

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

/** Reads flags (strict: unknown flags are errors) and OWTS_* variables; throws UsageError. */
export function parseStartOptions(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): { help: true } | ({ help: false } & StartOptions) {
  const read = readFlags("start", argv, env);
  if (read.help) return { help: true };
  const v = read.values;
  if (v["https-port"] === v["http-port"] && v["https-port"] !== 0)
    throw new UsageError(`--https-port and --http-port are both ${v["https-port"]}; they must differ`);
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
    mdns: !v["no-mdns"],
    mdnsInterface: v["mdns-interface"],
    sans: v.san,
    keyType: v["key-type"],
    logLevel: v["log-level"],
    // Last, so that a bad flag elsewhere leaves no directory behind.
    dataDir: prepareDataDir(v["data-dir"]),
  };
}

function radioOptions(v: FlagValues<"start">, given: ReadonlySet<FlagName>): RadioOptions {
  if (v.radio === "sim") {
    if (given.has("radio-bind") || v["radio-peer"].length || v["radio-accept-any"])
      throw new UsageError("--radio-bind/--radio-peer/--radio-accept-any need --radio udp");
    return { kind: "sim" };
  }
  return { kind: "udp", bind: v["radio-bind"], peers: v["radio-peer"], accept_any: v["radio-accept-any"] };
}

function sensorSettings(v: FlagValues<"start">): IasSourceSettings {
  switch (v.sensor) {
    case "sim":
      return { kind: "sim", timeScale: v["time-scale"], seed: v.seed };
    case "ms4525do":
      return { kind: "ms4525do", bus: v["i2c-bus"] };
    case "replay":
      if (!v.replay) throw new UsageError("--sensor replay needs --replay FILE");
      return { kind: "replay", path: resolve(v.replay), loop: true, timeScale: v["time-scale"] };
  }
}
