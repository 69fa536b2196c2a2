// What the first load of the device page costs: requests and bytes on the wire. Measured in Debian's
// Chromium (headless, loopback only) when it is installed — every request the page makes in its first
// seconds, with the encoded body sizes Chromium received — and, with or without a browser, file by file:
// the brotli and gzip bytes the device sends against the identity bytes (the baseline: what an
// uncompressed UI would cost).
//   npm run build && node dist/bench/ui-weight.js [--quick]
import { existsSync } from "node:fs";
import { benchArgs } from "./lib/args.js";
import { CHROMIUM, HEADLESS_ARGS } from "./lib/chromium.js";
import { keepAliveAgent, loopback, send, type Target } from "./lib/load-client.js";
import { type BenchDevice, startBenchDevice } from "./lib/processes.js";
import { kib, ratio } from "./lib/stats.js";
import { type Cell, machineLine, printTable } from "./lib/table.js";
import { firstLoadPaths } from "./lib/ui-assets.js";

const args = benchArgs("usage: node dist/bench/ui-weight.js [--quick]");
/** How long after the load event the page's own API calls are still counted as its first load. */
const SETTLE_MS = args.quick ? 1_500 : 3_000;

interface BrowserLoad {
  requests: { url: string; status: number; bodyBytes: number; headerBytes: number; encoding: string }[];
  loadMs: number;
}

async function browserLoad(device: BenchDevice): Promise<BrowserLoad | null> {
  if (!existsSync(CHROMIUM)) return null;
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...HEADLESS_ARGS],
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const pending: Promise<void>[] = [];
    const requests: BrowserLoad["requests"] = [];
    // Every response, finished or not: Chromium reports a fetch() that got a 304 as aborted
    // (net::ERR_ABORTED, there is no body), yet it was a complete exchange with the device.
    page.on("response", (res) => {
      const req = res.request();
      pending.push(
        (async () => {
          const sizes = await req.sizes().catch(() => null);
          requests.push({
            url: new URL(req.url()).pathname + new URL(req.url()).search,
            status: res.status(),
            bodyBytes: sizes?.responseBodySize ?? 0,
            headerBytes: sizes?.responseHeadersSize ?? 0,
            encoding: (await res.headerValue("content-encoding").catch(() => null)) ?? "identity",
          });
        })(),
      );
    });
    const t0 = performance.now();
    await page.goto(`https://127.0.0.1:${device.httpsPort}/`, { waitUntil: "load" });
    const loadMs = performance.now() - t0;
    await page.waitForTimeout(SETTLE_MS);
    await Promise.all(pending);
    return { requests, loadMs };
  } finally {
    await browser.close();
  }
}

async function fileSizes(target: Target, paths: readonly string[]): Promise<Cell[][]> {
  const agent = keepAliveAgent(1);
  const rows: Cell[][] = [];
  const totals = { br: 0, gzip: 0, identity: 0 };
  try {
    for (const path of paths) {
      const size = async (enc: string) => {
        const r = await send(target, { path, headers: { "accept-encoding": enc } }, agent);
        return { bytes: r.body.length, got: String(r.headers["content-encoding"] ?? "identity") };
      };
      const [br, gz, id] = [await size("br"), await size("gzip"), await size("identity")];
      totals.br += br.bytes;
      totals.gzip += gz.bytes;
      totals.identity += id.bytes;
      rows.push([
        path,
        `${br.bytes} (${br.got})`,
        `${gz.bytes} (${gz.got})`,
        id.bytes,
        ratio(br.bytes, id.bytes),
      ]);
    }
  } finally {
    agent.destroy();
  }
  rows.push([
    `total, ${paths.length} files`,
    `${totals.br} = ${kib(totals.br)} KiB`,
    `${totals.gzip} = ${kib(totals.gzip)} KiB`,
    `${totals.identity} = ${kib(totals.identity)} KiB`,
    ratio(totals.br, totals.identity),
  ]);
  return rows;
}

console.log(`UI weight — ${machineLine()}`);
for (const mode of ["winch", "aircraft"] as const) {
  const device = await startBenchDevice(["--mode", mode, "--id", "BEC001", "--log-level", "warn"]);
  try {
    const target = loopback(device.httpsPort);
    const { ui } = await firstLoadPaths(target);
    printTable(
      `UI files of the first load, ${mode} mode (bytes as sent for each Accept-Encoding)`,
      ["file", "br", "gzip", "identity (baseline)", "br vs identity"],
      await fileSizes(target, ui),
    );
    const load = await browserLoad(device);
    if (!load) {
      console.log(`(no browser at ${CHROMIUM}: request count from the HTML only: ${ui.length} UI files)`);
      continue;
    }
    const statusAgent = keepAliveAgent(1);
    const status = JSON.parse((await send(target, { path: "/api/status" }, statusAgent)).body.toString()) as {
      sessions: { peak_open: number; max: number };
    };
    statusAgent.destroy();
    console.log(
      `most TLS sessions open at once during the run (browser + this bench's one): ${status.sessions.peak_open} of ${status.sessions.max}`,
    );
    // Full answers one row each; the conditional polls that followed (304, no body) one row per path.
    const rows: Cell[][] = load.requests
      .filter((r) => r.status !== 304)
      .map((r) => [r.url, r.status, r.encoding, r.bodyBytes, r.headerBytes]);
    const polls = new Map<string, { n: number; head: number }>();
    for (const r of load.requests.filter((x) => x.status === 304)) {
      const p = polls.get(r.url) ?? { n: 0, head: 0 };
      polls.set(r.url, { n: p.n + 1, head: p.head + r.headerBytes });
    }
    for (const [url, p] of polls) rows.push([`${url} (polls)`, `304 x${p.n}`, "-", 0, p.head]);
    const body = load.requests.reduce((a, r) => a + r.bodyBytes, 0);
    const head = load.requests.reduce((a, r) => a + r.headerBytes, 0);
    const apiCalls = load.requests.filter((r) => r.url.startsWith("/api/")).length;
    rows.push([
      `total: ${load.requests.length} requests (${load.requests.length - apiCalls} files, ${apiCalls} API)`,
      "",
      "",
      `${body} = ${kib(body)} KiB`,
      `${head} = ${kib(head)} KiB`,
    ]);
    printTable(
      `Chromium first load, ${mode} mode: load event after ${Math.round(load.loadMs)} ms, requests counted until ${SETTLE_MS} ms later`,
      ["request", "status", "encoding", "body bytes (encoded)", "header bytes"],
      rows,
    );
  } finally {
    await device.close();
  }
}
