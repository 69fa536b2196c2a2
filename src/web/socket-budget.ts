import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import net from "node:net";
import { performance } from "node:perf_hooks";
import type { TLSSocket } from "node:tls";
import type { Logger } from "../core/logger.js";

/** TLS sessions a device serves at once unless told otherwise (the firmware's `max_open_sockets`). */
export const DEFAULT_MAX_SOCKETS = 4;

export interface SocketBudgetOptions {
  logger: Logger;
  /**
   * Most TLS sessions open at once (the device's `max_open_sockets`).
   * @default DEFAULT_MAX_SOCKETS
   */
  maxSessions?: number;
  /**
   * How long a TCP connection may wait, un-handshaken, for a free slot.
   * @default 10 s
   */
  queueTimeoutMs?: number;
  /**
   * Most connections waiting at once; beyond it a new one is closed at once.
   * @default 64
   */
  maxQueue?: number;
  /**
   * An idle keep-alive session is only purged once it has been idle this long.
   * Closing a socket just as its client reuses it fails that client's request (HTTP/1.1 has no
   * way to say "don't reuse" on an idle connection), so the freshly idle ones are the worst to pick.
   * @default 1 s
   */
  idleGraceMs?: number;
  /**
   * A session asked to close (purge, shutdown) that has not closed by then is destroyed.
   * @default 2 s
   */
  closeGraceMs?: number;
  /**
   * A session that has not finished its handshake, or has not delivered a complete request head, this
   * long after it was admitted (or after its last response) is stalled: while others wait it is closed
   * first, before any idle or busy session is asked to give its slot up. This is what
   * keeps slowloris and half-open handshakes from pushing real clients out of the budget.
   * @default 1.5 s
   */
  stallGraceMs?: number;
}

export interface SocketBudgetStats {
  /** TLS sessions admitted and not yet closed (handshaking, busy, idle or closing). */
  open: number;
  max: number;
  peak_open: number;
  /** Idle sessions closed to make room for a waiting connection. */
  purged: number;
  /** Connections waiting for a slot right now. */
  queued: number;
  /** Connections that ever had to wait. */
  queued_total: number;
  /** Connections closed without being admitted (queue full, waited too long, shutting down). */
  rejected: number;
  admitted_total: number;
}

export type RejectReason = "queue_full" | "queue_timeout" | "shutting_down";

export interface RejectInfo {
  reason: RejectReason;
  /** "address:port" of the peer. */
  remote: string;
  /** How long it waited, ms (0 when refused on arrival). */
  waitedMs: number;
}

export type RejectListener = (info: RejectInfo) => void;

interface Session {
  /** The peer's address: one host, however many connections it opens. */
  readonly address: string;
  readonly raw: net.Socket;
  readonly remote: string;
  tls: TLSSocket | undefined;
  readonly inFlight: Set<ServerResponse>;
  /** performance.now() of the last handshake completion, request start or response end. */
  lastActivity: number;
  /** performance.now() of admission: a handshake that has not finished is timed from here. */
  readonly admittedAt: number;
  /** Requests seen; a handshaken session that never sends one is not yet useful. */
  requests: number;
  /** raw.bytesRead when the session last became idle: more bytes since mean a request is arriving. */
  bytesAtIdle: number;
  closing: boolean;
  /** Asked to end (closeIdleSessions): its next response says Connection: close, or it ends once idle. */
  retiring: boolean;
  closeTimer: NodeJS.Timeout | undefined;
  readonly closed: Promise<void>;
}

interface Waiting {
  readonly address: string;
  readonly socket: net.Socket;
  readonly remote: string;
  readonly since: number;
  readonly timer: NodeJS.Timeout;
}

const noop = (): void => {};

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function remoteOf(socket: net.Socket): string {
  return `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
}

/** True when node:http will close the connection after this response. */
function endsConnection(res: ServerResponse): boolean {
  const header = res.getHeader("connection");
  return (
    (typeof header === "string" && header.toLowerCase() === "close") ||
    (res as { shouldKeepAlive?: boolean }).shouldKeepAlive === false
  );
}

const RECENTLY_SERVED_MS = 60_000;
const MAX_REMEMBERED_HOSTS = 256;

/** The peer's address, IPv4-mapped IPv6 folded to IPv4. */
function addressOf(socket: net.Socket): string {
  const a = socket.remoteAddress ?? "?";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

function connectionKey(socket: net.Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}|${socket.localAddress}|${socket.localPort}`;
}

