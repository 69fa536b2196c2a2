// What the device's web stack (socket budget, Fastify, routing, validation, ETags) costs per request:
// GET /api/aircraft/live over HTTPS keep-alive, the 200 and the 304 path, against a bare node:https
// server in its own process that answers the same recorded bytes with the same certificate and TLS
// policy. The device runs twice: with the default 4-socket budget and with a high limit (64), and the
// load comes from as many connections as the budget has slots, and from 4x as many. Both protocols:
// HTTP/1.1 against a bare node:https, h2 against a bare node:http2 (same canned bytes). A third device
// with the high limit runs as the systemd unit runs it (its node flags and environment, from
// src/service/unit.ts), so their cost to throughput shows against the plain one in the same run.
// Loopback only.
//   npm run build && node dist/bench/api-overhead.js [--quick] [--seconds N]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from "../src/service/unit.js";
import { benchArgs } from "./lib/args.js";
import { type BareServer, type CannedRoute, canned, startBareServer } from "./lib/bare-server.js";
import { alternate } from "./lib/compare.js";
import {
  combineLoad,
  describeFailures,
  H2Connection,
  keepAliveAgent,
  type LoadResult,
  loopback,
  type RequestSpec,
  runLoad,
  send,
} from "./lib/load-client.js";
import { type BenchDevice, startBenchDevice } from "./lib/processes.js";
import { fixed, ratio } from "./lib/stats.js";
import { type Cell, machineLine, printTable } from "./lib/table.js";

const args = benchArgs("usage: node dist/bench/api-overhead.js [--quick] [--seconds N]");
const seconds = args.seconds ?? (args.quick ? 1 : 3);
const ROUNDS = args.quick ? 1 : 3;
const LIVE = "/api/aircraft/live";
const FALLBACK = "/api/about";

console.log(`API overhead — ${machineLine()}`);

