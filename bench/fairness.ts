// Who gets served when a 4-session device is contended, before and after the h2 / fairness work, in
// one run: the same HTTPS app (node:http2 with HTTP/1.1 fallback, the socket budget, Fastify) three
// ways — "before" (the budget's rules as they were: rotate a busy session after every response while
// anyone waits, no ClientHello-ready preference, no flush bound, bodies bounded only by the 20 s
// request timeout), "now" (the defaults), and "unbounded" (64 sessions, the baseline for rates).
// Workloads: 16 busy HTTP/1.1 keep-alive clients; a 2 Hz poller beside 40 silent + 40 partial-
// ClientHello connections from its own address; beside 4 slow readers; beside 4 slow bodies; and ten
// phones loading the UI at once over h2 (one session each) and over six HTTP/1.1 connections each.
// In-process and on loopback: the figures are ratios and latencies on this machine, not a device's.
//   npm run build && node dist/bench/fairness.js [--quick] [--seconds N]

import { mkdtempSync, rmSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { issueCertificate } from "../src/certs/index.js";
import { createDeviceLogger } from "../src/device/logger.js";
import { createHttpsApp, type HttpsApp, type HttpsAppOptions } from "../src/web/https-server.js";
import { benchArgs } from "./lib/args.js";
import { keepAliveAgent, loopback, send, type Target } from "./lib/load-client.js";
import { fixed, Histogram, ratio } from "./lib/stats.js";
import { type Cell, machineLine, printTable } from "./lib/table.js";
import { firstLoadPaths } from "./lib/ui-assets.js";

const args = benchArgs("usage: node dist/bench/fairness.js [--quick] [--seconds N]");
const SECONDS = args.seconds ?? (args.quick ? 4 : 8);
const BIG = Buffer.alloc(1024 * 1024, "x");

const dir = mkdtempSync(join(tmpdir(), "owts-bench-fair-"));
const issued = await issueCertificate({
  dataDir: dir,
  hostname: "localhost",
  extraSans: ["DNS:localhost", "IP:127.0.0.1"],
});
rmSync(dir, { recursive: true, force: true });

type Mode = "before" | "now" | "unbounded";
const MODES: Mode[] = ["unbounded", "before", "now"];

function modeOptions(mode: Mode): Pick<HttpsAppOptions, "sessions" | "limits"> {
  if (mode === "unbounded") return { sessions: { maxSessions: 64 } };
  if (mode === "now") return { sessions: { maxSessions: 4 } };
  return {
    sessions: {
      maxSessions: 4,
      sliceMs: 1,
      readyFirst: false,
      flushStallMs: 3_600_000,
      flushStallIdleMs: 3_600_000,
    },
    limits: { bodyMinBytesPerSecond: 0.01 },
  };
}

async function startDevice(mode: Mode): Promise<{ app: HttpsApp; target: Target }> {
  const { logger } = createDeviceLogger({ destination: null, level: "warn" });
  const app = await createHttpsApp({
    certificate: { certPem: issued.certPem, keyPem: issued.keyPem },
    logger,
    device: { mode: "winch", hostname: "OWTS-winch-BE0001", espId: "BE0001", version: "bench" },
    ...modeOptions(mode),
  });
  app.app.get("/api/poll", async () => ({ ias_kmh: 0, fresh: true }));
  app.app.get("/api/big", async (_req, reply) => reply.type("application/octet-stream").send(BIG));
  app.app.post("/api/echo", async (req) => ({ got: req.body }));
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, target: loopback(address.port, "localhost") };
}

/** A client polling at 2 Hz over one keep-alive connection; every answer's latency, timeouts as 10 s. */
async function poller(
  target: Target,
  untilMs: number,
): Promise<{ hist: Histogram; expected: number; ok: number }> {
  const agent = keepAliveAgent(1);
  const hist = new Histogram();
  let expected = 0;
  let ok = 0;
  while (performance.now() < untilMs) {
    const t0 = performance.now();
    expected++;
    try {
      const r = await send(target, { path: "/api/poll" }, agent, 10_000);
      if (r.status === 200) ok++;
      hist.add(performance.now() - t0);
    } catch {
      hist.add(10_000);
    }
    await sleep(Math.max(0, 500 - (performance.now() - t0)));
  }
  agent.destroy();
  return { hist, expected, ok };
}

