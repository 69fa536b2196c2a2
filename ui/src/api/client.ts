import type { FieldProblem } from "./types.js";

/**
 * What went wrong with a request, in the terms a page needs to pick an on-screen state:
 * - `network` / `timeout`: the device did not answer (off, out of range, restarting);
 * - `not_json`: a web page came back where data was expected (an older device without this endpoint);
 * - `wrong_mode`: the endpoint belongs to the other mode (404 `aircraft_mode_only` / `winch_mode_only`);
 * - `absent`: the endpoint does not exist on this device (404 `not_found`);
 * - `unauthorized`: a write needs the API password (401);
 * - `rate_limited`: too many failed passwords (429, see `retryAfterS`);
 * - `validation`: the device refused the input (400 with `details` per field);
 * - `storage_full`: the device's storage is full and it changed nothing (507 `insufficient_storage`);
 * - `rejected`: any other 4xx; `server`: 5xx or an unreadable answer.
 */
export type FailureKind =
  | "network"
  | "timeout"
  | "not_json"
  | "wrong_mode"
  | "absent"
  | "unauthorized"
  | "rate_limited"
  | "validation"
  | "storage_full"
  | "rejected"
  | "server";

export class ApiFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly status: number,
    message: string,
    readonly token: string | null = null,
    readonly details: readonly FieldProblem[] = [],
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
    this.name = "ApiFailure";
  }

  /** Whether trying again later can help (the device may come back or change mode). */
  get transient(): boolean {
    return (
      this.kind === "network" ||
      this.kind === "timeout" ||
      this.kind === "server" ||
      this.kind === "rate_limited"
    );
  }
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === "AbortError";
}

/** Any thrown value as an ApiFailure (programming errors become `server` with their message). */
export function asFailure(err: unknown): ApiFailure {
  if (err instanceof ApiFailure) return err;
  return new ApiFailure("server", 0, err instanceof Error ? err.message : String(err));
}

const TOKEN_KEY = "owts-api-password";

