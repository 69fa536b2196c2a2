import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "../core/logger.js";
import type { HostAllowlist } from "./host-allowlist.js";
import { endAndClose, rawResponse } from "./raw-reply.js";
import { admitRedirectConnections, type RedirectAdmissionStats } from "./redirect-admission.js";

export interface RedirectLimits {
  /**
   * A redirect request is one short head that a browser sends at once; a connection that has not
   * delivered it by then, counted from its accept, is cut even when the port is not full (silent or
   * trickling).
   * @default 3000 ms
   */
  headersTimeoutMs: number;
  /** @default 5000 ms */
  requestTimeoutMs: number;
  /** @default 2000 ms */
  keepAliveTimeoutMs: number;
  /** @default 8192 bytes */
  maxHeaderSize: number;
  /**
   * Open connections at most; when full, a stalled or crowded host's connection gives way
   * (redirect-admission.ts).
   * @default 64
   */
  maxConnections: number;
  /**
   * A connection without a request in progress this long is closed first when the port is full.
   * @default 1000 ms
   */
  stallGraceMs: number;
  /**
   * How often Node checks the header/request timeouts.
   * @default 500 ms
   */
  timeoutCheckIntervalMs: number;
}

export const DEFAULT_REDIRECT_LIMITS: RedirectLimits = {
  headersTimeoutMs: 3_000,
  requestTimeoutMs: 5_000,
  keepAliveTimeoutMs: 2_000,
  maxHeaderSize: 8192,
  maxConnections: 64,
  stallGraceMs: 1_000,
  timeoutCheckIntervalMs: 500,
};

export type RedirectServer = Server & {
  /** Who holds the port and who was made to give way. */
  readonly admission: { stats(): RedirectAdmissionStats };
};

export interface RedirectServerOptions {
  /** The HTTPS port to send clients to; a function when it is only known once the HTTPS server is bound. */
  httpsPort: number | (() => number);
  allowlist: HostAllowlist;
  logger: Logger;
  /** @default DEFAULT_REDIRECT_LIMITS (given fields override) */
  limits?: Partial<RedirectLimits>;
}

const TLS_HANDSHAKE_RECORD = 0x16;
const NOTICE_INTERVAL_MS = 10_000;

/**
 * Path and query of the request as they may appear in a Location header. Absolute-form targets
 * (`GET http://x/y`) keep only their path; `*` and anything unparseable become `/`. Bytes outside
 * printable ASCII are percent-encoded so the header can never be split or rejected.
 */
export function redirectTarget(rawUrl: string | undefined): string {
  let target = rawUrl ?? "/";
  if (/^https?:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      target = `${url.pathname}${url.search}`;
    } catch {
      target = "/";
    }
  }
  if (!target.startsWith("/")) target = "/";
  let safe = "";
  for (const ch of target) {
    const code = ch.codePointAt(0)!;
    // Node hands the request line over as latin1: each char below 256 is one byte from the wire.
    safe +=
      code > 0x20 && code < 0x7f
        ? ch
        : code < 0x100
          ? `%${code.toString(16).toUpperCase().padStart(2, "0")}`
          : encodeURIComponent(ch);
  }
  return safe;
}

export function redirectLocation(host: string, httpsPort: number, target: string): string {
  return `https://${host}${httpsPort === 443 ? "" : `:${httpsPort}`}${target}`;
}

/**
 * The plain-HTTP entry point: every request, whatever its method or path, gets a 302 to the same
 * path and query on HTTPS and nothing else — no content, no API. Listening is the caller's job
 * (`listenOn` in port-errors.ts) so bind failures get the same advice as the HTTPS port.
 */
export function createRedirectServer(opts: RedirectServerOptions): RedirectServer {
  const limits = { ...DEFAULT_REDIRECT_LIMITS, ...opts.limits };
  const log = opts.logger.child({ tag: "http" });
  const httpsPort = typeof opts.httpsPort === "function" ? opts.httpsPort : () => opts.httpsPort as number;
  let lastTlsNotice = 0;
  let tlsSinceNotice = 0;

  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
    (req: IncomingMessage, res: ServerResponse) => {
      const host = opts.allowlist.redirectHost(req.headers.host, req.socket.localAddress);
      const location = redirectLocation(host, httpsPort(), redirectTarget(req.url));
      const hasBody =
        req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
      const headers: Record<string, string> = { Location: location, "Content-Length": "0" };
      // A body we will not read is not worth draining: close instead of keeping the connection.
      if (hasBody) headers.Connection = "close";
      res.writeHead(302, headers);
      res.end();
      log.debug({ method: req.method, location }, "redirected to HTTPS");
    },
  );
  const admission = admitRedirectConnections(server, {
    logger: opts.logger,
    maxConnections: limits.maxConnections,
    stallGraceMs: limits.stallGraceMs,
    silentTimeoutMs: limits.headersTimeoutMs,
  });

  server.on("clientError", (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    if (err.rawPacket?.[0] === TLS_HANDSHAKE_RECORD) {
      // A TLS ClientHello: someone typed https://…:<http port>. Nothing useful can be said in
      // HTTP, so close without a reply; log it, but not once per retry.
      tlsSinceNotice++;
      const now = Date.now();
      if (now - lastTlsNotice >= NOTICE_INTERVAL_MS) {
        log.info(
          { remote: socket.remoteAddress, count: tlsSinceNotice },
          `a client spoke HTTPS to the HTTP port; HTTPS is on port ${httpsPort()}`,
        );
        lastTlsNotice = now;
        tlsSinceNotice = 0;
      }
      endAndClose(socket);
      return;
    }
    const status =
      err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    log.debug({ remote: socket.remoteAddress, code: err.code, status }, "malformed HTTP request refused");
    endAndClose(socket, rawResponse(status));
  });

  return Object.assign(server, { admission });
}
