import { renderUnicodeCompact } from "uqr";
import { CertificateError } from "../certs/index.js";
import type { Device } from "../device/device.js";
import { localAddresses } from "../device/identity.js";
import { StoreOpenError } from "../store/settings-store.js";
import { ListenError } from "../web/port-errors.js";
import { parseStartOptions, START_HELP, UsageError } from "./options.js";
import { takeListenFds } from "./socket-activation.js";

/** Errors whose message is already the one line a user needs; anything else is a bug and keeps its stack. */
export function isPlainFailure(err: unknown): err is Error {
  return (
    err instanceof UsageError ||
    err instanceof ListenError ||
    err instanceof CertificateError ||
    err instanceof StoreOpenError
  );
}

function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

/** The ready block: where to point a browser, and the fingerprint to compare with the browser's warning. */
export function readyBlock(device: Device, listen: string): string {
  const { hostname, mode, esp_id } = device.identity();
  const { https, http } = device.ports;
  const port = (p: number, dflt: number) => (p === dflt ? "" : `:${p}`);
  const hosts =
    listen === "0.0.0.0" || listen === "::"
      ? localAddresses().filter((a) => !a.startsWith("fe80") && a !== "::1")
      : [listen];
  const lines = [`OWTS ${mode} ${esp_id} ready`];
  for (const h of hosts) lines.push(`  HTTPS  https://${urlHost(h)}${port(https, 443)}/`);
  lines.push(`  HTTPS  https://${hostname}.local${port(https, 443)}/`);
  for (const h of hosts.slice(0, 1))
    lines.push(`  HTTP   http://${urlHost(h)}${port(http, 80)}/  (redirects to HTTPS)`);
  const cert = device.certificate();
  lines.push(`  certificate SHA-256 ${cert.fingerprintSha256}`);
  lines.push(`  certificate expires ${cert.notAfter.toISOString()}`);
  const ca = device.ca();
  if (ca) lines.push(`  issued by club CA "${ca.name}" SHA-256 ${ca.fingerprintSha256}`);
  // The same QR as the About page, for a phone pointed at a board's console. Light modules are drawn
  // as blocks, which reads as a normal code on the dark background most consoles have.
  const url = `https://${hostname}.local${port(https, 443)}/`;
  lines.push(`  scan to open ${url}`);
  for (const row of renderUnicodeCompact(url, { ecc: "M", border: 2 }).split("\n")) lines.push(`  ${row}`);
  return `${lines.join("\n")}\n`;
}

/** Stops the device once on SIGINT/SIGTERM; a second signal exits at once. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`owts: ${signal}, shutting down\n`);
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`owts: shutdown failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

export async function runStartCommand(argv: string[]): Promise<number> {
  let opts: ReturnType<typeof parseStartOptions>;
  let listenFds: ReturnType<typeof takeListenFds>;
  try {
    listenFds = takeListenFds();
    opts = parseStartOptions(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`owts start: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (opts.help) {
    process.stdout.write(`${START_HELP}\n`);
    return 0;
  }
  // Loaded only now so that `--help` and bad flags answer without loading the server stack.
  const { startDeviceFromOptions } = await import("./device-from-options.js");
  const { SystemdLink } = await import("./systemd.js");
  const systemd = new SystemdLink();
  try {
    const device = await startDeviceFromOptions(opts, { onRestart: systemd.onRestart, listenFds });
    // Handlers first: whoever reads the ready block may signal at once.
    stopOnSignals(() => {
      systemd.stopping();
      return device.stop();
    });
    process.stdout.write(readyBlock(device, opts.listen));
    systemd.started(device);
    return 0;
  } catch (err) {
    if (isPlainFailure(err)) {
      process.stderr.write(`owts start: ${err.message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    throw err;
  }
}
