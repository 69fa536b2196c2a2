import type net from "node:net";
import type tls from "node:tls";
import type { Logger } from "../core/logger.js";
import type { MemorySampler } from "../core/memory.js";
import type { RejectInfo, SocketBudget } from "./socket-budget.js";

/**
 * Why a TLS connection never became a working session. The first five are the Node equivalents of
 * the ESP's `mbedtls_ssl_handshake returned -0x7780` family; `out_of_resources` is its `-0x7F00`.
 * `queue_refused` is the socket budget turning a connection away (queue full, waited too long): load
 * the device handles as designed, not a fault, so it is neither an error nor counted as one.
 */
export const TLS_FAILURE_CLASSES = [
  "client_aborted",
  "handshake_timeout",
  "certificate_refused",
  "protocol_mismatch",
  "out_of_resources",
  "queue_refused",
  "other",
] as const;
export type TlsFailureClass = (typeof TLS_FAILURE_CLASSES)[number];

export interface TlsFailure {
  class: TlsFailureClass;
  /** The error's code (e.g. ERR_SSL_NO_SHARED_CIPHER, ECONNRESET), or "" when it had none. */
  code: string;
  /** What happened, in plain words. */
  detail: string;
}

const CLASS_WORDS: Record<TlsFailureClass, string> = {
  client_aborted: "client aborted",
  handshake_timeout: "handshake timed out",
  certificate_refused: "certificate refused",
  protocol_mismatch: "protocol or cipher mismatch",
  out_of_resources: "out of resources",
  queue_refused: "refused by the session budget",
  other: "unclassified",
};

const LEVEL: Record<TlsFailureClass, "info" | "warn" | "error"> = {
  // Browsers abort speculative connections and refuse a self-signed certificate until the user
  // accepts it: both are routine, as the original firmware notes say.
  client_aborted: "info",
  handshake_timeout: "info",
  certificate_refused: "info",
  protocol_mismatch: "warn",
  out_of_resources: "error",
  // Thousands during an attack; the summary line of a flood still says how many.
  queue_refused: "info",
  other: "warn",
};

const ABORT_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_SSL_UNEXPECTED_EOF_WHILE_READING",
  "ERR_SSL_TLSV1_ALERT_USER_CANCELLED",
  "ERR_SSL_SSLV3_ALERT_CLOSE_NOTIFY",
]);

const RESOURCE_CODES = new Set(["ENOMEM", "EMFILE", "ENFILE", "ENOBUFS", "ERR_SSL_MALLOC_FAILURE"]);

/** OpenSSL failures reading the server's own key material: nothing a client can cause here. */
const SETUP_LIBRARIES = /^(DECODER|PEM|x509 certificate|X509 certificate) routines$/;
const SETUP_CODES =
  /^(ERR_OSSL_(PEM|X509|DECODER)_|ERR_TLS_INVALID_CONTEXT$|ERR_SSL_(NO_CERTIFICATE_SET|NO_PRIVATE_KEY_ASSIGNED)$)/;

/** Alerts a client sends when it does not accept the server's certificate (RFC 8446 §6.2). */
const CERT_ALERT =
  /^ERR_SSL_(SSLV3|TLSV1)_ALERT_(BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|CERTIFICATE_UNKNOWN|UNKNOWN_CA|BAD_CERTIFICATE_STATUS_RESPONSE|BAD_CERTIFICATE_HASH_VALUE)$/;

const VERSION_CODES =
  /^ERR_SSL_(UNSUPPORTED_PROTOCOL|VERSION_TOO_LOW|VERSION_TOO_HIGH|TLSV1_ALERT_PROTOCOL_VERSION|INAPPROPRIATE_FALLBACK|TLSV1_ALERT_INAPPROPRIATE_FALLBACK)$/;

const CIPHER_CODES =
  /^ERR_SSL_(NO_SHARED_CIPHER|NO_SHARED_GROUPS|NO_SUITABLE_SIGNATURE_ALGORITHM|NO_SHARED_SIGNATURE_ALGORITHMS|NO_CIPHERS_AVAILABLE|SSLV3_ALERT_HANDSHAKE_FAILURE|TLSV1_ALERT_INSUFFICIENT_SECURITY|NO_PROTOCOLS_AVAILABLE)$/;

