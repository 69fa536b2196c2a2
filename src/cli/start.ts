import { networkInterfaces } from "node:os";
import { renderUnicodeCompact } from "uqr";
import { CertificateError } from "../certs/index.js";
import type { Device } from "../device/device.js";
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

type Interfaces = ReturnType<typeof networkInterfaces>;

/**
 * Addresses a phone on the same network can reach: not loopback, not link-local (a phone's browser
 * cannot use fe80:: without a zone), IPv4 first (what people type and what a club's Wi-Fi hands out).
 */
export function lanAddresses(ifaces: Interfaces = networkInterfaces()): string[] {
  const out: string[] = [];
  for (const addrs of Object.values(ifaces))
    for (const a of addrs ?? [])
      if (!a.internal && !a.address.startsWith("fe80") && !out.includes(a.address)) out.push(a.address);
  return [...out.filter((a) => !a.includes(":")), ...out.filter((a) => a.includes(":"))];
}

/** What the ready block reads of a device (a narrow view, so it can be shown for a fake one in tests). */
export type ReadyView = Pick<Device, "identity" | "ports" | "certificate" | "mdnsName" | "ca">;

/**
 * The ready block: where to point a browser on this machine and from a phone, the mDNS name only when
 * our responder advertises it in this run, and the fingerprint to compare with the browser's warning.
 * `command` is what to re-run with `--listen 0.0.0.0` when the unit is bound to loopback.
 */
export function readyBlock(
  device: ReadyView,
  listen: string,
  opts: { command?: string; ifaces?: Interfaces } = {},
): string {
  const { mode, esp_id } = device.identity();
  const { https, http } = device.ports;
  const port = (p: number, dflt: number) => (p === dflt ? "" : `:${p}`);
  const httpsUrl = (h: string) => `https://${urlHost(h)}${port(https, 443)}/`;
  const wildcard = listen === "0.0.0.0" || listen === "::";
  const lan = lanAddresses(opts.ifaces);
  const loopback = listen === "::1" || listen.startsWith("127.");
  const here = wildcard ? "127.0.0.1" : listen;
  const lines = [`OWTS ${mode} ${esp_id} ready`];
  lines.push(`  HTTPS  ${httpsUrl(here)}`);
  if (wildcard) for (const h of lan) lines.push(`  HTTPS  ${httpsUrl(h)}  (from a phone on this network)`);
  else if (!loopback) lines[1] += "  (from a phone on this network too)";
  const mdns = device.mdnsName();
  if (mdns) lines.push(`  HTTPS  ${httpsUrl(mdns)}  (mDNS)`);
  lines.push(`  HTTP   http://${urlHost(here)}${port(http, 80)}/  (redirects to HTTPS)`);
  if (loopback) {
    const rerun = `${opts.command ?? "owts start"} --listen 0.0.0.0`;
    lines.push(
      lan.length
        ? `  phone  only this computer can open it (bound to ${listen}); run \`${rerun}\` and open ${httpsUrl(lan[0] ?? "")} on a phone on the same network`
        : `  phone  only this computer can open it (bound to ${listen}), and it has no network address a phone could use`,
    );
  }
  if (wildcard && lan.length === 0)
    lines.push(
      "  phone  this computer has no network address a phone could use: join it to the network first",
    );
  const cert = device.certificate();
  lines.push(`  certificate SHA-256 ${cert.fingerprintSha256}`);
  lines.push(`  certificate expires ${cert.notAfter.toISOString()}`);
  const ca = device.ca();
  if (ca) lines.push(`  issued by club CA "${ca.name}" SHA-256 ${ca.fingerprintSha256}`);
  // The same QR as the About page, for a phone pointed at a board's console: the advertised mDNS name,
  // else the first address a phone on the network can use, else this machine's. Light modules are
  // drawn as blocks, which reads as a normal code on the dark background most consoles have.
  const url = httpsUrl(mdns ?? (wildcard ? (lan[0] ?? here) : here));
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