const work = mkdtempSync(join(tmpdir(), "owts-bench-api-"));
const devices: BenchDevice[] = [];
let bare: BareServer | undefined;
let bareH2: BareServer | undefined;
try {
  // A parked aircraft (a replayed airspeed of 0 for an hour): the live content stays the same, so the
  // 304 path is measured as such and both paths answer the same bytes for the whole run.
  const parked = join(work, "parked.csv");
  writeFileSync(parked, "t_ms,ias_kmh\n0,0\n3600000,0\n");
  const common = ["--mode", "aircraft", "--log-level", "warn", "--sensor", "replay", "--replay", parked];
  const small = await startBenchDevice([...common, "--id", "BE0401", "--max-sockets", "4"]);
  devices.push(small);
  const large = await startBenchDevice([...common, "--id", "BE6401", "--max-sockets", "64"]);
  devices.push(large);
  const asService = await startBenchDevice([...common, "--id", "BE6402", "--max-sockets", "64"], {
    env: SERVICE_ENVIRONMENT,
    nodeArgs: SERVICE_NODE_FLAGS,
  });
  devices.push(asService);

  // The endpoint: the live page's poll target once it exists, else the always-present /api/about.
  const probeAgent = keepAliveAgent(1);
  const probe = await send(loopback(small.httpsPort), { path: LIVE }, probeAgent);
  const path = probe.status === 200 ? LIVE : FALLBACK;
  if (path !== LIVE) console.log(`note: ${LIVE} answered ${probe.status}; measuring ${FALLBACK} instead`);

  // Record the device's answers for the baseline: the full one, and the 304 for its ETag.
  const full = await send(loopback(small.httpsPort), { path }, probeAgent);
  const etag = typeof full.headers.etag === "string" ? full.headers.etag : undefined;
  const route: CannedRoute = { ok: canned(full) };
  if (etag) {
    const nm = await send(
      loopback(small.httpsPort),
      { path, headers: { "if-none-match": etag } },
      probeAgent,
    );
    if (nm.status === 304) Object.assign(route, { etag, notModified: canned(nm) });
  }
  probeAgent.destroy();
  console.log(`${path}: ${full.body.length} body bytes, ETag ${etag ?? "none"}`);
  const bareConfig = {
    certPath: join(small.dataDir, "owts.crt"),
    keyPath: join(small.dataDir, "owts.key"),
    routes: { [path]: route },
  };
  bare = await startBareServer(bareConfig, work);
  bareH2 = await startBareServer({ ...bareConfig, http2: true }, work);

  const serversFor = (protocol: "HTTP/1.1" | "h2") => [
    protocol === "h2"
      ? { name: "bare node:http2 (baseline)", port: bareH2!.port, proc: bareH2! }
      : { name: "bare node:https (baseline)", port: bare!.port, proc: bare! },
    { name: "owts, --max-sockets 4", port: small.httpsPort, proc: small },
    { name: "owts, --max-sockets 64", port: large.httpsPort, proc: large },
    { name: "owts, --max-sockets 64, as the service runs it", port: asService.httpsPort, proc: asService },
  ];
  const paths: { label: string; conditional: boolean }[] = [{ label: "200", conditional: false }];
  if (route.notModified) paths.push({ label: "304", conditional: true });
  else console.log("note: no 304 path (the endpoint sends no ETag)");

  const rows: Cell[][] = [];
  const serviceVsPlain: string[] = [];
  for (const protocol of ["HTTP/1.1", "h2"] as const) {
    const servers = serversFor(protocol);
    for (const p of paths) {
      for (const connections of [4, 16]) {
        const measure = (port: number) => async (): Promise<LoadResult> => {
          const agent = keepAliveAgent(connections);
          const h2 =
            protocol === "h2"
              ? Array.from({ length: connections }, () => new H2Connection(loopback(port)))
              : undefined;
          // Each loop sends the newest ETag it saw, as the UI's poller does; the live content changes with
          // the simulated flight, so some conditional requests still get a 200.
          const tags: (string | undefined)[] = Array.from({ length: connections }, () => etag);
          const spec = (_n: number, loop: number): RequestSpec =>
            p.conditional && tags[loop] ? { path, headers: { "if-none-match": tags[loop] } } : { path };
          const result = await runLoad({
            target: loopback(port),
            agent,
            ...(h2 ? { h2 } : {}),
            concurrency: connections,
            durationMs: (seconds * 1000) / ROUNDS,
            spec,
            onReply: (r, loop) => {
              if (typeof r.headers.etag === "string") tags[loop] = r.headers.etag;
            },
          });
          agent.destroy();
          for (const c of h2 ?? []) c.close();
          return result;
        };
        // Warm-up (JIT, TLS session caches, first allocations) on each server before anything counts.
        for (const s of servers) await measure(s.port)();
        const measured = await alternate(
          ROUNDS,
          servers.map((s) => ({ proc: s.proc, measure: measure(s.port) })),
        );
        const summaries = measured.map((m) => {
          const r = combineLoad(m.map((x) => x.result));
          const cpu = m.reduce((a, x) => a + x.serverCpuMs, 0);
          return { r, cpuUs: r.ok ? (cpu * 1000) / r.ok : Number.NaN };
        });
        const base = summaries[0]!;
        const plain = summaries[2]!;
        const service = summaries[3]!;
        serviceVsPlain.push(
          `${protocol} ${p.label}, ${connections} conns: rate ${ratio(service.r.rps, plain.r.rps)}, CPU ${ratio(service.cpuUs, plain.cpuUs)}`,
        );
        for (const [i, s] of summaries.entries()) {
          const hist = p.conditional ? (s.r.byStatus.get(304) ?? s.r.latency) : s.r.latency;
          const share304 = s.r.ok ? ((s.r.statuses[304] ?? 0) / s.r.ok) * 100 : 0;
          rows.push([
            `${protocol} ${p.label}, ${connections} conns, ${servers[i]!.name}`,
            fixed(s.r.rps, 0),
            fixed(hist.p50, 2),
            fixed(hist.p99, 2),
            fixed(s.cpuUs, 0),
            p.conditional ? `${fixed(share304, 0)}%` : "-",
            s.r.newConnections,
            s.r.failed ? `${s.r.failed} (${describeFailures(s.r.failures)})` : "0",
            i === 0 ? "1.00x" : ratio(s.r.rps, base.r.rps),
            i === 0 ? "1.00x" : ratio(s.cpuUs, base.cpuUs),
          ]);
        }
      }
    }
  }
  printTable(
    `HTTPS keep-alive GET ${path}, ${seconds} s per case in ${ROUNDS} alternating rounds`,
    [
      "case",
      "req/s",
      "p50 ms",
      "p99 ms",
      "server CPU µs/req",
      "304 share",
      "new conns",
      "failed",
      "rate vs base",
      "CPU vs base",
    ],
    rows,
  );
  console.log(
    `as the service runs it (${SERVICE_NODE_FLAGS.join(" ")}, ${Object.entries(SERVICE_ENVIRONMENT)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}) vs plain, both --max-sockets 64: ${serviceVsPlain.join("; ")}`,
  );
} finally {
  await bare?.stop();
  await bareH2?.stop();
  for (const d of devices) await d.close();
  rmSync(work, { recursive: true, force: true });
}
