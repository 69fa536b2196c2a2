// Bursts of parallel new TLS connections against one HTTPS server, three ways: behind the socket
// budget (4 sessions), behind an ESP-like LRU cap (4 sessions, the least recently used socket is
// closed whatever it is doing, as esp_https_server's lru_purge_enable does), and unbounded (the
// baseline: every connection gets a session). Columns: failed requests, the most TLS sessions open
// at once (counted by the server, independently of the budget), and the time the burst took.
//   npm run build && node dist/bench/socket-budget.js [--quick]
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { issueCertificate } from "../src/certs/index.js";
import { createDeviceLogger } from "../src/device/logger.js";
import { SocketBudget, type SocketBudgetStats } from "../src/web/socket-budget.js";

const { values: args } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const ROUNDS = args.quick ? 1 : 3;
const MAX = 4;
const BODY = "x".repeat(2048);

// The device's own certificate code, as the handshake bench uses it.
const dir = mkdtempSync(join(tmpdir(), "owts-bench-tls-"));
const issued = await issueCertificate({
  dataDir: dir,
  hostname: "localhost",
  extraSans: ["DNS:localhost", "IP:127.0.0.1"],
});
const key = issued.keyPem;
const cert = issued.certPem;
rmSync(dir, { recursive: true, force: true });

type Mode = "budget" | "esp-lru" | "unbounded";

interface Running {
  port: number;
  peak(): number;
  budgetStats(): SocketBudgetStats | undefined;
  close(): Promise<void>;
}

async function startServer(mode: Mode): Promise<Running> {
  const server = https.createServer(
    { key, cert, handshakeTimeout: 10_000, keepAliveTimeout: 30_000 },
    (_req, res) => {
      setTimeout(() => res.end(BODY), 5);
    },
  );
  let live = 0;
  let peak = 0;
  server.on("connection", (socket: net.Socket) => {
    live++;
    peak = Math.max(peak, live);
    socket.once("close", () => live--);
  });
  let front: net.Server;
  let budget: SocketBudget | undefined;
  if (mode === "budget") {
    const { logger } = createDeviceLogger({ destination: null });
    budget = new SocketBudget({ logger, maxSessions: MAX, queueTimeoutMs: 15_000 });
    front = budget.attach(server);
  } else if (mode === "esp-lru") {
    front = espLikeFront(server);
  } else {
    front = server;
  }
  front.listen(0, "127.0.0.1");
  await once(front, "listening");
  return {
    port: (front.address() as net.AddressInfo).port,
    peak: () => peak,
    budgetStats: () => budget?.stats(),
    close: async () => {
      if (budget) await budget.closeAll(2_000);
      else {
        server.closeAllConnections();
        await new Promise<void>((r) => front.close(() => r()));
      }
    },
  };
}

/** The original device's policy: at most MAX sockets; a new one closes the least recently used. */
function espLikeFront(server: https.Server): net.Server {
  const open = new Map<net.Socket, number>();
  server.on("request", (req) => {
    const parent = (req.socket as { _parent?: net.Socket })._parent;
    if (parent && open.has(parent)) open.set(parent, performance.now());
  });
  return net.createServer((socket) => {
    socket.on("error", () => {});
    open.set(socket, performance.now());
    socket.once("close", () => open.delete(socket));
    if (open.size <= MAX) {
      server.emit("connection", socket);
      return;
    }
    let lru: net.Socket | undefined;
    for (const [s, t] of open) if (s !== socket && (!lru || t < open.get(lru)!)) lru = s;
    // Hand over once the purged socket is really gone, so the cap holds as the server counts it.
    open.delete(lru!);
    lru!.once("close", () => server.emit("connection", socket));
    lru!.destroy();
  });
}

function get(port: number, agent: https.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: "127.0.0.1", servername: "localhost", port, agent, path: "/" }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(20_000, () => req.destroy(new Error("timeout")));
  });
}

interface Workload {
  name: string;
  run(port: number): Promise<{ ok: number; failed: number }>;
}

/** Counts outcomes instead of throwing, so one failure does not hide the others. */
async function tally(tasks: Promise<void>[]): Promise<{ ok: number; failed: number }> {
  const r = await Promise.allSettled(tasks);
  const failed = r.filter((x) => x.status === "rejected").length;
  return { ok: r.length - failed, failed };
}

function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

