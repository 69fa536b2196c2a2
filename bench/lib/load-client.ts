import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import http2 from "node:http2";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { Histogram } from "./stats.js";

/** Where requests go. Benches and adversarial tests only ever talk to loopback. */
export interface Target {
  host: string;
  port: number;
  /** SNI name (the device's hostname) — an IP address cannot be sent as SNI. */
  servername?: string;
}

export function loopback(port: number, servername?: string): Target {
  return { host: "127.0.0.1", port, ...(servername ? { servername } : {}) };
}

export interface RequestSpec {
  method?: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as received on the wire (still compressed when the server compressed it). */
  body: Buffer;
  ms: number;
  /** True when the request went over a connection that already carried an earlier request. */
  reusedSocket: boolean;
}

/**
 * A keep-alive agent for one simulated client. The device's certificate is self-signed and the
 * benches measure speed, not trust, so verification is off (the adversarial suite checks trust).
 */
export function keepAliveAgent(maxSockets: number, extra: https.AgentOptions = {}): https.Agent {
  return new https.Agent({
    keepAlive: true,
    maxSockets,
    maxFreeSockets: maxSockets,
    rejectUnauthorized: false,
    // Resumption on, like a browser: new connections to the same device reuse the TLS session.
    maxCachedSessions: 16,
    ...extra,
  });
}

/** One HTTPS request; rejects on network errors and after `timeoutMs` without a complete answer. */
export function send(
  target: Target,
  spec: RequestSpec,
  agent: https.Agent | false,
  timeoutMs = 10_000,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const headers: OutgoingHttpHeaders = { ...spec.headers };
    if (spec.body !== undefined && headers["content-length"] === undefined)
      headers["content-length"] = Buffer.byteLength(spec.body);
    const req = https.request(
      {
        host: target.host,
        port: target.port,
        ...(target.servername ? { servername: target.servername } : {}),
        method: spec.method ?? "GET",
        path: spec.path,
        headers,
        agent,
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            ms: performance.now() - t0,
            reusedSocket: req.reusedSocket,
          });
        });
        res.on("error", fail);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    req.on("error", fail);
    req.end(spec.body);
  });
}

/**
 * One h2 client connection that reconnects when the server ends it (GOAWAY, close), as a browser
 * opens a new session for its next request. Verification off, as `keepAliveAgent`.
 */
export class H2Connection {
  #session: http2.ClientHttp2Session | undefined;
  readonly #goneAway = new WeakSet<http2.ClientHttp2Session>();
  /** Sessions opened so far. */
  opened = 0;
  constructor(readonly target: Target) {}

  session(): http2.ClientHttp2Session {
    const s = this.#session;
    if (s && !s.closed && !s.destroyed && !this.#goneAway.has(s)) return s;
    const next = http2.connect(`https://${this.target.servername ?? "localhost"}:${this.target.port}`, {
      host: this.target.host,
      rejectUnauthorized: false,
    } as http2.SecureClientSessionOptions);
    next.on("error", () => {});
    next.once("goaway", () => this.#goneAway.add(next));
    this.opened++;
    this.#session = next;
    return next;
  }

  close(): void {
    this.#session?.close();
  }
}

/** One request over h2; `reusedSocket` is false for the first stream of a session. */
export function sendH2(conn: H2Connection, spec: RequestSpec, timeoutMs = 10_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const before = conn.opened;
    const session = conn.session();
    const fresh = conn.opened !== before;
    const headers: http2.OutgoingHttpHeaders = {
      ":method": spec.method ?? "GET",
      ":path": spec.path,
      ...spec.headers,
    };
    const req = session.request(headers, { endStream: spec.body === undefined });
    const chunks: Buffer[] = [];
    let status = 0;
    let head: IncomingHttpHeaders = {};
    const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), timeoutMs);
    req.on("response", (h) => {
      status = Number(h[":status"]);
      head = h as IncomingHttpHeaders;
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      clearTimeout(timer);
      resolve({
        status,
        headers: head,
        body: Buffer.concat(chunks),
        ms: performance.now() - t0,
        reusedSocket: !fresh,
      });
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (spec.body !== undefined) req.end(spec.body);
  });
}