/**
 * Caps the number of TLS sessions, like the device's `max_open_sockets` + `lru_purge_enable`, but
 * without cutting requests short. A plain TCP server accepts every connection paused (its ClientHello
 * stays in the kernel) and injects it into the HTTPS server only when a slot is free. When the budget
 * is full it closes the least recently used *idle* session; when none is idle the connection waits in
 * a FIFO queue, and meanwhile every response carries `Connection: close` so busy clients give their
 * slot back right after their response instead of being cut while reusing it.
 */
export class SocketBudget {
  readonly #log: Logger;
  #max: number;
  readonly #queueTimeoutMs: number;
  readonly #maxQueue: number;
  readonly #idleGraceMs: number;
  readonly #closeGraceMs: number;
  readonly #stallGraceMs: number;

  #server: HttpsServer | undefined;
  #netServer: net.Server | undefined;
  readonly #sessions = new Map<string, Session>();
  readonly #byTls = new WeakMap<TLSSocket, Session>();
  readonly #queue: Waiting[] = [];
  /** When each host last got a response: hosts that use the device go before strangers in a tie. */
  readonly #lastServed = new Map<string, number>();
  #purgeTimer: NodeJS.Timeout | undefined;
  #purgeImmediate: NodeJS.Immediate | undefined;
  #shuttingDown = false;
  readonly #rejectListeners = new Set<RejectListener>();

  #peak = 0;
  #purged = 0;
  #queuedTotal = 0;
  #rejected = 0;
  #admittedTotal = 0;

  constructor(opts: SocketBudgetOptions) {
    this.#log = opts.logger.child({ tag: "web" });
    this.#max = positiveInt("maxSessions", opts.maxSessions ?? DEFAULT_MAX_SOCKETS, 1);
    this.#queueTimeoutMs = positiveInt("queueTimeoutMs", opts.queueTimeoutMs ?? 10_000, 1);
    this.#maxQueue = positiveInt("maxQueue", opts.maxQueue ?? 64, 0);
    this.#idleGraceMs = positiveInt("idleGraceMs", opts.idleGraceMs ?? 1_000, 0);
    this.#closeGraceMs = positiveInt("closeGraceMs", opts.closeGraceMs ?? 2_000, 1);
    this.#stallGraceMs = positiveInt("stallGraceMs", opts.stallGraceMs ?? 1_500, 1);
  }

