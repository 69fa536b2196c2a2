import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../core/api-error.js";
import type { LiveFeed } from "../core/live-feed.js";
import { markLiveStream } from "../web/live-stream.js";

/*
 * Server-sent events (text/event-stream) of a live document: the stream routes' one implementation.
 *
 * - Each event is the polled endpoint's JSON document with `id:` = its ETag, sent when the tag changes
 *   and only then. A client that reconnects with `Last-Event-ID` equal to the current tag gets nothing
 *   until the next change (no repeat); any other value, garbage included, just gets the current one.
 * - Newest, never a backlog: while the client has not taken what was written (the write reported
 *   back-pressure), changes only mark the stream "behind"; on `drain` the document as it is then is
 *   written, once. What is buffered per stream is bounded by the transport's high-water mark, not by
 *   how long the client dawdles; a client that takes nothing for `stallMs` is cut.
 * - A heartbeat every `heartbeatMs`, so both ends notice a dead stream: the server because the writes
 *   stop draining, the browser because its watchdog misses them. It is a comment (what any SSE reader
 *   skips) plus an empty `heartbeat` event, because EventSource never shows comments to a page.
 * - Written through `reply.raw` after `reply.hijack()`, with nothing HTTP/1.1-only (no `Connection`
 *   header, no socket calls), so it runs unchanged on node:http and on Fastify's HTTP/2 compat layer.
 * - Ends cleanly (the response ends; `retry:` tells EventSource when to come back) when the feed ends,
 *   i.e. on a mode restart or shutdown, and on HTTP/1.1 when the socket budget wants the connection
 *   back for someone waiting.
 * - Nothing is logged per event or per stream: a reconnecting phone must not fill the log ring.
 */

export interface EventStreamOptions {
  /**
   * Streams one session may hold at once (an HTTP/1.1 connection carries one anyway; an HTTP/2
   * connection carries a page's streams as streams of itself).
   * @default 2
   */
  perSession?: number;
  /**
   * Streams one host (client address) may hold at once, over all its sessions.
   * @default 4
   */
  perHost?: number;
  /**
   * Streams the device holds at once.
   * @default 16
   */
  total?: number;
  /** @default 2000 ms */
  heartbeatMs?: number;
  /**
   * A stream whose client has taken nothing written for this long is cut.
   * @default 10 000 ms
   */
  stallMs?: number;
  /**
   * The `retry:` sent to EventSource: how long it waits before reconnecting after an end.
   * @default 1000 ms
   */
  retryMs?: number;
  /**
   * HTTP/1.1 only: whether the connection under a stream should be handed back now (someone waits for
   * a TLS slot). The stream then ends; the page polls until it tries again.
   * @default never
   */
  yieldSocket?: (socket: Socket) => boolean;
}

export const DEFAULT_EVENT_STREAM_OPTIONS = {
  perSession: 2,
  perHost: 4,
  total: 16,
  heartbeatMs: 2000,
  stallMs: 10_000,
  retryMs: 1000,
} as const;

/** What a heartbeat looks like on the wire (see the header comment). */
export const HEARTBEAT = ": heartbeat\nevent: heartbeat\ndata:\n\n";

export interface EventStreams {
  /**
   * Answers `request` with an event stream of `feed` (hijacking the reply), or throws the 429 envelope
   * when a bound is reached. Call from a GET handler after the mode check; return its result.
   */
  serve<T>(request: FastifyRequest, reply: FastifyReply, feed: LiveFeed<T>): FastifyReply;
  /** Streams open now. */
  open(): number;
}

type RawRequest = IncomingMessage & { stream?: { session?: object } };

/** The HTTP/2 session of a request, else its HTTP/1.1 connection. */
function sessionOf(raw: RawRequest): object {
  return raw.stream?.session ?? raw.socket;
}

function hostOf(request: FastifyRequest): string {
  const a = request.ip ?? "?";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

function bump<K>(map: Map<K, number>, key: K, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

/**
 * Marks `reply` as a live stream for the transport, the one place that does, and sends the head at
 * once (so the client sees the stream open before the first change). The mark spares a healthy
 * stream the socket budget's HTTP/1.1 time slice and idle purge; its slow-reader bound still applies.
 */
function startLiveResponse(reply: FastifyReply, headers: OutgoingHttpHeaders): void {
  markLiveStream(reply.raw);
  reply.raw.writeHead(200, headers);
}

export function createEventStreams(opts: EventStreamOptions = {}): EventStreams {
  const o = { ...DEFAULT_EVENT_STREAM_OPTIONS, ...opts };
  const bySession = new Map<object, number>();
  const byHost = new Map<string, number>();
  let total = 0;

  const refuse = (why: string): never => {
    throw new ApiError(
      429,
      "too_many_requests",
      `too many live streams ${why}; close one (another tab?) or poll instead`,
      undefined,
      { "Retry-After": "5" },
    );
  };

  return {
    open: () => total,
    serve(request, reply, feed) {
      const raw = request.raw as RawRequest;
      const session = sessionOf(raw);
      const host = hostOf(request);
      if ((bySession.get(session) ?? 0) >= o.perSession) refuse("on this connection");
      if ((byHost.get(host) ?? 0) >= o.perHost) refuse("from this address");
      if (total >= o.total) refuse("on this device");

      const headers: OutgoingHttpHeaders = {
        ...(reply.getHeaders() as OutgoingHttpHeaders),
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        // Tells a buffering proxy in front (nginx) to pass events through as they come.
        "x-accel-buffering": "no",
      };
      reply.hijack();
      const res = reply.raw;
      startLiveResponse(reply, headers);
      if (request.method === "HEAD") {
        res.end();
        return reply;
      }

      total++;
      bump(bySession, session, 1);
      bump(byHost, host, 1);
      const header = request.headers["last-event-id"];
      let sent = typeof header === "string" ? header : "";
      let blockedSince: number | null = null;
      let behind = false;
      let done = false;
      let offChange = (): void => {};
      let offEnd = (): void => {};

      const write = (chunk: string): void => {
        if (!res.write(chunk) && blockedSince === null) blockedSince = performance.now();
      };
      const push = (): void => {
        if (done) return;
        if (blockedSince !== null) {
          behind = true;
          return;
        }
        behind = false;
        const v = feed.current();
        if (v.etag === sent) return;
        sent = v.etag;
        write(`id: ${v.etag}\ndata: ${JSON.stringify(v.doc)}\n\n`);
      };
      const cleanup = (): void => {
        if (done) return;
        done = true;
        clearInterval(beat);
        offChange();
        offEnd();
        total--;
        bump(bySession, session, -1);
        bump(byHost, host, -1);
      };
      const finish = (): void => {
        if (done) return;
        cleanup();
        res.end();
      };
      const beat = setInterval(() => {
        if (blockedSince !== null) {
          // Taken nothing for stallMs: the client is gone or never reads. Cut, not end: nothing more can be said.
          if (performance.now() - blockedSince >= o.stallMs) {
            cleanup();
            raw.destroy();
          }
          return;
        }
        if (!raw.stream && o.yieldSocket?.(raw.socket)) finish();
        else write(HEARTBEAT);
      }, o.heartbeatMs);
      beat.unref();

      res.on("drain", () => {
        blockedSince = null;
        if (behind) push();
      });
      res.once("close", cleanup);
      write(`retry: ${o.retryMs}\n\n`);
      offChange = feed.onChange(push);
      // An ended feed (the runtime stopped as the request came in) calls finish at once.
      offEnd = feed.onEnd(finish);
      push();
      return reply;
    },
  };
}
