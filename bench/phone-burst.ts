// Ten phones open the device page at the same moment: each opens 6 new connections at once (what a
// mobile browser does), loads the UI and its first API calls over them, then polls the live endpoint at
// 2 Hz with If-None-Match. Against the default 4-socket device: failed requests (target 0), the most
// TLS sessions ever open (must stay <= 4, read from /api/status), and how long the burst takes. The
// baseline is the same burst against the same device with a budget high enough never to matter (64).
//   npm run build && node dist/bench/phone-burst.js [--quick]
import { benchArgs } from "./lib/args.js";
import {
  describeFailures,
  isSuccess,
  keepAliveAgent,
  loopback,
  type Reply,
  send,
  type Target,
} from "./lib/load-client.js";
import { type BenchDevice, startBenchDevice } from "./lib/processes.js";
import { fixed, Histogram, ratio } from "./lib/stats.js";
import { type Cell, machineLine, printTable } from "./lib/table.js";
import { firstLoadPaths } from "./lib/ui-assets.js";

const args = benchArgs("usage: node dist/bench/phone-burst.js [--quick]");
const PHONES = 10;
const CONNECTIONS_PER_PHONE = 6;
const POLLS = args.quick ? 4 : 10;
const POLL_INTERVAL_MS = 500;
const ROUNDS = args.quick ? 1 : 3;
const LIVE = "/api/aircraft/live";

interface PhoneResult {
  failures: Record<string, number>;
  ok: number;
  firstLoadMs: number;
  totalMs: number;
}

/** Each phone is its own host, as on the device's Wi-Fi: 127.0.1.1, 127.0.1.2, ... (all loopback on Linux). */
const phoneAddress = (i: number) => `127.0.1.${i + 1}`;

async function phone(
  target: Target,
  index: number,
  firstLoad: readonly string[],
  poll: string,
): Promise<PhoneResult> {
  const agent = keepAliveAgent(CONNECTIONS_PER_PHONE, { localAddress: phoneAddress(index) });
  const failures: Record<string, number> = {};
  let ok = 0;
  const note = (reply: Reply | Error) => {
    if (!(reply instanceof Error) && isSuccess(reply)) {
      ok++;
      return;
    }
    const key =
      reply instanceof Error
        ? ((reply as NodeJS.ErrnoException).code ?? reply.message)
        : `status ${reply.status}`;
    failures[key] = (failures[key] ?? 0) + 1;
  };
  const headers = { "accept-encoding": "br, gzip" };
  const t0 = performance.now();
  // The first load: every request at once, so the agent opens one connection for each.
  await Promise.all(
    firstLoad.map((path) =>
      send(target, { path, headers }, agent, 30_000).then(note, (err: Error) => note(err)),
    ),
  );
  const firstLoadMs = performance.now() - t0;
  let etag: string | undefined;
  for (let i = 0; i < POLLS; i++) {
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    try {
      const reply = await send(
        target,
        { path: poll, headers: etag ? { ...headers, "if-none-match": etag } : headers },
        agent,
        30_000,
      );
      if (typeof reply.headers.etag === "string") etag = reply.headers.etag;
      note(reply);
    } catch (err) {
      note(err as Error);
    }
  }
  agent.destroy();
  return { failures, ok, firstLoadMs, totalMs: performance.now() - t0 };
}

async function status(
  device: BenchDevice,
): Promise<{ peak: number; tls: unknown; purged: number; queued: number; rejected: number }> {
  const agent = keepAliveAgent(1);
  const reply = await send(loopback(device.httpsPort), { path: "/api/status" }, agent);
  agent.destroy();
  const s = JSON.parse(reply.body.toString()) as {
    sessions: { peak_open: number; purged: number; queued: number; rejected: number };
    tls_failures?: unknown;
  };
  return {
    peak: s.sessions.peak_open,
    purged: s.sessions.purged,
    queued: s.sessions.queued,
    rejected: s.sessions.rejected,
    tls: s.tls_failures,
  };
}

console.log(`Phone burst — ${machineLine()}`);
console.log(
  `${PHONES} phones (127.0.1.1-${PHONES}) x ${CONNECTIONS_PER_PHONE} new connections at once, then ${POLLS} polls at 2 Hz each; ${ROUNDS} round(s) per device`,
);

const rows: Cell[][] = [];
let baselineTotal = Number.NaN;
for (const maxSockets of [64, 4]) {
  const device = await startBenchDevice([
    "--mode",
    "aircraft",
    "--id",
    maxSockets === 4 ? "BEB004" : "BEB064",
    "--max-sockets",
    String(maxSockets),
    "--log-level",
    "warn",
  ]);
  try {
    const target = loopback(device.httpsPort);
    const paths = await firstLoadPaths(target);
    const liveAgent = keepAliveAgent(1);
    const live = await send(target, { path: LIVE }, liveAgent);
    liveAgent.destroy();
    const poll = live.status === 200 ? LIVE : "/api/about";
    const firstLoad = [...paths.ui, ...paths.api, poll].slice(0, CONNECTIONS_PER_PHONE);
    while (firstLoad.length < CONNECTIONS_PER_PHONE) firstLoad.push(poll);
    if (maxSockets === 64) console.log(`first load per phone: ${firstLoad.join(", ")}; polling ${poll}`);

    const firstLoadMs = new Histogram();
    const roundMs: number[] = [];
    const failures: Record<string, number> = {};
    let ok = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: PHONES }, (_, i) => phone(target, i, firstLoad, poll)),
      );
      roundMs.push(performance.now() - t0);
      for (const p of results) {
        ok += p.ok;
        firstLoadMs.add(p.firstLoadMs);
        for (const [k, n] of Object.entries(p.failures)) failures[k] = (failures[k] ?? 0) + n;
      }
      // Let keep-alive sessions expire between rounds, so every round starts from a quiet device.
      if (r < ROUNDS - 1) await new Promise((res) => setTimeout(res, 6_000));
    }
    const s = await status(device);
    const failed = Object.values(failures).reduce((a, n) => a + n, 0);
    const worstRound = Math.max(...roundMs);
    if (maxSockets === 64) baselineTotal = worstRound;
    rows.push([
      maxSockets === 64 ? "--max-sockets 64 (baseline)" : "--max-sockets 4 (device default)",
      ok + failed,
      failed ? `${failed} (${describeFailures(failures)})` : "0",
      `${s.peak} / ${maxSockets}`,
      s.queued,
      s.purged,
      s.rejected,
      fixed(firstLoadMs.p50, 0),
      fixed(firstLoadMs.max, 0),
      fixed(worstRound, 0),
      ratio(worstRound, baselineTotal),
    ]);
    if (maxSockets === 4 && s.peak > 4)
      console.log(`TARGET MISSED: ${s.peak} sessions were open at once (max 4)`);
    if (failed > 0) console.log(`TARGET MISSED: ${failed} failed requests (target 0)`);
    const tlsFailures = Object.entries((s.tls ?? {}) as Record<string, number>).filter(([, n]) => n > 0);
    if (tlsFailures.length)
      console.log(
        `TLS failures reported by the ${maxSockets}-socket device: ${JSON.stringify(Object.fromEntries(tlsFailures))}`,
      );
  } finally {
    await device.close();
  }
}

printTable(
  "Phone burst",
  [
    "device",
    "requests",
    "failed",
    "peak sessions",
    "queued",
    "purged",
    "rejected",
    "first load p50 ms",
    "first load max ms",
    "worst round ms",
    "vs baseline",
  ],
  rows,
);
