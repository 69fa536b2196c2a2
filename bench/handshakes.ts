// New TLS sessions per second, full and resumed, with the device's ECDSA P-256 and RSA 2048
// certificates: the device (owts start, 4-socket budget) against a bare node:https server with the same
// certificate and TLS policy in the same run. Loopback only.
//   npm run build && node dist/bench/handshakes.js [--quick] [--seconds N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueCertificate, type KeyType } from "../src/certs/index.js";
import { benchArgs } from "./lib/args.js";
import { startBareServer } from "./lib/bare-server.js";
import { alternate, type Measured } from "./lib/compare.js";
import { combineHandshakes, type HandshakeRun, runHandshakes } from "./lib/handshake.js";
import { loopback } from "./lib/load-client.js";
import { startBenchDevice } from "./lib/processes.js";
import { fixed, ratio } from "./lib/stats.js";
import { type Cell, machineLine, printTable } from "./lib/table.js";

const args = benchArgs("usage: node dist/bench/handshakes.js [--quick] [--seconds N]");
const seconds = args.seconds ?? (args.quick ? 1 : 4);
/** As many parallel clients as the device has slots: the budget is not what is measured here. */
const CONCURRENCY = 4;
/** Device and baseline take turns, so background load on the machine hits both. */
const ROUNDS = args.quick ? 1 : 3;

console.log(`TLS handshakes — ${machineLine()}`);
console.log(
  `${CONCURRENCY} parallel clients, ${seconds} s per case in ${ROUNDS} alternating rounds; each connection: handshake, close_notify, close`,
);

const rows: Cell[][] = [];
const ids: Record<KeyType, string> = { ecdsa: "BE0E01", rsa: "BE0A01" };
for (const keyType of ["ecdsa", "rsa"] as const) {
  const dir = mkdtempSync(join(tmpdir(), `owts-bench-hs-${keyType}-`));
  const hostname = `OWTS-winch-${ids[keyType]}`;
  try {
    await issueCertificate({ dataDir: dir, hostname, keyType });
    const device = await startBenchDevice(["--mode", "winch", "--id", ids[keyType], "--log-level", "warn"], {
      dataDir: dir,
    });
    const bare = await startBareServer(
      { certPath: join(dir, "owts.crt"), keyPath: join(dir, "owts.key"), routes: {} },
      dir,
    );
    try {
      for (const resume of [false, true]) {
        const kind = resume ? "resumed" : "full";
        const run = (port: number) => () =>
          runHandshakes(loopback(port, `${hostname}.local`), {
            resume,
            concurrency: CONCURRENCY,
            durationMs: (seconds * 1000) / ROUNDS,
          });
        const [base, dev] = await alternate(ROUNDS, [
          { proc: bare, measure: run(bare.port) },
          { proc: device, measure: run(device.httpsPort) },
        ]);
        const summary = (m: Measured<HandshakeRun>[]) => {
          const r = combineHandshakes(m.map((x) => x.result));
          const cpu = m.reduce((a, x) => a + x.serverCpuMs, 0);
          return { r, cpuUs: r.count ? (cpu * 1000) / r.count : Number.NaN };
        };
        const b = summary(base!);
        const d = summary(dev!);
        for (const [who, { r, cpuUs }] of [
          ["bare node:https (baseline)", b],
          ["owts device", d],
        ] as const) {
          const isBase = who !== "owts device";
          rows.push([
            `${keyType.toUpperCase()} ${kind}, ${who}`,
            r.protocol ?? "-",
            fixed(r.perSecond, 0),
            fixed(r.latency.p50, 2),
            fixed(r.latency.p99, 2),
            fixed(cpuUs, 0),
            r.count ? `${Math.round((r.reused / r.count) * 100)}%` : "-",
            r.failed,
            isBase ? "1.00x" : ratio(r.perSecond, b.r.perSecond),
            isBase ? "1.00x" : ratio(cpuUs, b.cpuUs),
          ]);
        }
      }
    } finally {
      await bare.stop();
      await device.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

printTable(
  "New TLS sessions per second",
  [
    "case",
    "protocol",
    "sessions/s",
    "p50 ms",
    "p99 ms",
    "server CPU µs/session",
    "resumed",
    "failed",
    "rate vs base",
    "CPU vs base",
  ],
  rows,
);
