import { constants, type ServerHttp2Session } from "node:http2";
import type { H2Limits } from "./h2-limits.js";

/** The HTTP/2 denial-of-service classes a session can be closed for. */
export type H2Abuse =
  | "rapid_reset"
  | "ping_flood"
  | "settings_flood"
  /** nghttp2 or Node ended the session itself: empty/invalid frames, CONTINUATION flood, bad framing. */
  | "protocol_error";

export interface H2GuardOptions {
  limits: Pick<H2Limits, "maxControlFramesPerSecond" | "maxResetsPerSecond">;
  /**
   * Called once per session closed for abuse, before it is destroyed; nothing is reported per frame.
   * node:http2 then ends the TLS socket politely, which waits forever behind unread output when the
   * flooder also does not read: the caller cuts the socket (the socket budget's `abandon`).
   */
  onAbuse: (kind: H2Abuse, session: ServerHttp2Session) => void;
  /** @default performance.now */
  now?: () => number;
}

/** Counts events in one-second windows; `hit` answers whether this one is over the limit. */
function rateCounter(limit: number, now: () => number): () => boolean {
  let windowStart = Number.NEGATIVE_INFINITY;
  let n = 0;
  return () => {
    const t = now();
    if (t - windowStart >= 1_000) {
      windowStart = t;
      n = 0;
    }
    return ++n > limit;
  };
}

/**
 * Watches one h2 session for the floods nghttp2 answers cheaply but endlessly: PINGs and SETTINGS
 * (each needs an ACK), and streams cancelled right after they are opened (rapid reset: each costs
 * the server a request it will never send). Over the per-second limit the session gets GOAWAY
 * ENHANCE_YOUR_CALM and is destroyed. Sessions that node:http2 ends itself for bad frames (empty
 * DATA frames beyond `maxSessionInvalidFrames`, a CONTINUATION flood, framing errors) are reported too,
 * so every offence is counted once per session.
 */
export function guardH2Session(session: ServerHttp2Session, opts: H2GuardOptions): void {
  const now = opts.now ?? (() => performance.now());
  let reported = false;
  const offence = (kind: H2Abuse): void => {
    if (reported) return;
    reported = true;
    // Before destroy: afterwards the session no longer knows its socket.
    opts.onAbuse(kind, session);
    if (!session.destroyed) {
      session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      session.destroy();
    }
  };
  const pings = rateCounter(opts.limits.maxControlFramesPerSecond, now);
  const settings = rateCounter(opts.limits.maxControlFramesPerSecond, now);
  const resets = rateCounter(opts.limits.maxResetsPerSecond, now);
  session.on("ping", () => {
    if (pings()) offence("ping_flood");
  });
  session.on("remoteSettings", () => {
    if (settings()) offence("settings_flood");
  });
  session.on("stream", (stream) => {
    // Closed by the client's RST_STREAM before our response ended: a cancelled request.
    stream.once("close", () => {
      if (stream.rstCode !== constants.NGHTTP2_NO_ERROR && !stream.writableFinished && resets())
        offence("rapid_reset");
    });
    // A stream error is the client's doing (reset, bad frame); the session guard handles floods.
    stream.on("error", () => {});
  });
  session.on("error", () => offence("protocol_error"));
  session.on("frameError", (_type: number, _code: number, id: number) => {
    if (id === 0) offence("protocol_error");
  });
}