/** Keeps `n` attackers of one kind alive until `untilMs`, reopening each one the device closes. */
function attackers(n: number, untilMs: number, open: () => net.Socket): () => void {
  const live = new Set<net.Socket>();
  let stopped = false;
  const spawn = (): void => {
    if (stopped || performance.now() > untilMs) return;
    const s = open();
    live.add(s);
    s.on("error", () => {});
    s.once("close", () => {
      live.delete(s);
      setTimeout(spawn, 20);
    });
  };
  for (let i = 0; i < n; i++) spawn();
  return () => {
    stopped = true;
    for (const s of live) s.destroy();
  };
}

const tlsTo = (target: Target, onSecure: (s: tls.TLSSocket) => void): tls.TLSSocket => {
  const s = tls.connect({
    host: target.host,
    port: target.port,
    servername: "localhost",
    rejectUnauthorized: false,
    ALPNProtocols: ["http/1.1"],
  });
  s.once("secureConnect", () => onSecure(s));
  return s;
};

const rows: Cell[][] = [];
const pollerRow = (workload: string, mode: Mode, r: { hist: Histogram; expected: number; ok: number }) =>
  rows.push([
    workload,
    mode,
    `${r.ok}/${r.expected}`,
    fixed(r.hist.p50, 0),
    fixed(r.hist.max, 0),
    r.hist.max <= 2_000 ? "yes" : "no",
  ]);

console.log(`Fairness under contention — ${machineLine()}`);

// 1. Sixteen busy HTTP/1.1 keep-alive clients.
const busyRows: Cell[][] = [];
let unboundedRate = 0;
for (const mode of MODES) {
  const { app, target } = await startDevice(mode);
  const until = performance.now() + SECONDS * 1000;
  const hist = new Histogram();
  let done = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      const agent = keepAliveAgent(1);
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          const r = await send(target, { path: "/api/poll" }, agent, 10_000);
          if (r.status === 200) done++;
          else failed++;
        } catch {
          failed++;
        }
        hist.add(performance.now() - t0);
      }
      agent.destroy();
    }),
  );
  const rate = done / SECONDS;
  if (mode === "unbounded") unboundedRate = rate;
  const st = app.budget.stats();
  busyRows.push([
    mode,
    fixed(rate, 0),
    ratio(rate, unboundedRate),
    failed,
    fixed(hist.p50, 1),
    fixed(hist.max, 0),
    st.admitted_total,
    st.sliced,
  ]);
  await app.close();
}
printTable(
  `16 busy HTTP/1.1 keep-alive clients, ${SECONDS} s, against 4 sessions (unbounded: 64)`,
  ["device", "req/s", "vs unbounded", "failed", "p50 ms", "worst ms", "TLS sessions", "slices ended"],
  busyRows,
);

