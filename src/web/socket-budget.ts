import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerResponse, ServerHttp2Session } from "node:http2";
import net from "node:net";
import { performance } from "node:perf_hooks";
import type { TLSSocket, Server as TlsServer } from "node:tls";
import type { Logger } from "../core/logger.js";
import { ClientHelloPeek } from "./client-hello-peek.js";
import { isLiveStream } from "./live-stream.js";

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
   * Purges only happen while connections wait, and a busy client's next request follows its last
   * answer within a round trip, so a quarter second keeps busy sessions safe while an idle one (a
   * phone's spare connection after its page loaded) hands its slot on without a second's delay.
   * With busy sessions no longer rotating after every response, this is how slots turn over in a
   * burst. h2 sessions are purged with GOAWAY, which has no such race. A polling session earns a
   * longer grace from its own rhythm (see #graceFor).
   * @default 250 ms
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
  /**
   * While connections wait, a session that has been busy (a response in flight) for this long in
   * total gives its slot up: HTTP/1.1 finishes its current response with `Connection: close`, h2
   * sends GOAWAY and finishes its streams. Counted in busy time, not wall time, so a client that
   * polls (busy a few ms per request) keeps its session; one that never pauses shares.
   * @default 500 ms
   */
  sliceMs?: number;
  /**
   * While connections wait, a session whose output has not drained for this long (a client that
   * requested large responses and reads a few bytes a second) is abandoned: closed, counted as
   * `slow_reader`.
   * @default 1000 ms
   */
  flushStallMs?: number;
  /**
   * The same bound when nobody waits: a client that never reads is closed in the end anyway.
   * @default 15 000 ms
   */
  flushStallIdleMs?: number;
  /**
   * Waiting connections that have sent their whole ClientHello go before silent or partial ones.
   * Off only to measure what it buys (bench/fairness.ts).
   * @default true
   */
  readyFirst?: boolean;
}

/** Why the budget closed a session that was using its slot badly; each counted on its own. */
export const SESSION_CLOSE_REASONS = ["slow_reader", "slow_body", "h2_abuse"] as const;
export type SessionCloseReason = (typeof SESSION_CLOSE_REASONS)[number];

export interface SocketBudgetStats {
  /** TLS sessions admitted and not yet closed (handshaking, busy, idle or closing). */
  open: number;
  max: number;
  peak_open: number;
  /** Idle sessions closed to make room for a waiting connection. */
  purged: number;
  /** Of those open, how many speak h2 (each carries any number of streams but holds one slot). */
  h2_open: number;
  /** Connections waiting for a slot right now. */
  queued_now: number;
  /** Connections that ever had to wait, since start. */
  queued_total: number;
  /** Busy sessions that gave their slot up at the end of their time slice. */
  sliced: number;
  /** Sessions closed for misuse, by reason, since start. */
  closed_for: Record<SessionCloseReason, number>;
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
  /** Set once ALPN chose h2: requests are its streams, and it ends with GOAWAY. */
  h2: ServerHttp2Session | undefined;
  readonly inFlight: Set<Response>;
  /** Busy time (a response in flight) accumulated since admission, ms, and when the current busy spell began. */
  busyMs: number;
  busySince: number;
  /** When output was last seen fully drained; undefined while nothing is pending. */
  pendingSince: number | undefined;
  /** performance.now() of the last handshake completion, request start or response end. */
  lastActivity: number;
  /** performance.now() of admission: a handshake that has not finished is timed from here. */
  readonly admittedAt: number;
  /** Requests seen; a handshaken session that never sends one is not yet useful. */
  requests: number;
  /** The idle gap before its latest request, ms (0 until a second request): a poller's rhythm. */
  lastGapMs: number;
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
  /** Has sent its whole first TLS record (a ClientHello), so admitting it is not a slot wasted. */
  readonly hello: ClientHelloPeek;
}

type Response = ServerResponse | Http2ServerResponse;

/** The budget's record of a connection, kept on the TLS socket (h2's proxy sockets pass symbols through). */
const SESSION = Symbol("owts.budgetSession");

const noop = (): void => {};

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function remoteOf(socket: net.Socket): string {
  return `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
}

/** Bytes of this response not yet handed to the kernel (h2: held by flow control too). */
function pendingBytes(res: Response): number {
  const stream = (res as Http2ServerResponse).stream;
  return stream ? stream.writableLength : res.writableLength;
}

/** True when node:http will close the connection after this response. */
function endsConnection(res: Response): boolean {
  if ((res as Http2ServerResponse).stream) return false;
  const header = res.getHeader("connection");
  return (
    (typeof header === "string" && header.toLowerCase() === "close") ||
    (res as { shouldKeepAlive?: boolean }).shouldKeepAlive === false
  );
}

const RECENTLY_SERVED_MS = 60_000;
/** An idle gap shorter than this between two requests counts as busy time (see the time slice). */
const BUSY_GAP_MS = 50;
/** The longest idle grace a polling session's rhythm earns it (see #graceFor). */
const POLLER_GRACE_MAX_MS = 1_000;
/** How often undrained output is looked at (the slow-reader bound's resolution). */
const FLUSH_CHECK_MS = 250;

function sessionOf(socket: net.Socket | null | undefined): Session | undefined {
  return socket ? (socket as unknown as Record<symbol, Session | undefined>)[SESSION] : undefined;
}

/** The current response is the connection's last (HTTP/1.1 only; h2 ends a session with GOAWAY). */
function closeAfter(res: Response): void {
  if (!res.headersSent && !(res as Http2ServerResponse).stream) res.setHeader("Connection", "close");
}
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
  readonly #sliceMs: number;
  readonly #flushStallMs: number;
  readonly #flushStallIdleMs: number;
  readonly #readyFirst: boolean;

  #server: TlsServer | undefined;
  #netServer: net.Server | undefined;
  readonly #sessions = new Map<string, Session>();
  readonly #queue: Waiting[] = [];
  /** When each host last got a response: hosts that use the device go before strangers in a tie. */
  readonly #lastServed = new Map<string, number>();
  #purgeTimer: NodeJS.Timeout | undefined;
  #purgeImmediate: NodeJS.Immediate | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #sliceTimer: NodeJS.Timeout | undefined;
  #shuttingDown = false;
  readonly #rejectListeners = new Set<RejectListener>();

  #peak = 0;
  #purged = 0;
  #queuedTotal = 0;
  #rejected = 0;
  #admittedTotal = 0;
  #sliced = 0;
  readonly #closedFor: Record<SessionCloseReason, number> = { slow_reader: 0, slow_body: 0, h2_abuse: 0 };

  constructor(opts: SocketBudgetOptions) {
    this.#log = opts.logger.child({ tag: "web" });
    this.#max = positiveInt("maxSessions", opts.maxSessions ?? DEFAULT_MAX_SOCKETS, 1);
    this.#queueTimeoutMs = positiveInt("queueTimeoutMs", opts.queueTimeoutMs ?? 10_000, 1);
    this.#maxQueue = positiveInt("maxQueue", opts.maxQueue ?? 64, 0);
    this.#idleGraceMs = positiveInt("idleGraceMs", opts.idleGraceMs ?? 250, 0);
    this.#closeGraceMs = positiveInt("closeGraceMs", opts.closeGraceMs ?? 2_000, 1);
    this.#stallGraceMs = positiveInt("stallGraceMs", opts.stallGraceMs ?? 1_500, 1);
    this.#sliceMs = positiveInt("sliceMs", opts.sliceMs ?? 500, 1);
    this.#flushStallMs = positiveInt("flushStallMs", opts.flushStallMs ?? 1_000, 1);
    this.#flushStallIdleMs = positiveInt("flushStallIdleMs", opts.flushStallIdleMs ?? 15_000, 1);
    this.#readyFirst = opts.readyFirst ?? true;
  }

  /**
   * Puts the budget in front of `httpsServer` (node:https, or node:http2 with or without HTTP/1.1)
   * and returns the TCP server to listen on. The HTTPS server itself must not listen: connections
   * reach it only through the budget.
   */
  attach(httpsServer: TlsServer): net.Server {
    if (this.#server) throw new Error("socket budget is already attached to a server");
    this.#server = httpsServer;
    // First, so the session record is on the TLS socket before node:http2 makes its h2 session from it.
    httpsServer.prependListener("secureConnection", (socket: TLSSocket) => this.#onSecure(socket));
    httpsServer.on("session", (h2: ServerHttp2Session) => this.#onH2Session(h2));
    // Before the application's handler, so the Connection header is decided before it can answer.
    httpsServer.prependListener("request", (req: IncomingMessage, res: ServerResponse) =>
      this.#onRequest(req, res),
    );
    this.#netServer = net.createServer({ pauseOnConnect: true }, (socket) => this.#onConnection(socket));
    return this.#netServer;
  }

  stats(): SocketBudgetStats {
    let h2 = 0;
    for (const s of this.#sessions.values()) if (s.h2) h2++;
    return {
      open: this.#sessions.size,
      max: this.#max,
      peak_open: this.#peak,
      purged: this.#purged,
      h2_open: h2,
      queued_now: this.#queue.length,
      queued_total: this.#queuedTotal,
      sliced: this.#sliced,
      closed_for: { ...this.#closedFor },
      rejected: this.#rejected,
      admitted_total: this.#admittedTotal,
    };
  }

  /** Changes the cap. Lowering it never cuts a busy session: idle ones are purged, busy ones drain. */
  setMax(n: number): void {
    this.#max = positiveInt("maxSessions", n, 1);
    this.#pump();
  }

  /**
   * Counts a session closed for misuse by someone else (the HTTPS app's slow-body rule, the h2
   * guard), so every such class is in one place.
   */
  countClosed(reason: SessionCloseReason): void {
    this.#closedFor[reason]++;
  }

  /**
   * Counts the session on `socket` (its TLS socket, or h2's proxy of it) as closed for `reason` and
   * destroys its connection after `graceMs` (time for a last GOAWAY or error to leave), however
   * much unread output it holds.
   */
  abandon(socket: net.Socket | null | undefined, reason: SessionCloseReason, graceMs = 500): void {
    this.#closedFor[reason]++;
    const s = sessionOf(socket);
    if (!s) return;
    s.closing = true;
    setTimeout(() => s.raw.destroy(), graceMs).unref();
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
      if (s.h2) this.#goaway(s);
      else for (const res of s.inFlight) closeAfter(res);
    }
    this.#pump();
    return asked;
  }

  /** True when a response on this socket should end the connection (someone is waiting for a slot). */
  shouldClose(socket: net.Socket): boolean {
    const s = sessionOf(socket);
    if (!s) return this.#shuttingDown;
    return this.#shuttingDown || s.closing || s.retiring || this.#sliceOver(s);
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
      this.#reject(w.socket, w.remote, "shutting_down", w.since, w.timer, w.hello);
    this.#clearPurgeTimer();
    clearInterval(this.#flushTimer);
    clearTimeout(this.#sliceTimer);
    for (const s of this.#sessions.values()) {
      if (s.inFlight.size === 0) this.#endSession(s);
      else if (s.h2) this.#goaway(s);
      else for (const res of s.inFlight) closeAfter(res);
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
      // connections gives up its oldest one instead, unless the newcomer's host is that host. Then the
      // oldest waiter of the newcomer's own host that has not sent a whole ClientHello gives its place
      // up: stallers sharing a real client's address churn among themselves, and the real client,
      // whose ClientHello follows its connect within a round trip, gets in line and stays there.
      const victim =
        this.#crowdedWaiter(addressOf(socket)) ??
        (this.#readyFirst
          ? this.#queue.find((w) => !w.hello.ready && w.address === addressOf(socket))
          : undefined);
      if (!victim) {
        this.#reject(socket, remote, "queue_full", performance.now());
        return;
      }
      this.#queue.splice(this.#queue.indexOf(victim), 1);
      this.#reject(victim.socket, victim.remote, "queue_full", victim.since, victim.timer, victim.hello);
    }
    const since = performance.now();
    const timer = setTimeout(() => {
      const i = this.#queue.findIndex((w) => w.socket === socket);
      if (i < 0) return;
      this.#queue.splice(i, 1);
      this.#reject(socket, remote, "queue_timeout", since, undefined, hello);
    }, this.#queueTimeoutMs);
    // Reads the first TLS record while it waits and puts it back, so the one that has said hello
    // can go first; one that leaves while waiting is dropped from the queue at once.
    const hello = new ClientHelloPeek(socket, {
      onReady: () => this.#pump(),
      onGone: () => {
        const i = this.#queue.findIndex((w) => w.socket === socket);
        if (i < 0) return;
        this.#queue.splice(i, 1);
        clearTimeout(timer);
      },
    });
    this.#queue.push({ address: addressOf(socket), socket, remote, since, timer, hello });
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
      h2: undefined,
      inFlight: new Set(),
      busyMs: 0,
      busySince: 0,
      pendingSince: undefined,
      lastActivity: performance.now(),
      admittedAt: performance.now(),
      requests: 0,
      lastGapMs: 0,
      bytesAtIdle: socket.bytesRead,
      closing: false,
      retiring: false,
      closeTimer: undefined,
      closed,
    };
    this.#sessions.set(key, session);
    this.#admittedTotal++;
    this.#watchFlushes();
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
    (tls as unknown as Record<symbol, Session>)[SESSION] = s;
    if (s.closing) this.#endSession(s);
    // A handshaken session that stays silent becomes purgeable; someone may be waiting for that.
    else if (this.#queue.length > 0 || s.retiring) this.#pump();
  }

  #onH2Session(h2: ServerHttp2Session): void {
    const s = sessionOf(h2.socket);
    if (!s) return;
    s.h2 = h2;
    if (s.closing || s.retiring || this.#shuttingDown) this.#goaway(s);
  }

  #onRequest(req: IncomingMessage, res: Response): void {
    const s = sessionOf(req.socket);
    if (!s) return;
    const now = performance.now();
    if (s.inFlight.size === 0) {
      // A client that sends its next request right after an answer is busy through the gap too
      // (a round trip); a poller's pauses are not counted.
      const gap = now - s.lastActivity;
      if (s.requests > 0 && gap < BUSY_GAP_MS) s.busyMs += gap;
      if (s.requests > 0) s.lastGapMs = gap;
      s.busySince = now;
    }
    s.inFlight.add(res);
    s.requests++;
    s.lastActivity = now;
    if (this.#shuttingDown || s.closing || s.retiring || this.#sliceOver(s)) {
      if (!this.#shuttingDown && !s.closing && !s.retiring) this.#sliced++;
      if (s.h2) this.#goaway(s);
      else closeAfter(res);
    }
    const done = (): void => {
      if (!s.inFlight.delete(res)) return;
      s.lastActivity = performance.now();
      if (s.inFlight.size === 0) s.busyMs += s.lastActivity - s.busySince;
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
      w.hello.release();
      this.#admit(w.socket);
    }
    // Busy clients past their slice see "Connection: close" on their response (h2: GOAWAY) and hand
    // the slot back themselves once it is sent.
    const now = performance.now();
    let nextSliceEnd = Number.POSITIVE_INFINITY;
    for (const s of this.#sessions.values()) {
      if (s.closing || s.retiring || s.inFlight.size === 0) continue;
      if (!this.#sliceOver(s)) {
        if (this.#queue.length > 0)
          nextSliceEnd = Math.min(nextSliceEnd, now + this.#sliceMs - (s.busyMs + now - s.busySince));
        continue;
      }
      if (s.h2) {
        this.#sliced++;
        this.#goaway(s);
      } else for (const res of s.inFlight) closeAfter(res);
    }
    clearTimeout(this.#sliceTimer);
    this.#sliceTimer = undefined;
    if (Number.isFinite(nextSliceEnd)) {
      this.#sliceTimer = setTimeout(() => this.#pump(), Math.max(1, Math.ceil(nextSliceEnd - now)));
      this.#sliceTimer.unref();
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
    if (s.closing || s.inFlight.size > 0) return false;
    // h2 clients send control frames (WINDOW_UPDATE, PING, SETTINGS ack) between requests: bytes
    // arriving on an h2 session do not mean a request is on its way.
    if (s.h2) return s.requests === 0;
    return !s.tls || s.requests === 0 || s.raw.bytesRead !== s.bytesAtIdle;
  }

  /**
   * Whether this busy session has used up its slice while others wait. Not while some slot is held
   * by an unproductive session (that one becomes productive or is closed as stalled first), and
   * never for a session carrying a live stream (see live-stream.ts).
   */
  #sliceOver(s: Session): boolean {
    if (this.#queue.length === 0 || s.inFlight.size === 0) return false;
    for (const res of s.inFlight) if (isLiveStream(res)) return false;
    const busy = s.busyMs + (performance.now() - s.busySince);
    if (busy < this.#sliceMs) return false;
    for (const o of this.#sessions.values()) if (this.#unproductive(o)) return false;
    return true;
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
    // A connection that has sent its ClientHello goes before any silent or partial one, whatever
    // its address: a shared address (NAT, a phone's own stray sockets) cannot starve a real client.
    const rank = (w: Waiting) => {
      const served = this.#lastServed.get(w.address);
      return (
        (w.hello.ready || !this.#readyFirst ? 0 : 1_000_000) +
        this.#sessionsOf(w.address) * 2 +
        (served !== undefined && now - served < RECENTLY_SERVED_MS ? 0 : 1)
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
      const eligibleAt = s.lastActivity + this.#graceFor(s);
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

  /**
   * A session that came back after its last pause is a poller (the UI polls at 2 Hz over HTTP/1.1
   * when it has no stream): it keeps its slot for one and a half of its own pauses, up to
   * POLLER_GRACE_MAX_MS, so that it is not purged between two polls and made to pay a new handshake
   * through the queue each time. A spare connection that served one request has no rhythm and keeps
   * only the idle grace.
   */
  #graceFor(s: Session): number {
    if (s.requests < 2) return this.#idleGraceMs;
    return Math.max(this.#idleGraceMs, Math.min(s.lastGapMs * 1.5, POLLER_GRACE_MAX_MS));
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

  /** Ends a session with a TLS close_notify (h2: GOAWAY first); destroys it if the peer does not close in time. */
  #endSession(s: Session): void {
    s.closing = true;
    if (s.closeTimer) return;
    s.closeTimer = setTimeout(() => s.raw.destroy(), this.#closeGraceMs);
    s.closeTimer.unref();
    // Before the handshake completes there is no TLS session to close politely.
    if (s.h2) s.h2.close();
    else if (s.tls) s.tls.end();
    else s.raw.destroy();
  }

  /**
   * A graceful h2 GOAWAY: the client opens no new stream here (it knows not to reuse the session,
   * unlike an idle HTTP/1.1 socket), streams in flight finish, and node:http2 closes the session
   * after the last one. Its close timer starts once nothing is in flight.
   */
  #goaway(s: Session): void {
    if (!s.h2 || s.h2.closed) return;
    s.closing = true;
    s.h2.close();
    if (s.inFlight.size === 0) this.#endSession(s);
  }

  /** Runs the slow-reader check while any session is open. */
  #watchFlushes(): void {
    if (this.#flushTimer) return;
    this.#flushTimer = setInterval(() => this.#checkFlushes(), FLUSH_CHECK_MS);
    this.#flushTimer.unref();
  }

  /**
   * A session whose output stays undrained past the bound is abandoned (destroyed: a polite close
   * would wait behind the very bytes it cannot deliver). A healthy client, live streams included,
   * drains what it is sent at once and is never touched.
   */
  #checkFlushes(): void {
    if (this.#sessions.size === 0) {
      clearInterval(this.#flushTimer);
      this.#flushTimer = undefined;
      return;
    }
    const now = performance.now();
    const bound = this.#queue.length > 0 ? this.#flushStallMs : this.#flushStallIdleMs;
    for (const s of this.#sessions.values()) {
      let pending = s.tls ? s.tls.writableLength > 0 : false;
      if (!pending) for (const res of s.inFlight) if (pendingBytes(res) > 0) pending = true;
      if (!pending) {
        s.pendingSince = undefined;
        continue;
      }
      s.pendingSince ??= now;
      if (now - s.pendingSince < bound || s.raw.destroyed) continue;
      this.#closedFor.slow_reader++;
      this.#log.debug(
        { remote: s.remote, pending_ms: Math.round(now - s.pendingSince), h2: Boolean(s.h2) },
        "TLS budget: closing a session whose client does not read its responses",
      );
      s.closing = true;
      s.h2?.destroy();
      s.raw.destroy();
    }
  }

  #reject(
    socket: net.Socket,
    remote: string,
    reason: RejectReason,
    since: number,
    timer?: NodeJS.Timeout,
    hello?: ClientHelloPeek,
  ): void {
    clearTimeout(timer);
    hello?.release();
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
