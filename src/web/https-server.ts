/**
 * Web: the HTTPS app (Fastify on node:https), the socket budget it owns, TLS diagnostics, the redirect
 * server and the static UI. Knows nothing of the API's routes; may import layers 0–2.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from "fastify";
import { ApiError } from "../core/api-error.js";
import type { Logger } from "../core/logger.js";
import { packageRoot } from "../core/package-root.js";
import { acceptJsonBodiesOnly, BODY_LIMIT, bodyStrictValidatorFactory } from "./body-rules.js";
import { clientErrorHandler, installErrorHandling } from "./error-handling.js";
import { type DeviceSummary, renderFallbackPage } from "./fallback-page.js";
import { guardH2Session } from "./h2-guard.js";
import { applyHttp1Limits, DEFAULT_H2_LIMITS, type H2Limits, h2ServerOptions } from "./h2-limits.js";
import { installJsonBodyParser } from "./json-body.js";
import { listenOn } from "./port-errors.js";
import { installBodyDeadline } from "./slow-body.js";
import { SocketBudget, type SocketBudgetOptions } from "./socket-budget.js";
import { StaticSite, type StaticSiteLimits, serveStatic } from "./static-files.js";
import { type CertificatePair, checkCertificatePair, tlsServerOptions } from "./tls-options.js";

/**
 * The app as route code sees it. Typed with Fastify's default raw server so plugins written
 * against plain `FastifyPluginAsyncTypebox` register without casts; at run time it is node:https.
 */
export type WebApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
/** An API plugin; it is registered under the `/api` prefix, so its routes are relative (`/about`). */
export type ApiPlugin = FastifyPluginAsyncTypebox;

export interface HttpsLimits {
  /**
   * A TLS handshake that has not completed by then is dropped.
   * @default 10 000 ms
   */
  handshakeTimeoutMs: number;
  /**
   * Time from connection (or the previous response) until the request headers are complete.
   * @default 10 000 ms
   */
  headersTimeoutMs: number;
  /**
   * Time until the whole request, body included, has arrived.
   * @default 20 000 ms
   */
  requestTimeoutMs: number;
  /**
   * An idle keep-alive connection is closed after this.
   * @default 5000 ms
   */
  keepAliveTimeoutMs: number;
  /**
   * Request line + headers; beyond it the answer is 431.
   * @default 8192 bytes
   */
  maxHeaderSize: number;
  /**
   * How often Node checks the header/request timeouts (its default, 30 s, would let a silent client stay far too long).
   * @default 1000 ms
   */
  timeoutCheckIntervalMs: number;
  /**
   * Slowest request body accepted (bytes/s of its declared length, plus 1 s); slower ends in 408.
   * @default 1024 bytes/s
   */
  bodyMinBytesPerSecond: number;
}

export const DEFAULT_HTTPS_LIMITS: HttpsLimits = {
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 20_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderSize: 8192,
  timeoutCheckIntervalMs: 1_000,
  bodyMinBytesPerSecond: 1024,
};

/** Where the UI build puts the single-page app (Vite's outDir). */
export const DEFAULT_UI_DIR = join(packageRoot(), "dist", "ui");

export interface HttpsAppOptions {
  certificate: CertificatePair;
  logger: Logger;
  /**
   * The socket budget every TLS connection passes through (how many sessions, how long a newcomer may
   * wait). The app creates it, attaches it on `listen` and closes it on `close`: one owner for its life.
   * @default the SocketBudget defaults (4 sessions)
   */
  sessions?: Omit<SocketBudgetOptions, "logger">;
  /**
   * The built UI. Omitted: DEFAULT_UI_DIR, and the fallback page while it is not built. A path:
   * that directory, which must exist. null: the fallback page only.
   * @default undefined (DEFAULT_UI_DIR, or the fallback page while it is not built)
   */
  uiDir?: string | null;
  /** What the fallback page says about the device. */
  device: DeviceSummary;
  /** @default DEFAULT_HTTPS_LIMITS (given fields override) */
  limits?: Partial<HttpsLimits>;
  /** @default DEFAULT_H2_LIMITS (given fields override) */
  h2Limits?: Partial<H2Limits>;
  /** @default DEFAULT_STATIC_LIMITS (given fields override) */
  staticLimits?: Partial<StaticSiteLimits>;
}

