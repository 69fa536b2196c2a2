import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError, sendError } from "../core/api-error.js";
import type { Logger } from "../core/logger.js";
import { type BackoffOptions, FailureBackoff } from "./auth-backoff.js";
import {
  hashPassword,
  isStoredHash,
  type ScryptParams,
  type StoredHash,
  verifyPassword,
} from "./password-hash.js";
import type { WebApp } from "./web-app.js";

export type { StoredHash } from "./password-hash.js";

/** Where the hash lives; the device backs it with its settings store. */
export interface PasswordStore {
  load(): StoredHash | null;
  save(hash: StoredHash | null): Promise<void>;
}

export interface ApiAuthOptions {
  store: PasswordStore;
  logger: Logger;
  /** @default {} (every FailureBackoff default) */
  backoff?: BackoffOptions;
  /**
   * scrypt cost for newly set passwords; tests lower it for speed.
   * @default `DEFAULT_SCRYPT_PARAMS`
   */
  scrypt?: ScryptParams;
  /**
   * Wall clock for the "try again at" time in 429 messages.
   * @default `Date.now`
   */
  wallClock?: () => number;
}

/** Methods that change something and therefore need the password while one is set (SPEC §3). */
export const MUTATING_METHODS: ReadonlySet<string> = new Set(["PUT", "PATCH", "POST", "DELETE"]);

export type BearerCredentials =
  | { kind: "missing" }
  | { kind: "malformed" }
  | { kind: "token"; token: string };

/** Reads `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235); anything else is malformed. */
export function parseBearer(header: string | undefined): BearerCredentials {
  if (header === undefined || header === "") return { kind: "missing" };
  const m = /^Bearer +(\S+)$/i.exec(header);
  return m?.[1] ? { kind: "token", token: m[1] } : { kind: "malformed" };
}

