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
const EXTRA = 60;
const STEP = 10;
const ROUNDS = args.quick ? 3 : 7;
const SETTLE_AFTER_START_MS = 20_000;
const PATHS = ["/api/about", "/api/status", "/"];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, x) => a + x, 0) / n;
  const my = ys.reduce((a, y) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

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
  /** Per-session RSS slope of each round. */
  rounds: number[];
}

async function measure(
  target: Target,
  pid: number,
  startedAt: number,
  fresh: number,
): Promise<MemoryFigures> {
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
  // V8 keeps its start-up heap committed for ~15 s after start (RSS then drops by a third once its
  // memory reducer runs); "idle" is the steady state after that.
  await sleep(Math.max(1_500, SETTLE_AFTER_START_MS - (performance.now() - startedAt)));
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

  // Further sessions, added STEP at a time and all kept open (each step sends one request on every
  // session, which also keeps them inside the keep-alive timeout); RSS after a GC at each step. The
  // per-session cost is the slope of a least-squares line through the steps.
  const slopes: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const agents: ReturnType<typeof keepAliveAgent>[] = [];
    const xs: number[] = [0];
    const ys: number[] = [await settledRss(pid)];
    for (let step = 1; step * STEP <= EXTRA; step++) {
      agents.push(keepAliveAgent(STEP));
      await Promise.all(
        agents.flatMap((agent) =>
          Array.from({ length: STEP }, () => send(target, { path: "/api/about" }, agent)),
        ),
      );
      xs.push(step * STEP);
      ys.push(await settledRss(pid));
    }
    slopes.push(leastSquaresSlope(xs, ys));
    for (const agent of agents) agent.destroy();
    await sleep(1_000);
  }
  polling = false;
  await Promise.all(pollers);
  four.destroy();
  return {
    fresh,
    idle,
    four: withFour,
    rounds: slopes,
  };
}

console.log(`Memory — ${machineLine()}`);
console.log(
  `per-session cost: ${EXTRA} extra sessions in steps of ${STEP}, slope of RSS over sessions; ${ROUNDS} rounds (RSS moves by whole pages and with the allocator's reuse, so single rounds scatter)`,
);

const work = mkdtempSync(join(tmpdir(), "owts-bench-mem-"));
const device = await startBenchDevice(
  ["--mode", "aircraft", "--id", "BEAE01", "--max-sockets", "64", "--log-level", "warn"],
  { env: gcOnSignalEnv() },
);
const deviceStarted = performance.now();
try {
  const deviceFresh = await settledRss(device.pid);
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
  const bareStarted = performance.now();
  const bareFresh = await settledRss(bare.pid);
  let base: MemoryFigures;
  let dev: MemoryFigures;
  try {
    base = await measure(loopback(bare.port), bare.pid, bareStarted, bareFresh);
    dev = await measure(target, device.pid, deviceStarted, deviceFresh);
  } finally {
    await bare.stop();
  }
  const statusAgent = keepAliveAgent(1);
  const status = JSON.parse((await send(target, { path: "/api/status" }, statusAgent)).body.toString()) as {
    memory: { heap_free: number; heap_free_min: number; heap_used: number; rss: number };
  };
  statusAgent.destroy();

  const rows: Cell[][] = [
    [
      "RSS right after start, before any request",
      mib(base.fresh),
      mib(dev.fresh),
      ratio(dev.fresh, base.fresh),
    ],
    [
      "RSS idle, steady state (warmed up, 20 s after start)",
      mib(base.idle),
      mib(dev.idle),
      ratio(dev.idle, base.idle),
    ],
    ["RSS with 4 sessions polling at 2 Hz", mib(base.four), mib(dev.four), ratio(dev.four, base.four)],
    [
      `RSS per extra idle TLS session (KiB), median of ${ROUNDS} rounds`,
      `${kib(median(base.rounds))} [${kib(Math.min(...base.rounds))} .. ${kib(Math.max(...base.rounds))}]`,
      `${kib(median(dev.rounds))} [${kib(Math.min(...dev.rounds))} .. ${kib(Math.max(...dev.rounds))}]`,
      ratio(median(dev.rounds), median(base.rounds)),
    ],
  ];
  printTable(
    "Memory (MiB unless noted)",
    ["figure", "bare node:https (baseline)", "owts device", "vs baseline"],
    rows,
  );
  console.log(
    `per-session slope by round, KiB: baseline ${base.rounds.map((r) => kib(r)).join(" ")}; device ${dev.rounds.map((r) => kib(r)).join(" ")}`,
  );
  console.log(
    `device heap now: used ${mib(status.memory.heap_used)} MiB, free ${mib(status.memory.heap_free)} MiB; lowest free over the run ${mib(status.memory.heap_free_min)} MiB (${fixed((status.memory.heap_free_min / (status.memory.heap_free + status.memory.heap_used)) * 100, 1)}% of the limit)`,
  );
} finally {
  await device.close();
  rmSync(work, { recursive: true, force: true });
}