/** Classifies one failed TLS connection. Pure: the same error always gets the same answer. */
export function classifyTlsError(err: unknown): TlsFailure {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; reason?: unknown; library?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const message = typeof e.message === "string" ? e.message : String(err);
  const reason = typeof e.reason === "string" ? e.reason : "";
  const library = typeof e.library === "string" ? e.library : "";

  if (code === "ERR_TLS_HANDSHAKE_TIMEOUT")
    return { class: "handshake_timeout", code, detail: "the client went silent during the TLS handshake" };
  if (
    RESOURCE_CODES.has(code) ||
    /MALLOC_FAILURE/.test(code) ||
    /malloc failure|out of memory/i.test(message)
  )
    return { class: "out_of_resources", code, detail: "the server ran out of memory or file descriptors" };
  if (SETUP_CODES.test(code) || SETUP_LIBRARIES.test(library))
    // The server's own key or certificate could not be loaded for this session (e.g. a broken
    // SNI/certificate reload): the session could not be set up at all, like mbedtls_ssl_setup failing.
    return {
      class: "out_of_resources",
      code,
      detail: `the server could not set up the TLS session (${reason || message.trim()})`,
    };
  if (ABORT_CODES.has(code) || message === "socket hang up")
    return { class: "client_aborted", code, detail: "the client closed the connection during the handshake" };
  if (CERT_ALERT.test(code))
    return {
      class: "certificate_refused",
      code,
      detail: `the client refused the certificate (${reason || "certificate alert"}), as browsers do before the user accepts a self-signed certificate`,
    };
  if (code === "ERR_SSL_HTTP_REQUEST" || code === "ERR_SSL_HTTPS_PROXY_REQUEST")
    return { class: "protocol_mismatch", code, detail: "plain HTTP was sent to the HTTPS port" };
  if (VERSION_CODES.test(code))
    return {
      class: "protocol_mismatch",
      code,
      detail: "the client offered only TLS versions this server refuses (TLS 1.2 or newer required)",
    };
  if (CIPHER_CODES.test(code))
    return {
      class: "protocol_mismatch",
      code,
      detail: "the client and server have no cipher or key exchange in common",
    };
  if (code.startsWith("ERR_SSL_"))
    return {
      class: "protocol_mismatch",
      code,
      detail: `the client sent something that is not a valid TLS handshake (${reason || code})`,
    };
  return { class: "other", code, detail: `the TLS handshake failed: ${message.trim()}` };
}

export interface TlsDiagnosticsOptions {
  logger: Logger;
  /**
   * Memory figures are logged next to every resource failure.
   * @default undefined (no memory figures)
   */
  memory?: MemorySampler;
  /**
   * Connections the budget turns away for want of a slot are counted as `queue_refused`.
   * @default undefined (budget rejections are not counted)
   */
  budget?: SocketBudget;
  /**
   * Individual lines per window before the rest are summed up in one line.
   * @default 10
   */
  maxLinesPerWindow?: number;
  /**
   * Length of that window, ms.
   * @default 1000
   */
  windowMs?: number;
}

export interface TlsDiagnostics {
  /** Failures by class since start; exact even when log lines were summarised. */
  counts(): Record<TlsFailureClass, number>;
  /** Records a failure that did not come through the TLS server (e.g. an accept() error). */
  record(err: unknown, remote?: string): TlsFailure;
  /** Stops listening and flushes any pending summary line. */
  detach(): void;
}

