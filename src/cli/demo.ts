import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { registerDeviceApi } from "../api/device-api.js";
import { Device } from "../device/device.js";
import type { Mode } from "../device/identity.js";
import { espStyleStream } from "../device/log-text.js";
import { createDeviceLogger } from "../device/logger.js";
import { SimMedium } from "../radio/sim-link.js";
import { radioFactory } from "./device-from-options.js";
import { parseIntIn, parsePort, prepareDataDir, UsageError } from "./options.js";
import { isPlainFailure, readyBlock, stopOnSignals } from "./start.js";

export const DEMO_HELP = `Usage: owts demo [options]

An aircraft and a winch in one process, linked by a simulated radio, flying launches forever.
Open the winch monitor and watch the aircraft's airspeed arrive.

Options:
  --winch-https-port N      default 8443
  --winch-http-port N       default 8080
  --aircraft-https-port N   default 8444
  --aircraft-http-port N    default 8081
  --listen ADDR             default 127.0.0.1 (use 0.0.0.0 to open it to phones on your network)
  --data-dir DIR            default ./.owts-demo (one folder per unit inside)
  --loss P                  simulated frame loss 0-0.9 (default 0.05)
  --time-scale X            fly faster than real time, 0.1-100 (default 1)
  --seed N                  flight profile and radio seed (default 1)
  --max-sockets N           TLS sessions per unit (default 4)
  --log-level LEVEL         default info
  -h, --help                this text`;

const FLAGS = {
  "winch-https-port": { type: "string", default: "8443" },
  "winch-http-port": { type: "string", default: "8080" },
  "aircraft-https-port": { type: "string", default: "8444" },
  "aircraft-http-port": { type: "string", default: "8081" },
  listen: { type: "string", default: "127.0.0.1" },
  "data-dir": { type: "string", default: ".owts-demo" },
  loss: { type: "string", default: "0.05" },
  "time-scale": { type: "string", default: "1" },
  seed: { type: "string", default: "1" },
  "max-sockets": { type: "string", default: "4" },
  "log-level": { type: "string", default: "info" },
  help: { type: "boolean", short: "h" },
} as const;

function numberIn(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name}: "${raw}" must be a number from ${min} to ${max}`);
  return n;
}

export async function runDemoCommand(argv: string[]): Promise<number> {
  let v: {
    [K in keyof typeof FLAGS]: (typeof FLAGS)[K]["type"] extends "boolean" ? boolean | undefined : string;
  };
  let plan: { mode: Mode; id: string; https: number; http: number }[];
  let loss: number;
  let timeScale: number;
  let seed: number;
  let maxSockets: number;
  let dataDir: string;
  try {
    try {
      v = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values as typeof v;
    } catch (err) {
      throw new UsageError(`${(err as Error).message.split("\n")[0]} (see owts demo --help)`);
    }
    if (v.help) {
      process.stdout.write(`${DEMO_HELP}\n`);
      return 0;
    }
    plan = [
      {
        mode: "winch",
        id: "DE0B01",
        https: parsePort("winch-https-port", v["winch-https-port"]),
        http: parsePort("winch-http-port", v["winch-http-port"]),
      },
      {
        mode: "aircraft",
        id: "DE0A01",
        https: parsePort("aircraft-https-port", v["aircraft-https-port"]),
        http: parsePort("aircraft-http-port", v["aircraft-http-port"]),
      },
    ];
    const ports = plan.flatMap((p) => [p.https, p.http]).filter((p) => p !== 0);
    if (new Set(ports).size !== ports.length) throw new UsageError("the four demo ports must all differ");
    loss = numberIn("loss", v.loss, 0, 0.9);
    timeScale = numberIn("time-scale", v["time-scale"], 0.1, 100);
    seed = parseIntIn("seed", v.seed, 0, 0xffffffff);
    maxSockets = parseIntIn("max-sockets", v["max-sockets"], 1, 64);
    dataDir = prepareDataDir(v["data-dir"]);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`owts demo: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const { logger, ring } = createDeviceLogger({
    level: v["log-level"],
    destination: espStyleStream(process.stderr),
  });
  const medium = new SimMedium({ seed, loss, latency_ms: 5, jitter_ms: 10 });
  const devices: Device[] = [];
  const stopAll = async () => {
    for (const d of devices.reverse()) await d.stop();
  };
  try {
    for (const unit of plan) {
      // Each unit has its own log ring, as two real devices would; both print to this console.
      const own =
        unit.mode === "winch"
          ? { logger, ring }
          : createDeviceLogger({ level: v["log-level"], destination: espStyleStream(process.stderr) });
      devices.push(
        await Device.start({
          mode: unit.mode,
          espId: unit.id,
          dataDir: prepareDataDir(join(resolve(dataDir), unit.mode)),
          httpsPort: unit.https,
          httpPort: unit.http,
          listen: v.listen,
          maxSockets,
          mdns: false,
          logger: own.logger.child({ unit: unit.mode }),
          ring: own.ring,
          registerApi: registerDeviceApi,
          portFlags: { https: `--${unit.mode}-https-port`, http: `--${unit.mode}-http-port` },
          runtime: {
            radioLink: radioFactory({ kind: "sim" }, own.logger, medium),
            // A newcomer should see airspeed at the winch within seconds, so the first launch starts at once.
            sensor: { kind: "sim", seed, timeScale, firstLaunchAfterS: 0 },
          },
        }),
      );
    }
  } catch (err) {
    await stopAll();
    if (isPlainFailure(err)) {
      process.stderr.write(`owts demo: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  stopOnSignals(stopAll);
  for (const d of devices) process.stdout.write(readyBlock(d, v.listen));
  process.stdout.write(
    "\nOpen the winch monitor (first HTTPS URL above) and accept the certificate warning.\nCtrl-C stops both units.\n",
  );
  return 0;
}
