import { performance } from "node:perf_hooks";
import tls from "node:tls";
import type { Target } from "./load-client.js";
import { Histogram } from "./stats.js";

export interface Handshake {
  ms: number;
  reused: boolean;
  protocol: string | null;
  /** The newest session ticket the server sent on this connection, if any. */
  session: Buffer | undefined;
}

/**
 * Opens one TLS connection, completes the handshake (offering `session` for resumption when given),
 * closes politely and resolves once the socket is closed, so the server's slot is free again.
 */
export function handshakeOnce(
  target: Target,
  session?: Buffer,
  opts: { waitForTicket?: boolean; timeoutMs?: number; maxVersion?: tls.SecureVersion } = {},
): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ms = 0;
    let reused = false;
    let protocol: string | null = null;
    let ticket: Buffer | undefined;
    let secure = false;
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      ...(target.servername ? { servername: target.servername } : {}),
      rejectUnauthorized: false,
      ...(session ? { session } : {}),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
    });
    const timer = setTimeout(() => socket.destroy(new Error("handshake timeout")), opts.timeoutMs ?? 15_000);
    const finish = () => {
      if (!socket.writableEnded) socket.end();
    };
    socket.on("session", (s: Buffer) => {
      ticket = s;
      if (secure && opts.waitForTicket) finish();
    });
    socket.once("secureConnect", () => {
      secure = true;
      ms = performance.now() - t0;
      reused = socket.isSessionReused();
      protocol = socket.getProtocol();
      // TLS 1.3 tickets arrive after the handshake; a client that wants one reads until it comes.
      if (!opts.waitForTicket || ticket || protocol !== "TLSv1.3") finish();
      else setTimeout(finish, 500).unref();
    });
    socket.on("data", () => {});
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once("close", () => {
      clearTimeout(timer);
      if (!secure) reject(new Error("closed before the handshake completed"));
      else resolve({ ms, reused, protocol, session: ticket });
    });
  });
}

export interface HandshakeRun {
  count: number;
  failed: number;
  reused: number;
  perSecond: number;
  latency: Histogram;
  protocol: string | null;
  elapsedMs: number;
}

/** Several runs of the same case (interleaved with the baseline's) as one. */
export function combineHandshakes(runs: readonly HandshakeRun[]): HandshakeRun {
  const latency = new Histogram();
  for (const r of runs) latency.merge(r.latency);
  const sum = (f: (r: HandshakeRun) => number) => runs.reduce((a, r) => a + f(r), 0);
  const elapsedMs = sum((r) => r.elapsedMs);
  return {
    count: sum((r) => r.count),
    failed: sum((r) => r.failed),
    reused: sum((r) => r.reused),
    perSecond: (sum((r) => r.count) / elapsedMs) * 1000,
    latency,
    protocol: runs.find((r) => r.protocol)?.protocol ?? null,
    elapsedMs,
  };
}

/** `concurrency` loops of new connections for `durationMs`; resumed when `resume` (one ticket per loop). */
export async function runHandshakes(
  target: Target,
  opts: { resume: boolean; concurrency: number; durationMs: number; maxVersion?: tls.SecureVersion },
): Promise<HandshakeRun> {
  const latency = new Histogram();
  let failed = 0;
  let reused = 0;
  let protocol: string | null = null;
  const version = opts.maxVersion ? { maxVersion: opts.maxVersion } : {};
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;
  async function loop(): Promise<void> {
    let session: Buffer | undefined;
    if (opts.resume)
      session = (await handshakeOnce(target, undefined, { waitForTicket: true, ...version })).session;
    while (performance.now() < deadline) {
      try {
        // TLS 1.3 servers need not send a new ticket on a resumed connection; the old one stays valid.
        const h = await handshakeOnce(target, session, version);
        latency.add(h.ms);
        protocol = h.protocol;
        if (h.reused) reused++;
        // A browser keeps the newest ticket; so does this client.
        if (opts.resume && h.session) session = h.session;
      } catch {
        failed++;
      }
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  const elapsed = performance.now() - t0;
  return {
    elapsedMs: elapsed,
    count: latency.count,
    failed,
    reused,
    perSecond: (latency.count / elapsed) * 1000,
    latency,
    protocol,
  };
}