function addressOf(socket: net.Socket): string | undefined {
  return socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort ?? "?"}` : undefined;
}

function zeroCounts(): Record<TlsFailureClass, number> {
  return Object.fromEntries(TLS_FAILURE_CLASSES.map((c) => [c, 0])) as Record<TlsFailureClass, number>;
}

const MiB = 1024 * 1024;

/**
 * Listens to a TLS (or HTTPS) server's handshake failures and reports each one once: counted by
 * class, and logged as one plain line. A flood (a scanner, a broken client in a loop) is logged as
 * the first `maxLinesPerWindow` lines of each window plus one summary line; the counts stay exact.
 */
export function attachTlsDiagnostics(server: tls.Server, opts: TlsDiagnosticsOptions): TlsDiagnostics {
  const log = opts.logger.child({ tag: "tls" });
  const maxLines = opts.maxLinesPerWindow ?? 10;
  const windowMs = opts.windowMs ?? 1_000;
  if (!Number.isInteger(maxLines) || maxLines < 0)
    throw new RangeError(`maxLinesPerWindow must be an integer >= 0, got ${maxLines}`);
  if (!Number.isFinite(windowMs) || windowMs <= 0)
    throw new RangeError(`windowMs must be > 0, got ${windowMs}`);

  const counts = zeroCounts();
  // A failed TLS socket is often closed before the failure is reported, and a closed socket no longer
  // knows its peer: remember each peer when the TCP connection arrives. The TLS socket wraps that TCP
  // socket as `_parent` (long-standing, if undocumented, in Node's tls).
  const peers = new WeakMap<object, string>();
  const onConnection = (raw: net.Socket): void => {
    const addr = addressOf(raw);
    if (addr) peers.set(raw, addr);
  };
  server.on("connection", onConnection);
  const peerOf = (socket: tls.TLSSocket | undefined): string => {
    if (!socket) return "unknown peer";
    const parent = (socket as { _parent?: object })._parent;
    return (parent && peers.get(parent)) ?? addressOf(socket) ?? "unknown peer";
  };
  const seen = new WeakSet<object>();
  let windowStart = 0;
  let linesInWindow = 0;
  let suppressed = zeroCounts();
  let suppressedTotal = 0;
  let flushTimer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    flushTimer = undefined;
    if (suppressedTotal === 0) return;
    const parts = TLS_FAILURE_CLASSES.filter((c) => suppressed[c] > 0).map(
      (c) => `${CLASS_WORDS[c]} ${suppressed[c]}`,
    );
    log.warn(
      { suppressed: { ...suppressed } },
      `TLS: ${suppressedTotal} more handshake failures not logged one by one: ${parts.join(", ")}`,
    );
    suppressed = zeroCounts();
    suppressedTotal = 0;
  };

  const report = (f: TlsFailure, remote: string): void => {
    counts[f.class]++;
    const now = Date.now();
    if (now - windowStart >= windowMs) {
      windowStart = now;
      linesInWindow = 0;
    }
    if (linesInWindow >= maxLines) {
      suppressed[f.class]++;
      suppressedTotal++;
      if (!flushTimer) {
        flushTimer = setTimeout(flush, windowStart + windowMs - now);
        flushTimer.unref();
      }
      if (f.class === "out_of_resources") opts.memory?.sample();
      return;
    }
    linesInWindow++;
    const fields: Record<string, unknown> = { class: f.class, code: f.code, remote };
    let msg = `TLS handshake failed (${CLASS_WORDS[f.class]}) from ${remote}: ${f.detail}`;
    if (f.code) msg += ` [${f.code}]`;
    if (f.class === "out_of_resources" && opts.memory) {
      const m = opts.memory.sample();
      fields.memory = m;
      msg += `; heap free ${(m.heap_free / MiB).toFixed(1)} MiB, minimum free since start ${(m.heap_free_min / MiB).toFixed(1)} MiB, RSS ${(m.rss / MiB).toFixed(1)} MiB`;
    }
    log[LEVEL[f.class]](fields, msg);
  };

  const onClientError = (err: Error, socket: tls.TLSSocket): void => {
    // One report per connection, whatever else the server emits about it.
    if (socket) {
      if (seen.has(socket)) return;
      seen.add(socket);
    }
    report(classifyTlsError(err), peerOf(socket));
  };
  server.on("tlsClientError", onClientError);

  const onRejected = (r: RejectInfo): void => {
    if (r.reason === "shutting_down") return;
    const detail =
      r.reason === "queue_full"
        ? "every TLS session slot was busy and the wait queue was full"
        : `every TLS session slot stayed busy for ${r.waitedMs} ms`;
    report({ class: "queue_refused", code: `BUDGET_${r.reason.toUpperCase()}`, detail }, r.remote);
  };
  const unsubscribe = opts.budget?.onRejected(onRejected);

  return {
    counts: () => ({ ...counts }),
    record: (err, remote = "unknown peer") => {
      const f = classifyTlsError(err);
      report(f, remote);
      return f;
    },
    detach: () => {
      server.off("tlsClientError", onClientError);
      server.off("connection", onConnection);
      unsubscribe?.();
      if (flushTimer) clearTimeout(flushTimer);
      flush();
    },
  };
}
