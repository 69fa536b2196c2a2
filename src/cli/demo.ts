import { join, resolve } from "node:path";
import { registerDeviceApi } from "../api/device-api.js";
import type { Logger } from "../core/logger.js";
import { Device } from "../device/device.js";
import type { Mode } from "../device/identity.js";
import { espStyleStream } from "../device/log-text.js";
import { createDeviceLogger } from "../device/logger.js";
import { mqttSettingsFromFlags } from "../mqtt/flags.js";
import type { MqttSettings } from "../mqtt/settings.js";
import { SimMedium } from "../radio/sim-link.js";
import { radioFactory } from "./device-from-options.js";
import type { FlagName } from "./flags.js";
import { mqttFlagValues, prepareDataDir } from "./options.js";
import { type FlagValues, flagName, readFlags, renderHelp, UsageError } from "./read-flags.js";
import { isPlainFailure, readyBlock, stopOnSignals } from "./start.js";

export const DEMO_HELP = renderHelp("demo");

/** The two units; each names the flags that choose its ports, so a bind failure names the right one. */
const UNITS = [
  { mode: "winch", id: "DE0B01", httpsFlag: "winch-https-port", httpFlag: "winch-http-port" },
  { mode: "aircraft", id: "DE0A01", httpsFlag: "aircraft-https-port", httpFlag: "aircraft-http-port" },
] as const satisfies readonly { mode: Mode; id: string; httpsFlag: FlagName; httpFlag: FlagName }[];

export async function runDemoCommand(argv: string[]): Promise<number> {
  let v: FlagValues<"demo">;
  let dataDir: string;
  let mqtt: Partial<MqttSettings>;
  try {
    const read = readFlags("demo", argv, {});
    if (read.help) {
      process.stdout.write(`${DEMO_HELP}\n`);
      return 0;
    }
    v = read.values;
    const ports = UNITS.flatMap((u) => [v[u.httpsFlag], v[u.httpFlag]]).filter((p) => p !== 0);
    if (new Set(ports).size !== ports.length) throw new UsageError("the four demo ports must all differ");
    const flags = await mqttSettingsFromFlags(mqttFlagValues(v, read.given));
    if (!flags.ok) throw new UsageError(flags.line);
    // Both units publish to the same broker, each under its own esp_id.
    mqtt = flags.patch;
    dataDir = prepareDataDir(v["data-dir"]);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`owts demo: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const seed = v.seed;

  const { logger, ring } = createDeviceLogger({
    level: v["log-level"],
    destination: espStyleStream(process.stderr),
  });
  const medium = new SimMedium({ seed, loss: v.loss, latency_ms: 5, jitter_ms: 10 });
  const devices: Device[] = [];
  const stopAll = async () => {
    for (const d of devices.reverse()) await d.stop();
  };
  try {
    for (const unit of UNITS) {
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
          httpsPort: v[unit.httpsFlag],
          httpPort: v[unit.httpFlag],
          listen: v.listen,
          maxSockets: v["max-sockets"],
          mdns: false,
          logger: own.logger.child({ unit: unit.mode }),
          ring: own.ring,
          registerApi: registerDeviceApi,
          portFlags: { https: flagName(unit.httpsFlag), http: flagName(unit.httpFlag) },
          mqtt,
          runtime: {
            radioLink: radioFactory({ kind: "sim" }, own.logger, medium),
            // A newcomer should see airspeed at the winch within seconds, so the first launch starts at once.
            sensor: {
              kind: "sim",
              seed,
              timeScale: v["time-scale"],
              flight: v["sim-flight"],
              firstLaunchAfterS: 0,
            },
            baro: v.baro === "sim" ? { kind: "sim", seed } : { kind: "none" },
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
  await pairDemoUnits(devices, logger);
  stopOnSignals(stopAll);
  for (const d of devices) process.stdout.write(readyBlock(d, v.listen, { command: "npx owts demo" }));
  process.stdout.write(demoFooter(v.listen));
  return 0;
}

/** The demo's winch trusts its aircraft from the start, so `npm start` shows verified IAS at once. */
async function pairDemoUnits(devices: Device[], logger: Logger): Promise<void> {
  const runtimes = devices.map((d) => d.runtime());
  const air = runtimes.find((r) => r?.mode === "aircraft");
  const winch = runtimes.find((r) => r?.mode === "winch");
  if (air?.mode !== "aircraft" || winch?.mode !== "winch") return;
  const r = await winch.pairings.add(air.linkKey.current().pairingCode());
  if (!r.ok) logger.warn({ reason: r.message }, "demo: could not pair the two units");
}

/** What to do next, after both ready blocks: the winch monitor on this computer, or from a phone. */
export function demoFooter(listen: string): string {
  const open =
    listen === "0.0.0.0" || listen === "::"
      ? "Open the winch monitor (the winch's HTTPS URLs above: 127.0.0.1 here, the others from a phone on this network)"
      : "Open the winch monitor (first HTTPS URL above)";
  return `\n${open} and accept the certificate warning (docs/guide.md says why it appears).\nCtrl-C stops both units.\n`;
}
