import type { Http2SecureServer, SecureServerOptions } from "node:http2";

/**
 * The per-session limits of the HTTP/2 side, each chosen for a device that serves a handful of
 * phones, not for a CDN. Node's defaults are sized for servers with gigabytes to spare (100
 * streams, 10 MB of session memory, 1000 invalid frames); these are what one browser tab needs.
 * Floods the limits alone cannot stop (pings, settings, resets — each answered cheaply by nghttp2,
 * but endlessly) are counted per session by `guardH2Session`.
 */
export interface H2Limits {
  /**
   * Streams a client may have open at once. A page load asks for ~10 assets; more wait in the client.
   * @default 32
   */
  maxConcurrentStreams: number;
  /**
   * Decoded header list size (HPACK); the same 8 KiB as HTTP/1.1's header limit.
   * @default 8192 bytes
   */
  maxHeaderListSize: number;
  /**
   * Stream flow-control window we advertise: bodies are ≤ 8 KiB, so a small window costs nothing.
   * @default 65 535 bytes (the protocol's initial value)
   */
  initialWindowSize: number;
  /**
   * Memory nghttp2 may hold for one session (header tables, queued frames) before it refuses new
   * streams with ENHANCE_YOUR_CALM.
   * @default 1 MB
   */
  maxSessionMemoryMb: number;
  /**
   * Invalid frames (e.g. empty DATA frames, CVE-2019-9518) before the session is closed.
   * @default 16
   */
  maxSessionInvalidFrames: number;
  /**
   * Streams refused (over the concurrency limit, rapid reset) before the session is closed.
   * @default 32
   */
  maxSessionRejectedStreams: number;
  /**
   * Entries in one SETTINGS frame.
   * @default 16
   */
  maxSettings: number;
  /**
   * PING, SETTINGS and RST_STREAM frames (each) a session may send per second before it is closed
   * with GOAWAY ENHANCE_YOUR_CALM. Browsers send a couple of each per session.
   * @default 20
   */
  maxControlFramesPerSecond: number;
  /**
   * Streams a client may cancel (RST_STREAM before the response) per second: rapid reset, CVE-2023-44487.
   * @default 20
   */
  maxResetsPerSecond: number;
}

export const DEFAULT_H2_LIMITS: H2Limits = {
  maxConcurrentStreams: 32,
  maxHeaderListSize: 8192,
  initialWindowSize: 65_535,
  maxSessionMemoryMb: 1,
  maxSessionInvalidFrames: 16,
  maxSessionRejectedStreams: 32,
  maxSettings: 16,
  maxControlFramesPerSecond: 20,
  maxResetsPerSecond: 20,
};

/** The http2.createSecureServer options for these limits, HTTP/1.1 fallback included (ALPN `h2`, `http/1.1`). */
export function h2ServerOptions(l: H2Limits): SecureServerOptions {
  return {
    allowHTTP1: true,
    settings: {
      maxConcurrentStreams: l.maxConcurrentStreams,
      maxHeaderListSize: l.maxHeaderListSize,
      initialWindowSize: l.initialWindowSize,
      enablePush: false,
    },
    maxHeaderListPairs: 64,
    maxSessionMemory: l.maxSessionMemoryMb,
    maxSessionInvalidFrames: l.maxSessionInvalidFrames,
    maxSessionRejectedStreams: l.maxSessionRejectedStreams,
    maxSettings: l.maxSettings,
    // Pings the server sends; none today, so this only bounds what a future keep-alive could queue.
    maxOutstandingPings: 2,
    // Frames nghttp2 may queue for a client that does not read (PING/SETTINGS acks): beyond this it
    // ends the session (its own flood guard).
    maxOutstandingSettings: 4,
  } as SecureServerOptions;
}

export interface Http1Limits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderSize: number;
  timeoutCheckIntervalMs: number;
}

/**
 * node:http2 hands `http/1.1` connections to node:http's connection handler, which reads these
 * limits from the server object (they are not http2 options), with http2's looser defaults
 * (60 s headers, 5 min request) otherwise.
 */
export function applyHttp1Limits(server: Http2SecureServer, l: Http1Limits): void {
  Object.assign(server, {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    maxHeaderSize: l.maxHeaderSize,
    connectionsCheckingInterval: l.timeoutCheckIntervalMs,
    // node:http's own default; http2's fallback leaves it unset (= not required).
    requireHostHeader: true,
  });
}