export interface ListenOptions {
  port: number;
  /** @default undefined (every address, as `server.listen`) */
  host?: string;
  /**
   * The flag that chose the port, for the advice when binding fails.
   * @default "--https-port"
   */
  flag?: string;
  /** A listening socket from systemd: the budget's TCP server takes it instead of binding. @default none */
  fd?: number;
}

export interface HttpsApp {
  app: WebApp;
  /** The TLS server (node:http2, `h2` and `http/1.1` by ALPN); it never listens itself (see `listen`). */
  server: Http2SecureServer;
  site: StaticSite;
  /** Admits every TLS connection; its TCP server is what listens. */
  budget: SocketBudget;
  /** Serves a new certificate to every new connection; throws (keeping the old one) if the pair is unusable. */
  setCertificate(certPem: string | Buffer, keyPem: string | Buffer): void;
  /** Readies the app and binds the budget's TCP server; rejects with a ListenError that says what to do. */
  listen(opts: ListenOptions): Promise<AddressInfo>;
  /** Stops accepting, lets requests in progress finish, closes every session. */
  close(): Promise<void>;
}

/**
 * One app and one set of routes for both protocols: Fastify's http2 mode on a server that also
 * speaks HTTP/1.1 (ALPN picks per connection). Spread untyped: Fastify's overloads tie `http2: true`
 * to http2 request types, while route code is written against the default (compatible) ones.
 */
const HTTP2_MODE: object = { http2: true };

const SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
};

/**
 * The header list size as RFC 9113 §6.5.2 counts it (name + value + 32 per field). nghttp2 does not
 * enforce our advertised SETTINGS_MAX_HEADER_LIST_SIZE on what it receives, so h2 requests are
 * held to the same limit as HTTP/1.1's header bytes here.
 */
function headerListSize(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) n += raw[i]!.length + raw[i + 1]!.length + 32;
  return n;
}

function countHeader(raw: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) n++;
  return n;
}

/**
 * Whether a request meant the API, however its path is spelled: `//api/about`, `/api%2fabout` or
 * `/%61pi/x` must get the API's JSON 404, never the app's HTML with a 200 that a client would parse.
 */
export function isApiPath(url: string): boolean {
  let path = url.split("?", 1)[0]!;
  try {
    path = decodeURIComponent(path);
  } catch {
    // Malformed escapes: judge the raw text.
  }
  path = path.replace(/[/\\]+/g, "/").toLowerCase();
  return path === "/api" || path.startsWith("/api/");
}

/**
 * The HTTPS side of the device: Fastify on node:https with the TLS policy of tls-options.ts, the
 * limits above, JSON-only bodies of at most 8 KiB, every error in the API envelope, the API under
 * `/api` and the UI (from memory) everywhere else.
 */
