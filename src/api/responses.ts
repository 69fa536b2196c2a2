import { ErrorEnvelope } from "../core/api-error.js";
import { ref } from "./schema-ref.js";

/** An error response for a route schema: the envelope, with a description the OpenAPI document shows. */
export function errorResponse(description: string): typeof ErrorEnvelope {
  return Object.assign(ref(ErrorEnvelope), { description });
}

/** What every write may answer besides its own codes (added to the document by `registerOpenApi`). */
export const AUTH_ERROR_RESPONSES = {
  401: errorResponse(
    "`unauthorized`: API password missing, malformed or wrong (`WWW-Authenticate: Bearer`).",
  ),
  429: errorResponse(
    "`too_many_requests`: too many wrong passwords from this client; wait `Retry-After` seconds.",
  ),
  507: errorResponse(
    "`insufficient_storage`: the device's storage is full; nothing was changed (free space, then retry).",
  ),
};

/** What every request with a body may answer. */
export const BODY_ERROR_RESPONSES = {
  400: errorResponse(
    "`bad_request` (not valid JSON) or `validation_failed` (breaks the schema or a rule; one `details` entry per field).",
  ),
  413: errorResponse("`payload_too_large`: the body is over 8 KiB."),
  415: errorResponse("`unsupported_media_type`: the body is not `application/json`."),
};

/** The 304 a conditional GET may answer (see `answerIfNotModified`). */
export const NOT_MODIFIED_RESPONSE = {
  304: {
    type: "null",
    description:
      "Not modified: the `If-None-Match` tag still matches; no body. ETag and Cache-Control are sent.",
  } as const,
};

/** The 200 of a live event stream (see `event-stream.ts`), described for the OpenAPI document. */
export function eventStreamResponse(polled: string) {
  return {
    200: {
      description:
        `\`text/event-stream\`: one event per change of the ${polled} document — \`data:\` is that document's JSON, ` +
        `\`id:\` its ETag — sent when (and only when) the ETag changes, the current one first. Reconnect with ` +
        "`Last-Event-ID` (EventSource does) and the current document is not repeated if it has not changed. A slow " +
        "reader gets the newest document when it catches up, never a backlog. Every 2 s a heartbeat (a `: heartbeat` " +
        "comment and an empty `heartbeat` event, no `id`). The stream ends (`retry:` says when to come back) on a mode " +
        "restart or shutdown.",
      content: {
        "text/event-stream": {
          schema: { type: "string", examples: ['retry: 1000\n\nid: W/"…"\ndata: {…}\n\n'] },
        },
      },
    },
  };
}

/** The refusal of a stream over its bounds. */
export const STREAM_LIMIT_RESPONSE = {
  429: errorResponse(
    "`too_many_requests`: this connection, this address or the device holds as many live streams as it may " +
      "(2, 4 and 16); close one or poll the document instead. `Retry-After` says when to try again.",
  ),
};
