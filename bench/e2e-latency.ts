// Sample to screen: how old is the airspeed the winch monitor shows? Two `owts start` units on
// 127.0.0.1 linked over the UDP radio, the aircraft replaying a synthetic launch whose every sample is a
// distinct value (a 70 → 170 km/h sawtooth, 0.2 km/h per 50 ms row, 25 s per tooth, so any value seen
// identifies its sample). The moment each sample exists is taken from the aircraft's own
// event stream (push, no poll interval). Debian's Chromium shows the winch monitor twice at once: one
// page as it is (event stream), one without EventSource (2 Hz conditional polling, the fallback and the
// original's way). Each page records when every new value reached the screen (a MutationObserver: the
// DOM holds it; the paint that follows, at most a display frame, is not counted, because a tab that is
// not in front gets its animation frames throttled); the age of what is on screen is integrated over time, 1 ms steps, so a
// value that stays up for 500 ms counts 500 times as much as one that is replaced after 1 ms. Baseline,
// in the same run: the winch's /api/winch/stream read by Node (the link and the device, no browser).
//   npm run build && node dist/bench/e2e-latency.js [--quick] [--seconds N]
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchArgs } from "./lib/args.js";
import { CHROMIUM, HEADLESS_ARGS } from "./lib/chromium.js";
import { startBenchDevice } from "./lib/processes.js";
import { fixed, Histogram } from "./lib/stats.js";
import { machineLine, printTable } from "./lib/table.js";

const args = benchArgs("usage: node dist/bench/e2e-latency.js [--quick] [--seconds N]");
const seconds = args.seconds ?? (args.quick ? 25 : 90);
/** Values on screen are matched to the latest aircraft sample of that value at most this long before. */
const MATCH_WINDOW_MS = 2_000;
/** Time after the first live value before measuring: pages loaded, streams open, launch detected. */
const WARMUP_MS = 5_000;

/** Extra `owts start` flags for the winch (e.g. `--max-sockets 8`), from OWTS_BENCH_WINCH_ARGS. */
// Default: 8 TLS sessions. Over HTTP/1.1 an event stream holds a session of its own, and two pages plus
// this bench's own reader overflow the device's default 4 (the polling page then waits in the budget's
// queue, which measures the budget, not the link); with HTTP/2 a page's stream rides its one session.
const WINCH_EXTRA = (process.env.OWTS_BENCH_WINCH_ARGS ?? "--max-sockets 8").split(" ").filter(Boolean);

/** A value keyed at the 0.1 km/h the frames carry. */
const key = (kmh: number) => Math.round(kmh * 10);

/** The synthetic launch: ground roll, then a sawtooth of distinct values for the whole run. */
function launchCsv(durationS: number): string {
  const rows = ["t_ms,ias_kmh", "0,0", "1000,0"];
  const stepMs = 50;
  for (let t = 1000 + stepMs, i = 0; t <= (durationS + 60) * 1000; t += stepMs, i++)
    rows.push(`${t},${(70 + ((i * 0.2) % 100)).toFixed(1)}`);
  return `${rows.join("\n")}\n`;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Seen {
  key: number;
  at: number;
}

/** Reads an event stream from Node, recording Date.now() of each new value `pick` finds. */
function readStream(port: number, path: string, pick: (doc: unknown) => number | null) {
  const seen: Seen[] = [];
  let last: number | null = null;
  const req = https.get(
    {
      host: "127.0.0.1",
      port,
      path,
      rejectUnauthorized: false,
      agent: false,
      headers: { accept: "text/event-stream" },
    },
    (res) => {
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const at = Date.now();
        buf += chunk;
        let end = buf.indexOf("\n\n");
        while (end >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (data && !/^event:/m.test(block)) {
            const v = pick(JSON.parse(data));
            if (v !== null && v !== last) seen.push({ key: v, at });
            last = v;
          }
          end = buf.indexOf("\n\n");
        }
      });
    },
  );
  req.on("error", () => {});
  return { seen, close: () => req.destroy() };
}

/*
 * When a value was sampled. The replay plays row times from its start, so a value of the sawtooth
 * names its sample time up to the tooth (every TOOTH_MS): value v of tooth n was sampled at
 * start + TOOTH_START_MS + (v - 70) / SLOPE + n * TOOTH_MS. The start (in Date.now() terms) is taken
 * from the aircraft's own event stream read here: each event bounds it from above (it arrived no
 * sooner than its sample), and the least delayed one is the estimate. Timing in this process (it
 * also drives Chromium) then shifts nothing: only its best case counts.
 */