  /**
   * Puts the budget in front of `httpsServer` and returns the TCP server to listen on. The HTTPS
   * server itself must not listen: connections reach it only through the budget.
   */
  attach(httpsServer: HttpsServer): net.Server {
    if (this.#server) throw new Error("socket budget is already attached to a server");
    this.#server = httpsServer;
    httpsServer.on("secureConnection", (socket: TLSSocket) => this.#onSecure(socket));
    // Before the application's handler, so the Connection header is decided before it can answer.
    httpsServer.prependListener("request", (req: IncomingMessage, res: ServerResponse) =>
      this.#onRequest(req, res),
    );
    this.#netServer = net.createServer({ pauseOnConnect: true }, (socket) => this.#onConnection(socket));
    return this.#netServer;
  }

  stats(): SocketBudgetStats {
    return {
      open: this.#sessions.size,
      max: this.#max,
      peak_open: this.#peak,
      purged: this.#purged,
      queued: this.#queue.length,
      queued_total: this.#queuedTotal,
      rejected: this.#rejected,
      admitted_total: this.#admittedTotal,
    };
  }

  /** Changes the cap. Lowering it never cuts a busy session: idle ones are purged, busy ones drain. */
  setMax(n: number): void {
    this.#max = positiveInt("maxSessions", n, 1);
    this.#pump();
  }

  /** Called for every connection closed without admission (tls-diagnostics counts resource ones). */
  onRejected(listener: RejectListener): () => void {
    this.#rejectListeners.add(listener);
    return () => this.#rejectListeners.delete(listener);
  }

  /**
   * Asks every open session to end without cutting anything (used on an in-place restart, so clients
   * reconnect to what changed): a busy session ends after its current response, which says
   * `Connection: close`; an idle one is closed once it has been idle for the idle grace (a request
   * arriving first gets its answer, with `Connection: close`). New connections are still accepted.
   * Returns how many sessions were asked.
   */
  closeIdleSessions(): number {
    let asked = 0;
    for (const s of this.#sessions.values()) {
      if (s.closing || s.retiring) continue;
      s.retiring = true;
      asked++;
      for (const res of s.inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
    }
    this.#pump();
    return asked;
  }

  /** True when a response on this socket should end the connection (someone is waiting for a slot). */
  shouldClose(socket: net.Socket): boolean {
    const s = this.#byTls.get(socket as TLSSocket);
    return this.#shuttingDown || this.#rotationNeeded() || (s ? s.closing || s.retiring : false);
  }

  /**
   * Stops accepting, refuses waiting connections, lets in-flight requests finish (their responses
   * close the connection), closes idle sessions, and resolves once every session is closed.
   * Sessions still open after `timeoutMs` are destroyed.
   */
  async closeAll(timeoutMs = 5_000): Promise<void> {
    this.#shuttingDown = true;
    const netServer = this.#netServer;
    const stopped = new Promise<void>((resolve) => {
      if (!netServer?.listening) return resolve();
      netServer.close(() => resolve());
    });
    for (const w of this.#queue.splice(0))
      this.#reject(w.socket, w.remote, "shutting_down", w.since, w.timer);
    this.#clearPurgeTimer();
    for (const s of this.#sessions.values()) {
      if (s.inFlight.size === 0) this.#endSession(s);
      else for (const res of s.inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
    }
    const hardStop = setTimeout(() => {
      for (const s of this.#sessions.values()) s.raw.destroy();
    }, timeoutMs);
    hardStop.unref();
    await Promise.all([stopped, this.#allClosed()]);
    clearTimeout(hardStop);
  }

  #allClosed(): Promise<void> {
    return Promise.all([...this.#sessions.values()].map((s) => s.closed)).then(noop);
  }

  #onConnection(socket: net.Socket): void {
    // The HTTPS server reports errors on its own TLS socket; this one only must not crash the process.
    socket.on("error", noop);
    const remote = remoteOf(socket);
    if (this.#shuttingDown) {
      this.#reject(socket, remote, "shutting_down", performance.now());
      return;
    }
    if (this.#queue.length === 0 && this.#sessions.size < this.#max) {
      this.#admit(socket);
      return;
    }
    if (this.#queue.length >= this.#maxQueue) {
      // A full queue must not lock out a newcomer from a quiet host: the host with the most waiting
      // connections gives up its oldest one instead, unless the newcomer's host is that host.
      const victim = this.#crowdedWaiter(addressOf(socket));
      if (!victim) {
        this.#reject(socket, remote, "queue_full", performance.now());
        return;
      }
      this.#queue.splice(this.#queue.indexOf(victim), 1);
      this.#reject(victim.socket, victim.remote, "queue_full", victim.since, victim.timer);
    }
    const since = performance.now();
    const timer = setTimeout(() => {
      const i = this.#queue.findIndex((w) => w.socket === socket);
      if (i < 0) return;
      this.#queue.splice(i, 1);
      this.#reject(socket, remote, "queue_timeout", since);
    }, this.#queueTimeoutMs);
    this.#queue.push({ address: addressOf(socket), socket, remote, since, timer });
    this.#queuedTotal++;
    this.#log.debug({ remote, queued: this.#queue.length }, "TLS budget full: connection waits for a slot");
    this.#pump();
  }

  #admit(socket: net.Socket): void {
    const server = this.#server;
    if (!server) throw new Error("socket budget is not attached");
    // A connection that gave up while waiting has nothing left to hand over.
    if (socket.destroyed) return;
    const key = connectionKey(socket);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    const session: Session = {
      address: addressOf(socket),
      raw: socket,
      remote: remoteOf(socket),
      tls: undefined,
      inFlight: new Set(),
      lastActivity: performance.now(),
      admittedAt: performance.now(),
      requests: 0,
      bytesAtIdle: socket.bytesRead,
      closing: false,
      retiring: false,
      closeTimer: undefined,
      closed,
    };
    this.#sessions.set(key, session);
    this.#admittedTotal++;
    if (this.#sessions.size > this.#peak) this.#peak = this.#sessions.size;
    socket.once("close", () => {
      clearTimeout(session.closeTimer);
      if (this.#sessions.get(key) === session) this.#sessions.delete(key);
      // After the other "close" listeners, so nobody watching sees the next session open first.
      process.nextTick(() => this.#pump());
    });
    server.emit("connection", socket);
  }

  #onSecure(tls: TLSSocket): void {
    const s = this.#sessions.get(connectionKey(tls));
    if (!s) return;
    s.tls = tls;
    s.lastActivity = performance.now();
    s.bytesAtIdle = s.raw.bytesRead;
    this.#byTls.set(tls, s);
    if (s.closing) this.#endSession(s);
    // A handshaken session that stays silent becomes purgeable; someone may be waiting for that.
    else if (this.#queue.length > 0 || s.retiring) this.#pump();
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const s = this.#byTls.get(req.socket as TLSSocket);
    if (!s) return;
    s.inFlight.add(res);
    s.requests++;
    s.lastActivity = performance.now();
    if (this.#shuttingDown || s.closing || s.retiring || this.#rotationNeeded())
      res.setHeader("Connection", "close");
    const done = (): void => {
      if (!s.inFlight.delete(res)) return;
      s.lastActivity = performance.now();
      this.#served(s.address, s.lastActivity);
      s.bytesAtIdle = s.raw.bytesRead;
      if (s.inFlight.size === 0 && (this.#shuttingDown || s.closing)) this.#endSession(s);
      else if (endsConnection(res)) this.#expectClose(s);
      this.#pump();
    };
    res.once("finish", done);
    res.once("close", done);
  }

  /** Admits waiting connections while there is room; asks for room to be made when there is none. */
  #pump(): void {
    if (this.#shuttingDown) return;
    while (this.#queue.length > 0 && this.#sessions.size < this.#max) {
      const w = this.#nextWaiter();
      this.#queue.splice(this.#queue.indexOf(w), 1);
      clearTimeout(w.timer);
      this.#admit(w.socket);
    }
    if (this.#rotationNeeded()) {
      // Busy clients see "Connection: close" on their response and hand the slot back themselves.
      for (const s of this.#sessions.values())
        for (const res of s.inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
    }
    if (this.#roomNeeded() > 0 || this.#anyRetiring()) this.#schedulePurge();
    else this.#clearPurgeTimer();
  }

  /**
   * Not yet useful: still handshaking, handshaken but no request yet, or bytes of a request head
   * arrived but no complete request. Real clients pass through this in milliseconds; slow attackers
   * stay in it.
   */
  #unproductive(s: Session): boolean {
    return (
      !s.closing && s.inFlight.size === 0 && (!s.tls || s.requests === 0 || s.raw.bytesRead !== s.bytesAtIdle)
    );
  }

  /** When an unproductive session counts as stalled. */
  #stalledAt(s: Session): number {
    return (s.tls ? s.lastActivity : s.admittedAt) + this.#stallGraceMs;
  }

  /** Sessions a host holds (closing ones are on their way out). */
  #sessionsOf(address: string): number {
    let n = 0;
    for (const s of this.#sessions.values()) if (s.address === address && !s.closing) n++;
    return n;
  }

  #served(address: string, at: number): void {
    this.#lastServed.delete(address);
    this.#lastServed.set(address, at);
    if (this.#lastServed.size > MAX_REMEMBERED_HOSTS)
      this.#lastServed.delete(this.#lastServed.keys().next().value!);
  }

  /**
   * The waiter from the host holding the fewest sessions; among equals, one from a host that got an
   * answer within the last minute (attackers that never finish a request never do), then the
   * longest-waiting.
   */
  #nextWaiter(): Waiting {
    const now = performance.now();
    const rank = (w: Waiting) => {
      const served = this.#lastServed.get(w.address);
      return (
        this.#sessionsOf(w.address) * 2 + (served !== undefined && now - served < RECENTLY_SERVED_MS ? 0 : 1)
      );
    };
    let best = this.#queue[0]!;
    let bestRank = rank(best);
    for (const w of this.#queue) {
      const r = rank(w);
      if (r < bestRank) {
        best = w;
        bestRank = r;
      }
    }
    return best;
  }

  /** The oldest waiter of the host with the most waiters, unless that is the newcomer's host. */
  #crowdedWaiter(newcomer: string): Waiting | undefined {
    const counts = new Map<string, number>();
    for (const w of this.#queue) counts.set(w.address, (counts.get(w.address) ?? 0) + 1);
    let crowded: string | undefined;
    let most = 0;
    for (const [a, n] of counts) if (n > most) [crowded, most] = [a, n];
    if (crowded === undefined || crowded === newcomer || most <= (counts.get(newcomer) ?? 0) + 1)
      return undefined;
    return this.#queue.find((w) => w.address === crowded);
  }

  /**
   * Whether productive sessions must give their slots up (Connection: close) for waiting connections.
   * Not while some slot is held by an unproductive session: that one either becomes productive (and
   * takes its turn) or is closed as stalled, so a client that is really using its session keeps it.
   */
  #rotationNeeded(): boolean {
    if (this.#queue.length === 0) return false;
    for (const s of this.#sessions.values()) if (this.#unproductive(s)) return false;
    return true;
  }

  #anyRetiring(): boolean {
    for (const s of this.#sessions.values()) if (s.retiring && !s.closing) return true;
    return false;
  }

  /** Slots still to be freed: waiting connections plus sessions over a lowered max, minus those closing. */
  #roomNeeded(): number {
    let closing = 0;
    for (const s of this.#sessions.values()) if (s.closing) closing++;
    return this.#queue.length + Math.max(0, this.#sessions.size - this.#max) - closing;
  }

  /**
   * The purge decision runs from setImmediate, i.e. after the event loop's poll phase: a request that
   * has already reached this host is read (and its session marked busy) before a session is judged
   * idle. What remains is the race no server can close: a request still on the wire.
   */
  #schedulePurge(): void {
    if (this.#purgeImmediate) return;
    this.#purgeImmediate = setImmediate(() => {
      this.#purgeImmediate = undefined;
      this.#purgeIdle();
    });
  }

  #purgeIdle(): void {
    if (this.#shuttingDown) return;
    this.#clearPurgeTimer();
    let needed = this.#roomNeeded();
    const now = performance.now();
    let nextEligible = Number.POSITIVE_INFINITY;
    // Stalled sessions go first, oldest first: they hold a slot without using it.
    if (needed > 0) {
      const unproductive = [...this.#sessions.values()]
        .filter((s) => this.#unproductive(s))
        .sort((a, b) => this.#stalledAt(a) - this.#stalledAt(b));
      for (const s of unproductive) {
        if (needed <= 0) break;
        const stalledAt = this.#stalledAt(s);
        if (stalledAt > now) {
          nextEligible = Math.min(nextEligible, stalledAt);
          continue;
        }
        this.#purged++;
        this.#log.debug(
          {
            remote: s.remote,
            handshaken: Boolean(s.tls),
            stalled_ms: Math.round(now - stalledAt + this.#stallGraceMs),
          },
          "TLS budget: closing a stalled session for a waiting connection",
        );
        this.#endSession(s);
        needed--;
      }
    }
    const idle = [...this.#sessions.values()]
      .filter((s) => !s.closing && !this.#unproductive(s) && s.inFlight.size === 0)
      .sort((a, b) => a.lastActivity - b.lastActivity);
    for (const s of idle) {
      if (needed <= 0 && !s.retiring) continue;
      const eligibleAt = s.lastActivity + this.#idleGraceMs;
      if (eligibleAt > now) {
        nextEligible = Math.min(nextEligible, eligibleAt);
        continue;
      }
      if (!s.retiring) {
        this.#purged++;
        this.#log.debug(
          { remote: s.remote, idle_ms: Math.round(now - s.lastActivity) },
          "TLS budget: purging idle session",
        );
      }
      this.#endSession(s);
      needed--;
    }
    if (Number.isFinite(nextEligible)) {
      this.#purgeTimer = setTimeout(() => this.#schedulePurge(), Math.max(1, Math.ceil(nextEligible - now)));
      this.#purgeTimer.unref();
    }
  }

  #clearPurgeTimer(): void {
    clearTimeout(this.#purgeTimer);
    this.#purgeTimer = undefined;
  }

  /** The HTTP server closes this one itself after its last response; never purge it meanwhile. */
  #expectClose(s: Session): void {
    s.closing = true;
    if (s.closeTimer) return;
    s.closeTimer = setTimeout(() => s.raw.destroy(), this.#closeGraceMs);
    s.closeTimer.unref();
  }

  /** Ends a session with a TLS close_notify; destroys it if the peer does not close in time. */
  #endSession(s: Session): void {
    s.closing = true;
    if (s.closeTimer) return;
    s.closeTimer = setTimeout(() => s.raw.destroy(), this.#closeGraceMs);
    s.closeTimer.unref();
    // Before the handshake completes there is no TLS session to close politely.
    if (s.tls) s.tls.end();
    else s.raw.destroy();
  }

  #reject(
    socket: net.Socket,
    remote: string,
    reason: RejectReason,
    since: number,
    timer?: NodeJS.Timeout,
  ): void {
    clearTimeout(timer);
    this.#rejected++;
    const info: RejectInfo = { reason, remote, waitedMs: Math.round(performance.now() - since) };
    this.#log.debug(info, "TLS budget: connection refused without a slot");
    for (const listener of this.#rejectListeners) listener(info);
    // Reading the pending ClientHello first lets the close be a FIN rather than a reset.
    socket.on("data", noop);
    socket.resume();
    socket.end();
    setTimeout(() => socket.destroy(), this.#closeGraceMs).unref();
  }
}
