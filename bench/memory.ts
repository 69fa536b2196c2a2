// Memory of a running device: RSS idle, with 4 sessions (the default budget, polling like the UI), and
// the cost of each further TLS session; the lowest free heap the device saw over the run (from
// /api/status). Baseline: a bare node:https server process with the same certificate answering the same
// bytes, measured the same way in the same run. Loopback only.
//   npm run build && node dist/bench/memory.js [--quick]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchArgs } from "./lib/args.js";
import { type CannedRoute, canned, startBareServer } from "./lib/bare-server.js";
import { keepAliveAgent, loopback, runLoad, send, type Target } from "./lib/load-client.js";
import { gcOnSignalEnv, rssOf, startBenchDevice } from "./lib/processes.js";
import { fixed, kib, median, mib, ratio } from "./lib/stats.js";
import { type Cell, machineLine, printTable } from "./lib/table.js";

const args = benchArgs("usage: node dist/bench/memory.js [--quick]");
const EXTRA = args.quick ? 30 : 60;
const ROUNDS = args.quick ? 2 : 5;
const PATHS = ["/api/about", "/api/status", "/"];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS after a full GC in the measured process (SIGUSR2, see gc-on-signal.ts): median of 3 readings. */
async function settledRss(pid: number): Promise<number> {
  process.kill(pid, "SIGUSR2");
  await sleep(300);
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    samples.push(rssOf(pid));
    await sleep(100);
  }
  return median(samples);
}

interface MemoryFigures {
  /** Started, nothing asked yet. */
  fresh: number;
  idle: number;
  four: number;
  /** Per session, the first round (memory the process had never used before). */
  perSession: number;
  /** Per session, the later rounds (malloc reuses what the first round freed). */
  perSessionReused: number;
  rounds: number[];
}

async function measure(target: Target, pid: number): Promise<MemoryFigures> {
  const fresh = await settledRss(pid);
  // Warm-up: JIT, first TLS contexts, the response paths, so "idle" means idle after real use.
  const warm = keepAliveAgent(4);
  await runLoad({
    target,
    agent: warm,
    concurrency: 4,
    durationMs: 2_000,
    maxRequests: 2_000,
    spec: (n) => ({ path: PATHS[n % PATHS.length]!, headers: { "accept-encoding": "br" } }),
  });
  warm.destroy();
  await sleep(1_500);
  const idle = await settledRss(pid);

  // Four sessions, as one phone's browser keeps them, polling at 2 Hz while RSS is read.
  const four = keepAliveAgent(4);
  let polling = true;
  const pollers = Array.from({ length: 4 }, async () => {
    while (polling) {
      await send(target, { path: "/api/about" }, four).catch(() => undefined);
      await sleep(500);
    }
  });
  await sleep(1_000);
  const withFour = await settledRss(pid);

  // Further sessions: each does its handshake and one request, then stays open (idle keep-alive).
  const deltas: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const before = await settledRss(pid);
    const extra = keepAliveAgent(EXTRA);
    await Promise.all(Array.from({ length: EXTRA }, () => send(target, { path: "/api/about" }, extra)));
    const after = await settledRss(pid);
    deltas.push((after - before) / EXTRA);
    extra.destroy();
    await sleep(500);
  }
  polling = false;
  await Promise.all(pollers);
  four.destroy();
  return {
    fresh,
    idle,
    four: withFour,
    perSession: deltas[0]!,
    perSessionReused: median(deltas.slice(1)),
    rounds: deltas,
  };
}

console.log(`Memory — ${machineLine()}`);
console.log(`extra sessions per round: ${EXTRA}, rounds: ${ROUNDS} (per-session figure is the median round)`);

const work = mkdtempSync(join(tmpdir(), "owts-bench-mem-"));
const device = await startBenchDevice(
  ["--mode", "aircraft", "--id", "BEAE01", "--max-sockets", "64", "--log-level", "warn"],
  { env: gcOnSignalEnv() },
);
try {
  const target = loopback(device.httpsPort);
  const probe = keepAliveAgent(1);
  const routes: Record<string, CannedRoute> = {};
  for (const path of PATHS)
    routes[path] = { ok: canned(await send(target, { path, headers: { "accept-encoding": "br" } }, probe)) };
  probe.destroy();
  const bare = await startBareServer(
    { certPath: join(device.dataDir, "owts.crt"), keyPath: join(device.dataDir, "owts.key"), routes },
    work,
    gcOnSignalEnv(),
  );
  let base: MemoryFigures;
  let dev: MemoryFigures;
  try {
    base = await measure(loopback(bare.port), bare.pid);
    dev = await measure(target, device.pid);
  } finally {
    await bare.stop();
  }
  const statusAgent = keepAliveAgent(1);
  const status = JSON.parse((await send(target, { path: "/api/status" }, statusAgent)).body.toString()) as {
    memory: { heap_free: number; heap_free_min: number; heap_used: number; rss: number };
  };
  statusAgent.destroy();

  const rows: Cell[][] = [
    ["RSS after start, before any request", mib(base.fresh), mib(dev.fresh), ratio(dev.fresh, base.fresh)],
    ["RSS idle (after warm-up)", mib(base.idle), mib(dev.idle), ratio(dev.idle, base.idle)],
    ["RSS with 4 sessions polling at 2 Hz", mib(base.four), mib(dev.four), ratio(dev.four, base.four)],
    [
      "RSS per extra idle TLS session, first round (KiB)",
      kib(base.perSession),
      kib(dev.perSession),
      ratio(dev.perSession, base.perSession),
    ],
    [
      "RSS per extra idle TLS session, later rounds (KiB)",
      kib(base.perSessionReused),
      kib(dev.perSessionReused),
      ratio(dev.perSessionReused, base.perSessionReused),
    ],
  ];
  printTable(
    "Memory (MiB unless noted)",
    ["figure", "bare node:https (baseline)", "owts device", "vs baseline"],
    rows,
  );
  console.log(
    `per-session rounds, KiB: baseline ${base.rounds.map((r) => kib(r)).join(" ")}; device ${dev.rounds.map((r) => kib(r)).join(" ")}`,
  );
  console.log(
    `device heap now: used ${mib(status.memory.heap_used)} MiB, free ${mib(status.memory.heap_free)} MiB; lowest free over the run ${mib(status.memory.heap_free_min)} MiB (${fixed((status.memory.heap_free_min / (status.memory.heap_free + status.memory.heap_used)) * 100, 1)}% of the limit)`,
  );
} finally {
  await device.close();
  rmSync(work, { recursive: true, force: true });
}