export async function createHttpsApp(opts: HttpsAppOptions): Promise<HttpsApp> {
  const limits = { ...DEFAULT_HTTPS_LIMITS, ...opts.limits };
  const h2Limits = { ...DEFAULT_H2_LIMITS, ...opts.h2Limits };
  const log = opts.logger.child({ tag: "web" });
  checkCertificatePair(opts.certificate);

  const uiDir = opts.uiDir === undefined ? DEFAULT_UI_DIR : opts.uiDir;
  const site = await StaticSite.load({
    dir: uiDir,
    required: typeof opts.uiDir === "string",
    fallbackHtml: () => renderFallbackPage(opts.device),
    logger: opts.logger,
    ...(opts.staticLimits ? { limits: opts.staticLimits } : {}),
  });

  let server: Http2SecureServer | undefined;
  const app = fastify({
    loggerInstance: log as FastifyBaseLogger,
    ...HTTP2_MODE,
    // 2 Hz polling would flood the log ring; errors are logged by the error handler instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    schemaController: { compilersFactory: { buildValidator: bodyStrictValidatorFactory() } },
    clientErrorHandler,
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      server = createSecureServer(
        {
          ...tlsServerOptions(opts.certificate),
          ...h2ServerOptions(h2Limits),
          handshakeTimeout: limits.handshakeTimeoutMs,
        },
        handler as never,
      );
      applyHttp1Limits(server, limits);
      return server as unknown as RawServerDefault;
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as WebApp;
  const httpsServer = server!;

  // Created here so the app's own rules (slow bodies, h2 floods) count into the same figures.
  const budget = new SocketBudget({ ...opts.sessions, logger: opts.logger });
  acceptJsonBodiesOnly(app);
  installBodyDeadline(app, {
    minBytesPerSecond: limits.bodyMinBytesPerSecond,
    onSlow: () => budget.countClosed("slow_body"),
  });
  installJsonBodyParser(app);
  installErrorHandling(app, opts.logger);
  app.addHook("onRequest", async (req, reply) => {
    reply.headers(SECURITY_HEADERS);
    // RFC 9112 §3.2: a request with more than one Host header is answered 400. Node keeps the first.
    if (countHeader(req.raw.rawHeaders, "host") > 1)
      throw new ApiError(400, "bad_request", "the request has more than one Host header");
    if (req.raw.httpVersionMajor === 2 && headerListSize(req.raw.rawHeaders) > limits.maxHeaderSize)
      throw new ApiError(431, "bad_request", "the request headers are too large");
  });
  app.get("/*", async (req, reply) => {
    // The wildcard also catches /api paths no plugin claimed: those are a JSON 404, never the app.
    if (isApiPath(req.url)) {
      throw new ApiError(
        404,
        "not_found",
        `no such endpoint: ${req.method} ${req.url.split("?", 1)[0]!.slice(0, 200)}`,
      );
    }
    return serveStatic(site, req, reply);
  });

  httpsServer.on("session", (session) =>
    guardH2Session(session, {
      limits: h2Limits,
      onAbuse: (kind, session) => {
        budget.abandon(session.socket, "h2_abuse");
        // One line per session closed, never per frame; debug, as a flood would fill the ring.
        log.debug({ kind }, `h2 session closed for ${kind.replace("_", " ")}`);
      },
    }),
  );
  let listening = false;
  return {
    app,
    server: httpsServer,
    site,
    budget,
    setCertificate(certPem, keyPem) {
      const pair = { certPem, keyPem };
      checkCertificatePair(pair);
      httpsServer.setSecureContext(tlsServerOptions(pair));
      log.info("certificate replaced; new connections get the new one");
    },
    async listen(listenOpts) {
      await app.ready();
      if (listening) throw new Error("the HTTPS server is already listening");
      listening = true;
      const tcp = budget.attach(httpsServer);
      const address = await listenOn(tcp, {
        port: listenOpts.port,
        ...(listenOpts.host ? { host: listenOpts.host } : {}),
        flag: listenOpts.flag ?? "--https-port",
        ...(listenOpts.fd !== undefined ? { fd: listenOpts.fd } : {}),
      });
      // Node starts its header/request-timeout checks on "listening"; the HTTPS server never binds
      // (the budget hands it connections), so it is told here, or slow clients would never time out.
      httpsServer.emit("listening");
      return address;
    },
    async close() {
      await budget.closeAll();
      await app.close();
      // Clears the timeout checker; "not running" is expected, the budget's server was the bound one.
      await new Promise<void>((resolve) => httpsServer.close(() => resolve()));
    },
  };
}
