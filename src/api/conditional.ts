import { createHash, randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AircraftLive } from "./schemas/aircraft-live.js";
import type { LogPage } from "./schemas/log.js";
import type { WinchState } from "./schemas/winch.js";

/** Live resources must be revalidated on every use; with an ETag that usually costs a bodiless 304. */
export const LIVE_CACHE_CONTROL = "no-cache";

/*
 * ETags here are WEAK (`W/"…"`): they are computed from the fields that matter to a viewer, not from the
 * bytes sent, so two bodies with one tag may differ in a figure the tag leaves out (e.g. `age_ms` on
 * /api/winch). RFC 9110 calls that semantic equivalence, which is exactly a weak validator; If-None-Match
 * compares weakly anyway, so 304s work the same.
 *
 * A random per-process epoch is mixed in, because the fields are counters that restart with the process
 * (log seq, frame counters): after a restart, a client's old tag must not match the new state.
 */
const EPOCH = randomBytes(8);

/** Key order must not change the tag: objects are serialised with sorted keys. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
}

/** A weak ETag from the chosen fields: the same fields give the same tag for the life of the process. */
export function contentEtag(fields: unknown): string {
  const digest = createHash("sha256").update(EPOCH).update(stableJson(fields)).digest("base64url");
  return `W/"${digest.slice(0, 22)}"`;
}

/**
 * The entity tags of an If-None-Match header (opaque parts, `W/` dropped, for weak comparison), or "*".
 * Quoted tags may contain commas, so the list is scanned rather than split; unquoted tokens, which some
 * clients send, are taken as they are.
 */
export function parseIfNoneMatch(header: string): "*" | string[] {
  if (header.trim() === "*") return "*";
  const tags: string[] = [];
  let i = 0;
  while (i < header.length) {
    while (i < header.length && /[\s,]/.test(header[i] ?? "")) i++;
    if (i >= header.length) break;
    if (header.startsWith("W/", i)) i += 2;
    if (header[i] === '"') {
      const end = header.indexOf('"', i + 1);
      if (end < 0) break; // unterminated: nothing after it can be trusted
      tags.push(header.slice(i, end + 1));
      i = end + 1;
    } else {
      const end = header.indexOf(",", i);
      const token = header.slice(i, end < 0 ? header.length : end).trim();
      if (token) tags.push(token.startsWith('"') ? token : `"${token}"`);
      i = end < 0 ? header.length : end + 1;
    }
  }
  return tags;
}

/** RFC 9110 §13.1.2 for a resource that exists: `*` or any tag equal under weak comparison. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const tags = parseIfNoneMatch(header);
  if (tags === "*") return true;
  const opaque = etag.startsWith("W/") ? etag.slice(2) : etag;
  return tags.includes(opaque);
}

/**
 * Sets `ETag` and `Cache-Control: no-cache` and, when the request's If-None-Match matches, answers 304
 * without a body and returns true (the handler then returns `reply`). Use on GET/HEAD only.
 *
 *   if (answerIfNotModified(request, reply, liveEtag(live))) return reply;
 *   return live;
 */
export function answerIfNotModified(request: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  reply.header("ETag", etag).header("Cache-Control", LIVE_CACHE_CONTROL);
  const header = request.headers["if-none-match"];
  if (!ifNoneMatchHits(Array.isArray(header) ? header.join(",") : header, etag)) return false;
  reply.code(304).send();
  return true;
}

/**
 * `/api/aircraft/live`: IAS at its 0.1 display resolution, unit, phase, landed flag, landing-hold whole
 * seconds, sensor health, climb rate at 0.1 and the static-pressure sensor's health, and transmit state. Counters that tick with every frame (`tx.sent`) are left
 * out, or a 2 Hz poll would never see a 304.
 */
export function liveEtag(live: AircraftLive): string {
  return contentEtag([
    live.ias.toFixed(1),
    live.unit,
    live.flight_phase,
    live.phase,
    live.is_landed,
    live.landing_hold_s,
    live.sensor,
    live.climb_mps,
    live.baro,
    live.tx.state,
    live.tx.reason ?? null,
  ]);
}

/**
 * `/api/winch`: changes with every decoded frame (the receive counter, with the frame's sequence number)
 * and every link-state change. `age_ms` is deliberately not part of it; a client ages the frame itself.
 */
export function winchEtag(state: WinchState): string {
  const t = state.telemetry;
  return contentEtag([state.link, t ? [t.received, t.seq] : null]);
}

/** `/api/log`: the newest sequence number (with the `after` asked for, which selects the lines). */
export function logEtag(page: LogPage, after: number): string {
  return contentEtag(["log", page.newest_seq, after]);
}
