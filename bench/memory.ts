// Memory of a running device: RSS idle, with 4 sessions (the default budget, polling like the UI), and
// the cost of each further TLS session; the lowest free heap the device saw over the run (from
// /api/status). Baseline: a bare node:https server process with the same certificate answering the same
// bytes, measured the same way in the same run. The device runs twice: as `owts start` from a shell,
// and as the systemd unit runs it (its node flags and environment, SERVICE_NODE_FLAGS and
// SERVICE_ENVIRONMENT in src/service/unit.ts). Loopback only.
//   npm run build && node dist/bench/memory.js [--quick]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from "../src/service/unit.js";
import { benchArgs } from "./lib/args.js";
import { type CannedRoute, canned, startBareServer } from "./lib/bare-server.js";
import { keepAliveAgent, loopback, runLoad, send, type Target } from "./lib/load-client.js";
import { gcOnSignalEnv, peakRss, rssOf, startBenchDevice } from "./lib/processes.js";
import { fixed, kib, median, mib, ratio } from "./lib/stats.js";
import { type Cell, machineLine, printTable } from "./lib/table.js";

const args = benchArgs("usage: node dist/bench/memory.js [--quick]");
const EXTRA = 60;
const STEP = 10;
const ROUNDS = args.quick ? 3 : 7;
const SETTLE_AFTER_START_MS = 20_000;
/** Idle time after the warm-up before "idle" is read: V8's memory reducer has run by then. */
const IDLE_AFTER_USE_MS = 15_000;
/** The start-up window whose highest RSS is the "peak" figure. */
const PEAK_WINDOW_MS = 15_000;
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
  // V8 keeps the heap a burst grew committed until its memory reducer runs (it starts 8 s after the
  // allocation rate drops; a forced GC alone does not give the pages back): the start-up heap for
  // ~15 s after start (RSS then drops by a third), the warm-up's for ~10 s after it. "idle" is the
  // steady state after both, for every process alike (they are measured one after the other).
  await sleep(Math.max(IDLE_AFTER_USE_MS, SETTLE_AFTER_START_MS - (performance.now() - startedAt)));
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
const deviceArgs = (id: string) => [
  "--mode",
  "aircraft",
  "--id",
  id,
  "--max-sockets",
  "64",
  "--log-level",
  "warn",
];
let devicePeak: Promise<number> = Promise.resolve(0);
const device = await startBenchDevice(deviceArgs("BEAE01"), {
  env: gcOnSignalEnv(),
  onSpawn: (pid) => {
    devicePeak = peakRss(pid, PEAK_WINDOW_MS);
  },
});
const deviceStarted = performance.now();
let servicePeak: Promise<number> = Promise.resolve(0);
const service = await startBenchDevice(deviceArgs("BEAE02"), {
  env: { ...gcOnSignalEnv(), ...SERVICE_ENVIRONMENT },
  nodeArgs: SERVICE_NODE_FLAGS,
  onSpawn: (pid) => {
    servicePeak = peakRss(pid, PEAK_WINDOW_MS);
  },
});
const serviceStarted = performance.now();
try {
  const deviceFresh = await settledRss(device.pid);
  const serviceFresh = await settledRss(service.pid);
  const target = loopback(device.httpsPort);
  const probe = keepAliveAgent(1);
  const routes: Record<string, CannedRoute> = {};
  for (const path of PATHS)
    routes[path] = { ok: canned(await send(target, { path, headers: { "accept-encoding": "br" } }, probe)) };
  probe.destroy();
  let barePeak: Promise<number> = Promise.resolve(0);
  const bare = await startBareServer(
    { certPath: join(device.dataDir, "owts.crt"), keyPath: join(device.dataDir, "owts.key"), routes },
    work,
    gcOnSignalEnv(),
    (pid) => {
      barePeak = peakRss(pid, PEAK_WINDOW_MS);
    },
  );
  const bareStarted = performance.now();
  const bareFresh = await settledRss(bare.pid);
  let base: MemoryFigures;
  let dev: MemoryFigures;
  let svc: MemoryFigures;
  try {
    base = await measure(loopback(bare.port), bare.pid, bareStarted, bareFresh);
    dev = await measure(target, device.pid, deviceStarted, deviceFresh);
    svc = await measure(loopback(service.httpsPort), service.pid, serviceStarted, serviceFresh);
  } finally {
    await bare.stop();
  }
  const peaks = { base: await barePeak, dev: await devicePeak, svc: await servicePeak };
  const heapOf = async (port: number) => {
    const agent = keepAliveAgent(1);
    const status = JSON.parse(
      (await send(loopback(port), { path: "/api/status" }, agent)).body.toString(),
    ) as {
      memory: { heap_free: number; heap_free_min: number; heap_used: number; rss: number };
    };
    agent.destroy();
    return status.memory;
  };

  const row = (label: string, pick: (f: MemoryFigures) => number): Cell[] => [
    label,
    mib(pick(base)),
    mib(pick(dev)),
    ratio(pick(dev), pick(base)),
    mib(pick(svc)),
    ratio(pick(svc), pick(base)),
  ];
  const slopes = (f: MemoryFigures) =>
    `${kib(median(f.rounds))} [${kib(Math.min(...f.rounds))} .. ${kib(Math.max(...f.rounds))}]`;
  const rows: Cell[][] = [
    [
      `peak RSS in the first ${PEAK_WINDOW_MS / 1000} s (sampled every 50 ms from spawn)`,
      mib(peaks.base),
      mib(peaks.dev),
      ratio(peaks.dev, peaks.base),
      mib(peaks.svc),
      ratio(peaks.svc, peaks.base),
    ],
    row("RSS right after start, before any request", (f) => f.fresh),
    row("RSS idle, steady state (warmed up, then 15 s idle; 20 s after start at least)", (f) => f.idle),
    row("RSS with 4 sessions polling at 2 Hz", (f) => f.four),
    [
      `RSS per extra idle TLS session (KiB), median of ${ROUNDS} rounds`,
      slopes(base),
      slopes(dev),
      ratio(median(dev.rounds), median(base.rounds)),
      slopes(svc),
      ratio(median(svc.rounds), median(base.rounds)),
    ],
  ];
  printTable(
    "Memory (MiB unless noted)",
    [
      "figure",
      "bare node:https (baseline)",
      "owts start",
      "vs baseline",
      "owts as the service runs it",
      "vs baseline",
    ],
    rows,
  );
  console.log(
    `the service's node flags: ${SERVICE_NODE_FLAGS.join(" ") || "(none)"}; environment: ${Object.entries(
      SERVICE_ENVIRONMENT,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}`,
  );
  console.log(
    `per-session slope by round, KiB: baseline ${base.rounds.map((r) => kib(r)).join(" ")}; owts start ${dev.rounds.map((r) => kib(r)).join(" ")}; service ${svc.rounds.map((r) => kib(r)).join(" ")}`,
  );
  for (const [name, port] of [
    ["owts start", device.httpsPort],
    ["service", service.httpsPort],
  ] as const) {
    const m = await heapOf(port);
    console.log(
      `${name} heap now: used ${mib(m.heap_used)} MiB, free ${mib(m.heap_free)} MiB; lowest free over the run ${mib(m.heap_free_min)} MiB (${fixed((m.heap_free_min / (m.heap_free + m.heap_used)) * 100, 1)}% of the limit)`,
    );
  }
} finally {
  await device.close();
  await service.close();
  rmSync(work, { recursive: true, force: true });
}
