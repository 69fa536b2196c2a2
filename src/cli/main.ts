#!/usr/bin/env node
/**
 * CLI: `owts start`, `owts demo`, `owts certs`, `owts ca`. The top layer: it may import everything. Every flag is
 * one row of `flags.ts`; parsing, env mapping, help and checks are derived from it.
 */
import { readBuildInfo } from "../device/build-info.js";

const USAGE = `owts — Open Winch Telemetry System device

Usage:
  owts start [options]   run one device (aircraft or winch): HTTPS UI + API, redirects, mDNS
  owts demo [options]    an aircraft and a winch linked by a simulated radio, on unprivileged ports
  owts certs [options]   (re)issue the device certificate, like the firmware's gen_certs.sh
  owts ca init|show      a club CA that issues every unit's certificate (trust once, no warnings)
  owts service print|install|uninstall   a hardened systemd unit for owts start
  owts --version         print the version

'owts <command> --help' explains a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      return (await import("./start.js")).runStartCommand(rest);
    case "demo":
      return (await import("./demo.js")).runDemoCommand(rest);
    case "certs":
      return (await import("./certs.js")).runCertsCommand(rest, {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        isTTY: Boolean(process.stdin.isTTY),
      });
    case "ca":
      return (await import("./ca.js")).runCaCommand(rest, { stdout: process.stdout, stderr: process.stderr });
    case "service":
      return (await import("./service.js")).runServiceCommand(rest);
    case "--version":
    case "-v":
      process.stdout.write(`${readBuildInfo().build}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`owts: unknown command "${command}" (try owts --help)\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Servers keep the loop alive; a finished one-shot command sets the exit code and lets it drain.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`owts: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
