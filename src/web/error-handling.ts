import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifySchemaValidationError } from "fastify";
import { ApiError, type ErrorEnvelope, sendError } from "../core/api-error.js";
import type { Logger } from "../core/logger.js";
import { BODY_LIMIT } from "./body-rules.js";
import { endAndClose, rawResponse } from "./raw-reply.js";

type Detail = { field: string; message: string };

function pointerToken(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}

function describeAllowed(branchErrors: FastifySchemaValidationError[]): string | null {
  const allowed: string[] = [];
  for (const e of branchErrors) {
    if (e.keyword === "type") allowed.push(String(e.params.type));
    else if (e.keyword === "const") allowed.push(JSON.stringify(e.params.allowedValue));
    else if (e.keyword === "enum")
      allowed.push(...(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)));
    else return null;
  }
  const unique = [...new Set(allowed)];
  if (unique.length === 0) return null;
  if (unique.length === 1) return `must be ${unique[0]}`;
  const list = `${unique.slice(0, -1).join(", ")} or ${unique.at(-1)}`;
  // "must be string or null" reads well; values need "one of" ("must be one of "kt" or "mph"").
  return branchErrors.every((e) => e.keyword === "type") ? `must be ${list}` : `must be one of ${list}`;
}

/**
 * Ajv errors → one detail per problem, each naming its field as a JSON pointer (`/v_min`).
 * A failed union (`anyOf`/`oneOf`) is one problem, not one per branch: its branch errors are folded
 * into "must be one of …" when they are plain type/constant mismatches.
 */
export function validationDetails(errors: readonly FastifySchemaValidationError[]): Detail[] {
  const unions = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
  const branchOf = (e: FastifySchemaValidationError) =>
    unions.find(
      (u) =>
        u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`) && e.instancePath.startsWith(u.instancePath),
    );
  const details: Detail[] = [];
  for (const e of errors) {
    if (branchOf(e)) continue;
    let field = e.instancePath;
    let message = e.message ?? `fails the ${e.keyword} rule`;
    if (e.keyword === "required") {
      field = `${e.instancePath}/${pointerToken(String(e.params.missingProperty))}`;
      message = "is required";
    } else if (e.keyword === "additionalProperties") {
      field = `${e.instancePath}/${pointerToken(String(e.params.additionalProperty))}`;
      message = "is not a known field";
    } else if (e.keyword === "anyOf" || e.keyword === "oneOf") {
      const branches = errors.filter((b) => branchOf(b) === e && b.instancePath === e.instancePath);
      const all = errors.filter((b) => branchOf(b) === e);
      message =
        (branches.length === all.length && describeAllowed(branches)) ||
        "does not match any of the allowed forms";
    }
    if (!details.some((d) => d.field === field && d.message === message)) details.push({ field, message });
  }
  return details;
}

const PART_NAMES: Record<string, string> = {
  body: "request body",
  querystring: "query string",
  params: "URL path",
  headers: "request headers",
};

type MaybeValidationError = FastifyError & {
  validation?: FastifySchemaValidationError[];
  validationContext?: string;
};

/** Maps anything thrown while handling a request to the API error it means; null when unexpected. */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  const e = err as MaybeValidationError;
  if (Array.isArray(e?.validation)) {
    const part = PART_NAMES[e.validationContext ?? "body"] ?? "request";
    return new ApiError(
      400,
      "validation_failed",
      `the ${part} is not valid`,
      validationDetails(e.validation),
    );
  }
  switch (e?.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError(413, "payload_too_large", `request bodies are limited to ${BODY_LIMIT} bytes`);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError(415, "unsupported_media_type", "request bodies must be sent as application/json");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ApiError(400, "bad_request", "the request body is not valid JSON");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ApiError(400, "bad_request", "the request body is empty; send a JSON document");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ApiError(400, "bad_request", "the request body does not match its Content-Length");
    // A settings write that found the disk full changed nothing (the store writes beside, then renames).
    case "ENOSPC":
    case "EDQUOT":
      return new ApiError(507, "insufficient_storage", "the device's storage is full; nothing was changed");
  }
  const status = typeof e?.statusCode === "number" ? e.statusCode : 500;
  if (status === 404) return new ApiError(404, "not_found", "not found");
  if (status === 401) return new ApiError(401, "unauthorized", "authorization required");
  if (status === 429) return new ApiError(429, "too_many_requests", "too many requests; try again later");
  if (status >= 400 && status < 500) {
    // Fastify's own messages describe the request; other libraries' may say anything, so not those.
    const message =
      typeof e.code === "string" && e.code.startsWith("FST_") ? e.message : "the request cannot be handled";
    return new ApiError(status, "bad_request", message);
  }
  return null;
}

const INTERNAL = new ApiError(
  500,
  "internal",
  "the device could not handle this request; details are in the device log",
);
const MAX_ECHOED_PATH = 200;

/** JSON envelopes for every error Fastify routes to a handler, and for unknown paths and methods. */
export function installErrorHandling(app: FastifyInstance, logger: Logger): void {
  const log = logger.child({ tag: "web" });
  app.setErrorHandler((err, req, reply) => {
    const mapped = toApiError(err);
    if (mapped) return sendError(reply, mapped);
    log.error(
      { err, method: req.method, url: req.url.slice(0, MAX_ECHOED_PATH) },
      "request failed unexpectedly",
    );
    return sendError(reply, INTERNAL);
  });
  app.setNotFoundHandler((req, reply) => {
    const path = (req.url.split("?", 1)[0] ?? "/").slice(0, MAX_ECHOED_PATH);
    return sendError(reply, new ApiError(404, "not_found", `no such endpoint: ${req.method} ${path}`));
  });
}

const CLIENT_ERROR_BODIES: Record<number, ErrorEnvelope> = {
  400: { error: "bad_request", message: "the request could not be parsed as HTTP/1.1" },
  408: { error: "bad_request", message: "the request took too long to arrive" },
  431: { error: "bad_request", message: "the request headers are too large" },
};

/**
 * Fastify `clientErrorHandler`: malformed HTTP (bad request line, oversize headers, too slow) gets
 * an envelope and a closed connection. https.Server routes TLS handshake failures here too; those
 * have no HTTP to answer in and are classified by the TLS diagnostics, so they are only closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const code = err.code ?? "";
  if (!code.startsWith("HPE_") && code !== "ERR_HTTP_REQUEST_TIMEOUT") {
    socket.destroy();
    return;
  }
  const status = code === "HPE_HEADER_OVERFLOW" ? 431 : code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  endAndClose(socket, rawResponse(status, CLIENT_ERROR_BODIES[status]));
}