function sequentialClients(clients: number, requests: number, maxThinkMs: number, seed: number): Workload {
  return {
    name: `${clients} clients x ${requests} sequential${maxThinkMs ? `, think 0-${maxThinkMs} ms` : ""}`,
    run: async (port) => {
      const rnd = prng(seed);
      const results = await Promise.all(
        Array.from({ length: clients }, async () => {
          const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: cert });
          const think = Array.from({ length: requests }, () => Math.floor(rnd() * maxThinkMs));
          let ok = 0;
          let failed = 0;
          for (const ms of think) {
            await get(port, agent).then(
              () => ok++,
              () => failed++,
            );
            if (ms) await sleep(ms);
          }
          agent.destroy();
          return { ok, failed };
        }),
      );
      return results.reduce((a, b) => ({ ok: a.ok + b.ok, failed: a.failed + b.failed }));
    },
  };
}

/** Phones loading a page: each opens `conns` connections at once, then does a second wave on them. */
function phones(count: number, conns: number): Workload {
  return {
    name: `${count} phones x ${conns} parallel connections, 2 waves`,
    run: async (port) => {
      const totals = await Promise.all(
        Array.from({ length: count }, async () => {
          const agent = new https.Agent({ keepAlive: true, maxSockets: conns, ca: cert });
          const a = await tally(Array.from({ length: conns }, () => get(port, agent)));
          const b = await tally(Array.from({ length: conns }, () => get(port, agent)));
          agent.destroy();
          return { ok: a.ok + b.ok, failed: a.failed + b.failed };
        }),
      );
      return totals.reduce((x, y) => ({ ok: x.ok + y.ok, failed: x.failed + y.failed }));
    },
  };
}

const workloads: Workload[] = [
  sequentialClients(10, 6, 0, 1),
  phones(10, 6),
  sequentialClients(10, 6, args.quick ? 1500 : 2500, 7),
];
const modes: Mode[] = ["budget", "esp-lru", "unbounded"];

interface Row {
  workload: string;
  mode: Mode;
  requests: number;
  failed: number;
  peak: number;
  ms: number[];
  purged: number;
  queued: number;
  rejected: number;
}

const rows: Row[] = [];
for (const w of workloads) {
  for (const mode of modes) {
    const row: Row = {
      workload: w.name,
      mode,
      requests: 0,
      failed: 0,
      peak: 0,
      ms: [],
      purged: 0,
      queued: 0,
      rejected: 0,
    };
    for (let round = 0; round < ROUNDS; round++) {
      const srv = await startServer(mode);
      const t0 = performance.now();
      const r = await w.run(srv.port);
      row.ms.push(performance.now() - t0);
      row.requests += r.ok + r.failed;
      row.failed += r.failed;
      row.peak = Math.max(row.peak, srv.peak());
      const st = srv.budgetStats();
      if (st) {
        row.purged += st.purged;
        row.queued += st.queued_total;
        row.rejected += st.rejected;
      }
      await srv.close();
    }
    rows.push(row);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log(
  `socket budget: ${MAX} TLS sessions, ${ROUNDS} round(s) per cell, loopback, node ${process.version}, ` +
    "handler answers 2 KiB after 5 ms\n",
);
console.log(
  "| workload                                   | mode      | requests | failed | max open | median ms | vs unbounded | purged | waited | rejected |",
);
console.log(
  "|--------------------------------------------|-----------|---------:|-------:|---------:|----------:|-------------:|-------:|-------:|---------:|",
);
for (const r of rows) {
  const base = rows.find((b) => b.workload === r.workload && b.mode === "unbounded")!;
  const budgetOnly = (n: number) => (r.mode === "budget" ? String(n) : "-");
  console.log(
    `| ${r.workload.padEnd(42)} | ${r.mode.padEnd(9)} | ${String(r.requests).padStart(8)} | ${String(r.failed).padStart(6)} | ${String(r.peak).padStart(8)} | ${median(r.ms).toFixed(0).padStart(9)} | ${(median(r.ms) / median(base.ms)).toFixed(2).padStart(11)}x | ${budgetOnly(r.purged).padStart(6)} | ${budgetOnly(r.queued).padStart(6)} | ${budgetOnly(r.rejected).padStart(8)} |`,
  );
}
console.log(
  "\nTargets: budget -> 0 failed and max open <= 4. esp-lru shows what cutting busy/just-reused sockets costs;\n" +
    "unbounded is the speed baseline (and shows how many sessions a burst wants). With think times longer than\n" +
    "the budget's 1 s idle grace, an idle keep-alive socket can be purged just as its client reuses it: Node's\n" +
    "agent does not retry that (browsers do), so failures there measure that unavoidable HTTP/1.1 race.",
);
