// End-to-end latency: an airspeed sample in the aircraft to the same value in the winch's /api/winch,
// through the sim radio link, as a client sees it. `owts demo` runs both units; one client polls the
// aircraft's /api/aircraft/live and another the winch's /api/winch, each every POLL_MS over keep-alive
// HTTPS, and every new winch value is matched to the moment the aircraft first showed it. The baseline
// is the measurement's own floor: a second poller of the aircraft matched against the first in the same
// way (what polling alone adds). Loopback only.
//   npm run build && node dist/bench/e2e-latency.js [--quick] [--seconds N]
import { benchArgs } from "./lib/args.js";
import { keepAliveAgent, loopback, send, type Target } from "./lib/load-client.js";
import { startBenchDemo } from "./lib/processes.js";
import { fixed, Histogram } from "./lib/stats.js";
import { type Cell, machineLine, printTable } from "./lib/table.js";

const args = benchArgs("usage: node dist/bench/e2e-latency.js [--quick] [--seconds N]");
const seconds = args.seconds ?? (args.quick ? 20 : 90);
const POLL_MS = 10;
/** A winch value is matched to an aircraft value seen at most this long before it. */
const MATCH_WINDOW_MS = 2_000;

interface Seen {
  value: number;
  at: number;
}

/** Polls `path` every POLL_MS until `until`; records each value the first time it appears in a row. */
async function watch(
  target: Target,
  path: string,
  pick: (body: unknown) => number | null,
  until: number,
): Promise<Seen[]> {
  const agent = keepAliveAgent(1);
  const seen: Seen[] = [];
  let last: number | null = null;
  let etag: string | undefined;
  while (performance.now() < until) {
    const t0 = performance.now();
    const r = await send(target, { path, headers: etag ? { "if-none-match": etag } : {} }, agent).catch(
      () => null,
    );
    if (r?.status === 200) {
      etag = typeof r.headers.etag === "string" ? r.headers.etag : undefined;
      const v = pick(JSON.parse(r.body.toString()));
      // The moment the answer arrived is when a client could first show the value.
      if (v !== null && v !== last) seen.push({ value: v, at: performance.now() });
      last = v;
    }
    const wait = POLL_MS - (performance.now() - t0);
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
  agent.destroy();
  return seen;
}

/**
 * Latency of each `later` value after the latest matching `earlier` value within the window. With
 * `symmetric` (two pollers of the same endpoint, neither of which is "first"), the nearest matching value
 * on either side counts, as an absolute difference.
 */
function match(earlier: Seen[], later: Seen[], symmetric = false): { latency: Histogram; unmatched: number } {
  const latency = new Histogram();
  let unmatched = 0;
  for (const w of later) {
    let best: number | undefined;
    for (const a of earlier) {
      if (a.value !== w.value) continue;
      const d = w.at - a.at;
      if (symmetric ? Math.abs(d) > MATCH_WINDOW_MS : d < 0 || d > MATCH_WINDOW_MS) continue;
      if (best === undefined || Math.abs(d) < Math.abs(best)) best = d;
    }
    if (best === undefined) unmatched++;
    else latency.add(Math.abs(best));
  }
  return { latency, unmatched };
}

console.log(`End-to-end latency — ${machineLine()}`);
console.log(`owts demo (sim radio, default loss), ${seconds} s, each poller every ${POLL_MS} ms`);
const demo = await startBenchDemo(["--log-level", "warn"]);
try {
  const aircraft = loopback(demo.aircraft.httpsPort);
  const winch = loopback(demo.winch.httpsPort);
  const until = performance.now() + seconds * 1000;
  const ias = (b: unknown) => {
    const v = (b as { ias?: unknown }).ias;
    return typeof v === "number" ? v : null;
  };
  const winchIas = (b: unknown) => {
    const t = (b as { telemetry?: { ias?: unknown } | null }).telemetry;
    return t && typeof t.ias === "number" ? t.ias : null;
  };
  const [a1, a2, w] = await Promise.all([
    watch(aircraft, "/api/aircraft/live", ias, until),
    watch(aircraft, "/api/aircraft/live", ias, until),
    watch(winch, "/api/winch", winchIas, until),
  ]);
  const floor = match(a1, a2, true);
  const e2e = match(a1, w);
  const row = (name: string, m: ReturnType<typeof match>, total: number): Cell[] => [
    name,
    m.latency.count,
    m.unmatched,
    fixed(m.latency.p50, 1),
    fixed(m.latency.p95, 1),
    fixed(m.latency.p99, 1),
    fixed(m.latency.max, 1),
    total,
  ];
  printTable(
    "Airspeed sample in the aircraft → the same value at a client of the winch (ms)",
    ["path", "matched", "unmatched", "p50", "p95", "p99", "max", "values seen"],
    [
      row("aircraft live, two pollers (baseline: what polling alone adds)", floor, a2.length),
      row("aircraft live → sim radio → winch /api/winch", e2e, w.length),
    ],
  );
  console.log(
    `aircraft values seen: ${a1.length}; the winch shows every transmitted sample (5 Hz), the aircraft every sample (20 Hz)`,
  );
} finally {
  await demo.close();
}