const TOOTH_START_MS = 1050;
const TOOTH_MS = 25_000;
/** km/h per ms: 0.2 km/h per 50 ms row (0.8 km/h per 5 Hz frame: every frame a new value at 0.1). */
const SLOPE = 0.004;

/** Replay times (ms after its start) at which value `k` (tenths) was sampled, newest first up to `maxMs`. */
function replayTimes(k: number, maxMs: number): number[] {
  const v = k / 10;
  if (v < 70 || v >= 170) return [];
  const out: number[] = [];
  for (let t = TOOTH_START_MS + (v - 70) / SLOPE; t <= maxMs; t += TOOTH_MS) out.push(t);
  return out.reverse();
}

/**
 * The replay's start as Date.now(), from events of the aircraft's own stream. It started between the
 * spawn and `ready` (well within a tooth), so each event names one candidate in the tooth-long window
 * ending 2 s after `ready`; the least delayed events give the start.
 */
function replayStart(seen: readonly Seen[], ready: number): number {
  const starts: number[] = [];
  for (const s of seen)
    for (const t of replayTimes(s.key, s.at - ready + TOOTH_MS)) {
      const start = s.at - t;
      if (start > ready + 2000 - TOOTH_MS && start <= ready + 2000) starts.push(start);
    }
  // The 1st percentile, not the minimum: a sample caught in a tooth's 1 ms drop names a wrong start.
  starts.sort((a, b) => a - b);
  return starts[Math.floor(starts.length / 100)] ?? Number.NaN;
}

/** Date.now() of the latest sample of value `k` at or before `at`, within the match window. */
function sampleTime(start: number, k: number, at: number): number | undefined {
  for (const t of replayTimes(k, at - start)) {
    const sampled = start + t;
    if (sampled <= at && at - sampled <= MATCH_WINDOW_MS) return sampled;
  }
  return undefined;
}

interface AgeResult {
  age: Histogram;
  /** Values shown that match no aircraft sample (should be none). */
  unmatched: number;
  /** Screen updates inside the window. */
  updates: number;
  /** Share of the window with no current value on screen (stale or no signal shown). */
  blankShare: number;
}

/** Time-weighted age of what a viewer had (1 ms steps) from `from` to `to`. */
function timeWeightedAge(
  timeline: { at: number; key: number | null }[],
  replayAt: number,
  from: number,
  to: number,
): AgeResult {
  const age = new Histogram();
  let unmatched = 0;
  let blank = 0;
  let updates = 0;
  for (let i = 0; i < timeline.length; i++) {
    const cur = timeline[i]!;
    const shownFrom = Math.max(from, cur.at);
    const end = Math.min(to, timeline[i + 1]?.at ?? to);
    if (end <= shownFrom) continue;
    updates++;
    if (cur.key === null) {
      blank += end - shownFrom;
      continue;
    }
    const sampled = sampleTime(replayAt, cur.key, cur.at);
    if (sampled === undefined) {
      unmatched++;
      continue;
    }
    for (let t = shownFrom; t < end; t++) age.add(t - sampled);
  }
  return { age, unmatched, updates, blankShare: blank / Math.max(1, to - from) };
}

const INSTRUMENT = `
  window.__owtsEvents = 0;
  if (window.EventSource) {
    const Original = window.EventSource;
    window.EventSource = class extends Original {
      constructor(url, init) {
        super(url, init);
        this.addEventListener("message", () => window.__owtsEvents++);
      }
    };
  }
  window.__owtsScreen = [];
  let last;
  const check = () => {
    const el = document.querySelector('[data-testid="ias"]');
    const text = el ? el.textContent : null;
    if (text === last) return;
    last = text;
    window.__owtsScreen.push([Date.now(), text]);
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
`;

console.log(`Sample to screen — ${machineLine()}`);
console.log(
  `two units over UDP on 127.0.0.1, synthetic launch, ${seconds} s measured after ${WARMUP_MS / 1000} s warm-up`,
);
if (!existsSync(CHROMIUM)) {
  console.log(`no Chromium at ${CHROMIUM} (set OWTS_CHROMIUM): nothing to measure`);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "owts-bench-e2e-"));
