import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { type RejectInfo, SocketBudget, type SocketBudgetOptions } from "../../src/web/socket-budget.js";
import { makeTlsFixture, type TlsFixture } from "../helpers/tls-fixture.js";

let fx: TlsFixture;
beforeAll(() => {
  fx = makeTlsFixture();
});
afterAll(() => fx.cleanup());

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Harness {
  port: number;
  budget: SocketBudget;
  server: https.Server;
  /** Most connections the HTTPS server held at once, counted independently of the budget. */
  observedPeak(): number;
  rejects: RejectInfo[];
  close(): Promise<void>;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function start(
  opts: Partial<SocketBudgetOptions> = {},
  handler: Handler = (_req, res) => res.end("ok"),
  serverOpts: https.ServerOptions = {},
): Promise<Harness> {
  const { logger } = createDeviceLogger({ destination: null });
  const server = https.createServer({ key: fx.key, cert: fx.cert, ...serverOpts }, handler);
  const budget = new SocketBudget({ logger, maxSessions: 4, ...opts });
  const netServer = budget.attach(server);
  let live = 0;
  let peak = 0;
  server.on("connection", (socket: net.Socket) => {
    live++;
    peak = Math.max(peak, live);
    socket.once("close", () => live--);
  });
  const rejects: RejectInfo[] = [];
  budget.onRejected((r) => rejects.push(r));
  netServer.listen(0, "127.0.0.1");
  await once(netServer, "listening");
  const port = (netServer.address() as net.AddressInfo).port;
  const h: Harness = {
    port,
    budget,
    server,
    observedPeak: () => peak,
    rejects,
    close: () => budget.closeAll(1_000),
  };
  harnesses.push(h);
  return h;
}

function agent(): https.Agent {
  return new https.Agent({ keepAlive: true, maxSockets: 1, ca: fx.cert });
}

interface Got {
  status: number;
  body: string;
  connection: string | undefined;
  localPort: number | undefined;
}

function get(port: number, ag: https.Agent, path = "/"): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: "127.0.0.1", servername: "localhost", port, agent: ag, path }, (res) => {
      const localPort = res.socket.localPort;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection, localPort }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(20_000, () => req.destroy(new Error("client timeout")));
  });
}

describe("SocketBudget", () => {
  it("10 keep-alive clients at once against 4 sessions: every request succeeds, never more than 4 open", async () => {
    const h = await start({ maxSessions: 4, queueTimeoutMs: 20_000 }, (_req, res) => {
      setTimeout(() => res.end("ok"), 5);
    });
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, async () => {
          const ag = agent();
          const got: Got[] = [];
          try {
            for (let i = 0; i < 5; i++) got.push(await get(h.port, ag));
          } finally {
            ag.destroy();
          }
          return got;
        }),
      );
      const failures = results.filter((r) => r.status === "rejected");
      expect(failures).toEqual([]);
      for (const r of results) {
        if (r.status !== "fulfilled") continue;
        expect(r.value.map((g) => g.status)).toEqual([200, 200, 200, 200, 200]);
      }
    }
    const st = h.budget.stats();
    expect(st.peak_open).toBeLessThanOrEqual(4);
    expect(h.observedPeak()).toBeLessThanOrEqual(4);
    expect(st.peak_open).toBe(4);
    expect(st.queued_total).toBeGreaterThan(0);
    expect(st.rejected).toBe(0);
  });
});
