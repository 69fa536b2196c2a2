import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Logger } from "../core/logger.js";

export interface RedirectAdmissionOptions {
  logger: Logger;
  /**
   * Open connections at most. A redirect needs a connection for milliseconds, so this is generous;
   * what keeps it from being used up is that, when it is, a held connection is closed for the
   * newcomer (see `stallGraceMs`) rather than the newcomer refused.
   * @default 64
   */
  maxConnections?: number;
  /**
   * A connection with no request in progress this long after it was accepted (or after its last
   * response) is stalled: when the port is full it is closed to admit a newcomer. A browser sends its
   * request head within milliseconds of connecting; a silent or trickling connection never completes one.
   * @default 1 s
   */
  stallGraceMs?: number;
  /**
   * A connection that has sent no request this long after it was accepted is closed, full port or
   * not. Node's `headersTimeout` cuts it too, with a 408, on its periodic connection check (Node 20.20:
   * at the limit plus up to one check interval); this timer does not depend on that check. Either may
   * come first, so a silent client sees a 408 or a bare close.
   * @default 3 s
   */
  silentTimeoutMs?: number;
  /** @default performance.now */
  now?: () => number;
}

export interface RedirectAdmissionStats {
  open: number;
  max: number;
  /** Hosts holding an open connection (never more than `open`). */
  hosts: number;
  /** Connections closed for a newcomer that had never delivered a request (silent or slowloris). */
  evicted_silent: number;
  /** Connections closed for a newcomer that were idle after their redirect. */
  evicted_idle: number;
  /** Newcomers closed at once: the port was full and nothing could fairly give way. */
  refused: number;
  admitted_total: number;
}

interface Connection {
  readonly socket: Socket;
  readonly address: string;
  /** now() when accepted, or when its last response finished. */
  lastActivity: number;
  /** A request head has arrived and its response is not finished. */
  inRequest: boolean;
  served: number;
}

const NOTICE_INTERVAL_MS = 10_000;

/** Lexicographic order of two keys of equal length. */
function sortsBefore(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** The peer's address, IPv4-mapped IPv6 folded to IPv4, so one host counts once. */
function addressOf(socket: Socket): string {
  const a = socket.remoteAddress ?? "?";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

/**
 * Admission for the plain-HTTP redirect port: a connection cap that cannot be held by one host.
 * When the port is full, a newcomer is admitted by closing one held connection, in this order:
 * only connections with no request in progress are candidates; a candidate must be stalled (past
 * `stallGraceMs`) or belong to a host holding more connections than the newcomer's host plus one
 * (fairness: a crowded host gives way even with fresh connections); among those, the most crowded
 * host's first, never-served (silent) before served-and-idle, oldest first. With no candidate the
 * newcomer is closed. Every map here holds at most `maxConnections` entries (one per open connection,
 * one per host with an open connection).
 */
export function admitRedirectConnections(
  server: Server,
  opts: RedirectAdmissionOptions,
): { stats(): RedirectAdmissionStats } {
  const max = opts.maxConnections ?? 64;
  const grace = opts.stallGraceMs ?? 1_000;
  const silentTimeout = opts.silentTimeoutMs ?? 3_000;
  const now = opts.now ?? (() => performance.now());
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`maxConnections must be an integer >= 1, got ${max}`);
  if (!(grace >= 0)) throw new RangeError(`stallGraceMs must be >= 0, got ${grace}`);
  if (!(silentTimeout > 0)) throw new RangeError(`silentTimeoutMs must be > 0, got ${silentTimeout}`);
  const log = opts.logger.child({ tag: "http" });

  const open = new Map<Socket, Connection>();
  const perHost = new Map<string, number>();
  const totals = { evicted_silent: 0, evicted_idle: 0, refused: 0, admitted_total: 0 };
  const sinceNotice = { evicted: 0, refused: 0 };
  let lastNotice = Number.NEGATIVE_INFINITY;

  const forget = (c: Connection): void => {
    if (open.get(c.socket) !== c) return;
    open.delete(c.socket);
    const n = (perHost.get(c.address) ?? 1) - 1;
    if (n > 0) perHost.set(c.address, n);
    else perHost.delete(c.address);
  };

  const victimFor = (newcomer: string): Connection | undefined => {
    const t = now();
    const fairShare = (perHost.get(newcomer) ?? 0) + 1;
    let best: Connection | undefined;
    let bestKey: number[] | undefined;
    for (const c of open.values()) {
      if (c.inRequest) continue;
      const hostCount = perHost.get(c.address) ?? 0;
      const stalled = t - c.lastActivity >= grace;
      if (!stalled && !(hostCount > fairShare && c.address !== newcomer)) continue;
      // Most crowded host first, then never served before served-and-idle, then the oldest.
      const key = [-hostCount, c.served > 0 ? 1 : 0, c.lastActivity];
      if (!bestKey || sortsBefore(key, bestKey)) {
        best = c;
        bestKey = key;
      }
    }
    return best;
  };

  const notice = (address: string): void => {
    const t = now();
    if (t - lastNotice < NOTICE_INTERVAL_MS) return;
    log.warn(
      { evicted: sinceNotice.evicted, refused: sinceNotice.refused, crowded: busiestHost() },
      `HTTP port full: closed ${sinceNotice.evicted} held connection(s) for newcomers and refused ${sinceNotice.refused} (latest from ${address})`,
    );
    lastNotice = t;
    sinceNotice.evicted = 0;
    sinceNotice.refused = 0;
  };

  const busiestHost = (): string | undefined => {
    let host: string | undefined;
    let most = 0;
    for (const [a, n] of perHost) if (n > most) [host, most] = [a, n];
    return host;
  };

  server.prependListener("connection", (socket: Socket) => {
    const address = addressOf(socket);
    if (open.size >= max) {
      const victim = victimFor(address);
      if (!victim) {
        totals.refused++;
        sinceNotice.refused++;
        notice(address);
        socket.destroy();
        return;
      }
      if (victim.served > 0) totals.evicted_idle++;
      else totals.evicted_silent++;
      sinceNotice.evicted++;
      forget(victim);
      victim.socket.destroy();
      notice(address);
    }
    const c: Connection = { socket, address, lastActivity: now(), inRequest: false, served: 0 };
    open.set(socket, c);
    perHost.set(address, (perHost.get(address) ?? 0) + 1);
    totals.admitted_total++;
    socket.once("close", () => forget(c));
    // Node's HTTP server destroys a socket whose timeout fires, and re-arms the timeout with its
    // keep-alive value after each response: so this cuts a connection silent since its accept. Any
    // byte re-arms it; a trickled head is then Node's headersTimeout's to cut.
    socket.setTimeout(silentTimeout);
  });

  server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
    const c = open.get(req.socket);
    if (!c) return;
    c.inRequest = true;
    res.once("close", () => {
      c.inRequest = false;
      c.served++;
      c.lastActivity = now();
    });
  });

  return {
    stats: () => ({ open: open.size, max, hosts: perHost.size, ...totals }),
  };
}