const csv = join(dir, "launch.csv");
writeFileSync(csv, launchCsv(seconds + WARMUP_MS / 1000));
const [aPort, wPort] = [await freeUdpPort(), await freeUdpPort()];
const udp = (bind: number, peer: number) => [
  "--radio",
  "udp",
  "--radio-bind",
  `127.0.0.1:${bind}`,
  "--radio-peer",
  `127.0.0.1:${peer}`,
];
const aircraft = await startBenchDevice([
  "--mode",
  "aircraft",
  "--log-level",
  "warn",
  ...udp(aPort, wPort),
  "--sensor",
  "replay",
  "--replay",
  csv,
]);
const ready = Date.now();
const winch = await startBenchDevice([
  "--mode",
  "winch",
  "--log-level",
  "warn",
  ...udp(wPort, aPort),
  ...WINCH_EXTRA,
]);
const { chromium } = await import("playwright-core");
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [...HEADLESS_ARGS],
});
try {
  const reference = readStream(aircraft.httpsPort, "/api/aircraft/live/stream", (d) => {
    const v = (d as { ias?: unknown }).ias;
    return typeof v === "number" ? key(v) : null;
  });
  const winchApi = readStream(winch.httpsPort, "/api/winch/stream", (d) => {
    const t = (d as { telemetry?: { ias?: unknown } | null }).telemetry;
    return t && typeof t.ias === "number" ? key(t.ias) : null;
  });
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 800, height: 600 },
  });
  await context.addInitScript(INSTRUMENT);
  const streamPage = await context.newPage();
  const pollPage = await context.newPage();
  await pollPage.addInitScript("delete window.EventSource;");
  const base = `https://127.0.0.1:${winch.httpsPort}/`;
  const streamLog: string[] = [];
  streamPage.on("response", (r) => {
    if (r.url().endsWith("/stream")) streamLog.push(`${r.status()}`);
  });
  streamPage.on("requestfailed", (r) => {
    if (r.url().endsWith("/stream")) streamLog.push(`failed ${r.failure()?.errorText}`);
  });
  await Promise.all([streamPage.goto(base), pollPage.goto(base)]);
  await Promise.all(
    [streamPage, pollPage].map((p) =>
      p.locator('.zone-panel[data-state="live"]').waitFor({ timeout: 60_000 }),
    ),
  );
  const from = Date.now() + WARMUP_MS;
  const to = from + seconds * 1000;
  await new Promise((r) => setTimeout(r, to - Date.now() + 300));
  const timeline = async (p: typeof streamPage) =>
    ((await p.evaluate("window.__owtsScreen")) as [number, string | null][]).map(([at, text]) => ({
      at,
      key: text === null ? null : key(Number.parseFloat(text)),
    }));
  const transport = async (p: typeof streamPage) => p.locator(".rx").getAttribute("data-transport");
  const transports = [await transport(streamPage), await transport(pollPage)];
  const start = replayStart(reference.seen, ready);
  reference.close();
  winchApi.close();
  const rows = [
    {
      name: "aircraft /api/aircraft/live/stream in Node (floor: sampling + this process)",
      r: timeWeightedAge(reference.seen, start, from, to),
    },
    {
      name: "winch /api/winch/stream in Node (baseline: link + device, no browser)",
      r: timeWeightedAge(winchApi.seen, start, from, to),
    },
    {
      name: "Chromium, winch monitor on the event stream",
      r: timeWeightedAge(await timeline(streamPage), start, from, to),
    },
    {
      name: "Chromium, winch monitor polling at 2 Hz",
      r: timeWeightedAge(await timeline(pollPage), start, from, to),
    },
  ];
  printTable(
    "Time-weighted age of the airspeed shown, sample in the aircraft → screen (ms)",
    ["what shows it", "p50", "p95", "p99", "max", "mean", "updates", "unmatched", "blank"],
    rows.map(({ name, r }) => [
      name,
      fixed(r.age.p50, 0),
      fixed(r.age.p95, 0),
      fixed(r.age.p99, 0),
      fixed(r.age.max, 0),
      fixed(r.age.mean, 0),
      r.updates,
      r.unmatched,
      `${(r.blankShare * 100).toFixed(1)} %`,
    ]),
  );
  const stream = rows[2]!.r.age;
  const poll = rows[3]!.r.age;
  if (process.env.OWTS_BENCH_DEBUG)
    console.log(`replay start ${start - ready} ms after the aircraft was ready`);
  console.log(
    `stream vs 2 Hz polling: p50 ${fixed(stream.p50 / poll.p50, 2)}x, p95 ${fixed(stream.p95 / poll.p95, 2)}x; ` +
      `target p95 ≤ 250 ms, max ≤ 400 ms: ${stream.p95 <= 250 && stream.max <= 400 ? "met" : "NOT met"}`,
  );
  console.log(
    `aircraft samples seen: ${reference.seen.length}; at the end the pages were on: ${transports.join(" and ")}; ` +
      `the stream page's streams: ${streamLog.join(", ") || "none"}; ` +
      `events the stream page received: ${await streamPage.evaluate("window.__owtsEvents")}`,
  );
} finally {
  await browser.close();
  await Promise.all([aircraft.close(), winch.close()]);
  rmSync(dir, { recursive: true, force: true });
}