/** The API password for this browser session (sessionStorage: gone when the tab closes). */
export const session = {
  token(): string | null {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  setToken(value: string | null): void {
    try {
      if (value === null) sessionStorage.removeItem(TOKEN_KEY);
      else sessionStorage.setItem(TOKEN_KEY, value);
    } catch {
      // Storage disabled (private mode): the password then lasts until reload only.
      memoryToken = value;
      return;
    }
    memoryToken = value;
  },
  current(): string | null {
    return this.token() ?? memoryToken;
  },
};
let memoryToken: string | null = null;

export type JsonResult<T> =
  | { status: 200; data: T; etag: string | null }
  | { status: 304; data: T; etag: string };

interface Cached {
  etag: string;
  data: unknown;
}
/** Last answer per URL, for If-None-Match and to hand the body back on a 304. */
const validators = new Map<string, Cached>();
const MAX_VALIDATORS = 32;

export interface RequestOptions {
  signal?: AbortSignal;
  /** Give up after this long; a device that does not answer is `timeout`, not a hang. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 8000;
const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

/** fetch with a timeout and the caller's abort, both through one controller (no AbortSignal.any on older phones). */
async function send(url: string, init: RequestInit, opts: RequestOptions): Promise<Response> {
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort();
  }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const onAbort = () => ctrl.abort();
  if (opts.signal?.aborted) ctrl.abort();
  opts.signal?.addEventListener("abort", onAbort);
  try {
    return await fetch(url, { ...init, signal: ctrl.signal, cache: "no-store", credentials: "same-origin" });
  } catch {
    if (opts.signal?.aborted) throw new DOMException("aborted", "AbortError");
    if (timedOut) throw new ApiFailure("timeout", 0, "The device did not answer in time.");
    throw new ApiFailure("network", 0, "The device cannot be reached.");
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

function pathOf(url: string): string {
  return url.split("?", 1)[0] ?? url;
}

/** Turns a non-2xx or non-JSON answer into an ApiFailure; returns the parsed body of a good one. */
async function readJson(res: Response, url: string): Promise<unknown> {
  const type = res.headers.get("content-type") ?? "";
  if (!JSON_TYPE.test(type)) {
    if (res.status === 507)
      throw new ApiFailure("storage_full", 507, "The device's storage is full; nothing was changed.");
    if (res.status >= 500)
      throw new ApiFailure("server", res.status, `The device answered ${res.status}; it may be restarting.`);
    if (res.status === 401) throw new ApiFailure("unauthorized", 401, "The device needs the API password.");
    if (res.status === 404 || res.ok)
      throw new ApiFailure(
        "not_json",
        res.status,
        `This device does not offer ${pathOf(url)} (it answered with a web page: an older device, or not available in this mode).`,
      );
    throw new ApiFailure("rejected", res.status, `The device answered ${res.status}.`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ApiFailure("server", res.status, "The device sent an unreadable answer.");
  }
  if (res.ok) return body;
  const env = (body && typeof body === "object" ? body : {}) as {
    error?: unknown;
    message?: unknown;
    details?: unknown;
  };
  const token = typeof env.error === "string" ? env.error : null;
  const message = typeof env.message === "string" ? env.message : `The device answered ${res.status}.`;
  const details = Array.isArray(env.details)
    ? env.details.filter(
        (d): d is FieldProblem => !!d && typeof d.field === "string" && typeof d.message === "string",
      )
    : [];
  const retry = Number(res.headers.get("retry-after"));
  const kind: FailureKind =
    res.status === 401
      ? "unauthorized"
      : res.status === 429
        ? "rate_limited"
        : res.status === 404 && (token === "aircraft_mode_only" || token === "winch_mode_only")
          ? "wrong_mode"
          : res.status === 404
            ? "absent"
            : res.status === 400 && details.length > 0
              ? "validation"
              : res.status === 507 || token === "insufficient_storage"
                ? "storage_full"
                : res.status >= 500
                  ? "server"
                  : "rejected";
  throw new ApiFailure(
    kind,
    res.status,
    message,
    token,
    details,
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

/**
 * GET with If-None-Match: a 304 hands back the body of the last 200 for this URL (and says so by
 * its status), so a poller can tell "nothing new" from "new data".
 */
export async function getJson<T>(url: string, opts: RequestOptions = {}): Promise<JsonResult<T>> {
  const cached = validators.get(url);
  const headers: Record<string, string> = { Accept: "application/json" };
  if (cached) headers["If-None-Match"] = cached.etag;
  const res = await send(url, { method: "GET", headers }, opts);
  if (res.status === 304) {
    if (cached) return { status: 304, data: cached.data as T, etag: cached.etag };
    throw new ApiFailure("server", 304, "The device said nothing changed, but nothing was loaded yet.");
  }
  const data = (await readJson(res, url)) as T;
  const etag = res.headers.get("etag");
  validators.delete(url);
  if (etag) {
    if (validators.size >= MAX_VALIDATORS) validators.delete(validators.keys().next().value as string);
    validators.set(url, { etag, data });
  }
  return { status: 200, data, etag };
}

/** A plain GET of the current value (no validators), for forms. */
export async function load<T>(url: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(url, { method: "GET", headers: { Accept: "application/json" } }, opts);
  return (await readJson(res, url)) as T;
}

/**
 * A write (PUT/PATCH/POST/DELETE) with the session's API password as Bearer, if one is known.
 * Resolves to the JSON body, or null for 202/204 without one.
 */
export async function write<T = unknown>(
  method: "PUT" | "PATCH" | "POST" | "DELETE",
  url: string,
  body?: unknown,
  opts: RequestOptions & { token?: string | null } = {},
): Promise<T | null> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = opts.token === undefined ? session.current() : opts.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await send(url, init, opts);
  if ((res.status === 204 || res.status === 202) && !JSON_TYPE.test(res.headers.get("content-type") ?? ""))
    return null;
  if (res.status === 204) return null;
  return (await readJson(res, url)) as T;
}