export interface LoadOptions {
  target: Target;
  agent: https.Agent;
  /**
   * Send over h2 instead: loop i uses connection i % length (several loops on one connection are
   * concurrent streams of one session).
   * @default undefined (HTTP/1.1 through `agent`)
   */
  h2?: readonly H2Connection[];
  /** Requests in flight at once (one loop each); the agent decides how many connections carry them. */
  concurrency: number;
  /** Stop starting new requests after this long. */
  durationMs: number;
  /** Stop after this many requests in total, whichever comes first. */
  maxRequests?: number;
  /** The n-th request (0-based) of the run, sent by loop `loop` (0..concurrency-1). */
  spec: (n: number, loop: number) => RequestSpec;
  /** Sees every answer, e.g. to keep the newest ETag per loop. */
  onReply?: (reply: Reply, loop: number) => void;
  /** Which answers count as success (default: 2xx and 304). */
  ok?: (reply: Reply) => boolean;
  timeoutMs?: number;
  /** Pause between a loop's requests, ms (default 0: back to back). */
  intervalMs?: number;
}

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  /** Failure reasons: "status 503", "ECONNRESET", ... with counts. */
  failures: Record<string, number>;
  statuses: Record<number, number>;
  latency: Histogram;
  /** Latency of successful requests by status (200 and 304 differ in work). */
  byStatus: Map<number, Histogram>;
  elapsedMs: number;
  /** Successful requests per second over the run. */
  rps: number;
  /** Requests that had to open a new connection (the first of each, and after the server closed one). */
  newConnections: number;
}

function histogramFor(map: Map<number, Histogram>, status: number): Histogram {
  let h = map.get(status);
  if (!h) {
    h = new Histogram();
    map.set(status, h);
  }
  return h;
}

export const isSuccess = (r: Reply): boolean => (r.status >= 200 && r.status < 300) || r.status === 304;

/** `concurrency` loops send requests back to back until the time or count is used up. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const ok = opts.ok ?? isSuccess;
  const latency = new Histogram();
  const byStatus = new Map<number, Histogram>();
  const failures: Record<string, number> = {};
  const statuses: Record<number, number> = {};
  let started = 0;
  let okCount = 0;
  let failed = 0;
  let newConnections = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;
  const limit = opts.maxRequests ?? Number.POSITIVE_INFINITY;

  async function loop(_: unknown, index: number): Promise<void> {
    while (performance.now() < deadline && started < limit) {
      const n = started++;
      try {
        const reply = opts.h2
          ? await sendH2(opts.h2[index % opts.h2.length]!, opts.spec(n, index), opts.timeoutMs)
          : await send(opts.target, opts.spec(n, index), opts.agent, opts.timeoutMs);
        opts.onReply?.(reply, index);
        statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
        if (!reply.reusedSocket) newConnections++;
        if (ok(reply)) {
          okCount++;
          latency.add(reply.ms);
          histogramFor(byStatus, reply.status).add(reply.ms);
        } else {
          failed++;
          const key = `status ${reply.status}`;
          failures[key] = (failures[key] ?? 0) + 1;
        }
      } catch (err) {
        failed++;
        const key = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        failures[key] = (failures[key] ?? 0) + 1;
      }
      if (opts.intervalMs) await new Promise((r) => setTimeout(r, opts.intervalMs));
    }
  }

  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  const elapsedMs = performance.now() - t0;
  return {
    requests: okCount + failed,
    ok: okCount,
    failed,
    failures,
    statuses,
    latency,
    byStatus,
    elapsedMs,
    rps: (okCount / elapsedMs) * 1000,
    newConnections,
  };
}

/** "ECONNRESET x3, status 503 x1" or "none". */
export function describeFailures(failures: Record<string, number>): string {
  const parts = Object.entries(failures).map(([k, n]) => `${k} x${n}`);
  return parts.length ? parts.join(", ") : "none";
}

/** Several runs of the same case (interleaved with other servers' runs) as one. */
export function combineLoad(runs: readonly LoadResult[]): LoadResult {
  const latency = new Histogram();
  const byStatus = new Map<number, Histogram>();
  const failures: Record<string, number> = {};
  const statuses: Record<number, number> = {};
  let requests = 0;
  let ok = 0;
  let failed = 0;
  let elapsedMs = 0;
  let newConnections = 0;
  for (const r of runs) {
    latency.merge(r.latency);
    for (const [status, h] of r.byStatus) {
      histogramFor(byStatus, status).merge(h);
    }
    for (const [k, n] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + n;
    for (const [k, n] of Object.entries(r.statuses)) statuses[Number(k)] = (statuses[Number(k)] ?? 0) + n;
    requests += r.requests;
    ok += r.ok;
    failed += r.failed;
    elapsedMs += r.elapsedMs;
    newConnections += r.newConnections;
  }
  return {
    requests,
    ok,
    failed,
    failures,
    statuses,
    latency,
    byStatus,
    elapsedMs,
    rps: (ok / elapsedMs) * 1000,
    newConnections,
  };
}