/** Same client whether it arrives over IPv4 or as an IPv4-mapped IPv6 address. */
function clientKey(request: FastifyRequest): string {
  const ip = request.ip;
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

function isApiPath(request: FastifyRequest): boolean {
  // The matched route pattern, not only the raw URL: the router decodes percent-escapes, so
  // "/%61pi/security" reaches the /api/security handler although its raw text does not start with /api.
  const route = request.routeOptions.url;
  const path = request.url.split("?", 1)[0] ?? "";
  return [route ?? "", path].some((p) => p === "/api" || p.startsWith("/api/"));
}

const BEARER_CHALLENGE = 'Bearer realm="owts"';

/**
 * The API password: held as a salted scrypt hash, checked on every mutating `/api` request while one is
 * set, with per-client backoff on wrong attempts. The password itself is never kept, logged or returned.
 */
export class ApiAuth {
  readonly #store: PasswordStore;
  readonly #log: Logger;
  readonly #backoff: FailureBackoff;
  readonly #scrypt: ScryptParams | undefined;
  readonly #wallClock: () => number;
  readonly #authorized = new WeakSet<FastifyRequest>();
  #hash: StoredHash | null;
  #writes: Promise<unknown> = Promise.resolve();
  #decisions: Promise<unknown> = Promise.resolve();

  constructor(opts: ApiAuthOptions) {
    this.#store = opts.store;
    this.#log = opts.logger.child({ tag: "auth" });
    this.#backoff = new FailureBackoff(opts.backoff);
    this.#scrypt = opts.scrypt;
    this.#wallClock = opts.wallClock ?? Date.now;
    const loaded: unknown = opts.store.load();
    if (loaded !== null && !isStoredHash(loaded))
      // Failing closed would lock the owner out for good and failing open would drop the password, so
      // refuse to start and say how to recover.
      throw new Error(
        "the stored API password hash is damaged; remove the api password entry from the settings to clear it",
      );
    this.#hash = loaded;
  }

  get passwordSet(): boolean {
    return this.#hash !== null;
  }

  /**
   * Decides whether a request may proceed: resolves when it may, throws `ApiError` 401 (missing, malformed
   * or wrong password) or 429 (client blocked after repeated failures) when it may not.
   *
   * Decisions run one at a time. Otherwise a client could fire a hundred guesses at once, all passing the
   * "is it blocked?" check before the first scrypt finished; and each scrypt takes 16 MiB, which a
   * Pi-class device should not have to find a hundred times over.
   */
  authorize(request: FastifyRequest): Promise<void> {
    if (this.#hash === null) {
      this.#authorized.add(request);
      return Promise.resolve();
    }
    const decision = this.#decisions.then(() => this.#decide(request));
    this.#decisions = decision.catch(() => undefined);
    return decision;
  }

  async #decide(request: FastifyRequest): Promise<void> {
    const hash = this.#hash;
    if (hash === null) {
      this.#authorized.add(request);
      return;
    }
    const client = clientKey(request);
    const waitMs = this.#backoff.blockedFor(client);
    if (waitMs > 0) throw this.#tooMany(waitMs);

    const credentials = parseBearer(request.headers.authorization);
    if (credentials.kind === "missing")
      throw this.#unauthorized(
        'This device has an API password: send it as "Authorization: Bearer <password>".',
      );
    if (credentials.kind === "token" && (await verifyPassword(credentials.token, hash))) {
      this.#backoff.recordSuccess(client);
      this.#authorized.add(request);
      return;
    }
    const blockMs = this.#backoff.recordFailure(client);
    const failures = this.#backoff.failures(client);
    if (blockMs > 0)
      this.#log.warn(
        { client, failures },
        `${failures} wrong API passwords from ${client}; its writes are refused for ${Math.ceil(blockMs / 1000)} s`,
      );
    else this.#log.info({ client, failures }, `wrong or malformed API password from ${client}`);
    throw credentials.kind === "malformed"
      ? this.#unauthorized('The Authorization header must be "Bearer <password>".', "invalid_request")
      : this.#unauthorized("Wrong API password.", "invalid_token");
  }

  /** True when `authorize` let this request through (a second check for handlers that change the password). */
  isAuthorized(request: FastifyRequest): boolean {
    return this.#authorized.has(request);
  }

  /**
   * Sets (string) or clears (null) the password. The new hash is saved before it takes effect, so a failed
   * save leaves the old password in force. Calls run one at a time.
   */
  setPassword(password: string | null): Promise<void> {
    const run = async () => {
      const next = password === null ? null : await hashPassword(password, this.#scrypt);
      await this.#store.save(next);
      const was = this.#hash !== null;
      this.#hash = next;
      this.#log.info(
        next === null ? "API password cleared" : was ? "API password changed" : "API password set",
      );
    };
    const result = this.#writes.then(run, run);
    this.#writes = result.catch(() => undefined);
    return result;
  }

  /** Fastify `onRequest` hook: guards mutating requests under /api before their body is even read. */
  readonly onRequest = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    if (!MUTATING_METHODS.has(request.method) || !isApiPath(request)) return undefined;
    try {
      await this.authorize(request);
      return undefined;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // Answered here rather than thrown, so the envelope and headers do not depend on the error handler.
      return sendError(reply, err);
    }
  };

  #unauthorized(message: string, error?: "invalid_request" | "invalid_token"): ApiError {
    const challenge = error ? `${BEARER_CHALLENGE}, error="${error}"` : BEARER_CHALLENGE;
    return new ApiError(401, "unauthorized", message, undefined, { "WWW-Authenticate": challenge });
  }

  #tooMany(waitMs: number): ApiError {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    const at = new Date(this.#wallClock() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    return new ApiError(
      429,
      "too_many_requests",
      `Too many wrong passwords from this client. Try again in ${seconds} s (at ${at}).`,
      undefined,
      { "Retry-After": String(seconds) },
    );
  }
}

/** Installs the guard on `app` (at the root, so it covers every route and the 404 handler). */
export function registerApiAuth(app: WebApp, auth: ApiAuth): void {
  app.addHook("onRequest", auth.onRequest);
}