// 2–4. A 2 Hz poller beside attackers that share its address.
for (const mode of MODES.filter((m) => m !== "unbounded")) {
  {
    const { app, target } = await startDevice(mode);
    const until = performance.now() + SECONDS * 1000;
    const stopSilent = attackers(40, until, () => net.connect(target.port, target.host));
    const stopPartial = attackers(40, until, () => {
      const s = net.connect(target.port, target.host);
      s.once("connect", () => s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00])));
      return s;
    });
    await sleep(300);
    pollerRow("40 silent + 40 partial ClientHello, same address", mode, await poller(target, until));
    stopSilent();
    stopPartial();
    await app.close();
  }
  {
    const { app, target } = await startDevice(mode);
    const until = performance.now() + SECONDS * 1000;
    const stop = attackers(4, until, () =>
      tlsTo(target, (s) => {
        s.write("GET /api/big HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(8));
        // Reads a few bytes a second.
        s.pause();
        const t = setInterval(() => s.read(64), 1000);
        s.once("close", () => clearInterval(t));
      }),
    );
    await sleep(300);
    pollerRow("4 slow readers (8 pipelined 1 MiB answers, 64 B/s)", mode, await poller(target, until));
    stop();
    rows.push(["", "", `slow readers closed: ${app.budget.stats().closed_for.slow_reader}`, "", "", ""]);
    await app.close();
  }
  {
    const { app, target } = await startDevice(mode);
    const until = performance.now() + SECONDS * 1000;
    const stop = attackers(4, until, () =>
      tlsTo(target, (s) => {
        s.write(
          "POST /api/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{",
        );
        const t = setInterval(() => s.writable && s.write(" "), 1000);
        s.once("close", () => clearInterval(t));
      }),
    );
    await sleep(300);
    pollerRow("4 slow bodies (1 byte/s)", mode, await poller(target, until));
    stop();
    rows.push(["", "", `408 for slow bodies: ${app.budget.stats().closed_for.slow_body}`, "", "", ""]);
    await app.close();
  }
}
printTable(
  `A client polling at 2 Hz from the attackers' address, ${SECONDS} s, 4 sessions`,
  ["attack", "device", "answers", "p50 ms", "worst ms", "all within 2 s"],
  rows,
);

// 5. Ten phones open the page at once: h2 (one session each) and HTTP/1.1 (six connections each).
async function phoneH2(target: Target, paths: string[]): Promise<number> {
  const s = http2.connect(`https://localhost:${target.port}`, {
    host: target.host,
    rejectUnauthorized: false,
  } as never);
  s.on("error", () => {});
  let failed = 0;
  await Promise.all(
    paths.map(
      (p) =>
        new Promise<void>((resolve) => {
          const r = s.request({ ":path": p, "accept-encoding": "br, gzip" });
          r.on("response", (h) => {
            if (Number(h[":status"]) !== 200) failed++;
          });
          r.on("error", () => {
            failed++;
            resolve();
          });
          r.resume();
          r.on("end", () => resolve());
        }),
    ),
  );
  s.close();
  return failed;
}

async function phoneH1(target: Target, paths: string[], index: number): Promise<number> {
  const agent = keepAliveAgent(6, { localAddress: `127.0.1.${index + 1}` });
  let failed = 0;
  await Promise.all(
    paths.map(async (p) => {
      try {
        const r = await send(target, { path: p, headers: { "accept-encoding": "br, gzip" } }, agent, 20_000);
        if (r.status !== 200) failed++;
      } catch {
        failed++;
      }
    }),
  );
  agent.destroy();
  return failed;
}

const burstRows: Cell[][] = [];
for (const proto of ["h2", "HTTP/1.1 × 6"] as const) {
  let base = 0;
  for (const mode of MODES) {
    const { app, target } = await startDevice(mode);
    const { ui } = await firstLoadPaths(target);
    const paths = [...ui, "/api/poll", "/api/poll?first", "/api/poll?second"];
    const times: number[] = [];
    let failed = 0;
    for (let round = 0; round < (args.quick ? 1 : 3); round++) {
      const t0 = performance.now();
      const f = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          proto === "h2" ? phoneH2(target, paths) : phoneH1(target, paths, i),
        ),
      );
      failed += f.reduce((a, b) => a + b, 0);
      times.push(performance.now() - t0);
      await sleep(1_200);
    }
    const ms = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    if (mode === "unbounded") base = ms;
    const st = app.budget.stats();
    burstRows.push([
      `${proto}, ${mode}`,
      paths.length,
      failed,
      st.peak_open,
      st.admitted_total,
      fixed(ms, 0),
      ratio(ms, base),
    ]);
    await app.close();
  }
}
printTable(
  "Ten phones load the UI at once (median of rounds): one h2 session each vs six HTTP/1.1 connections each",
  [
    "protocol, device",
    "requests/phone",
    "failed",
    "peak sessions",
    "TLS sessions",
    "burst ms",
    "vs unbounded",
  ],
  burstRows,
);
process.exit(0);
