import type { FastifyReply } from "fastify";
import { type Static, Type } from "typebox";
import type { FieldProblem } from "./problems.js";

/** Every error token the API may answer with (SPEC §3). */
export const ERROR_TOKENS = [
  "bad_request",
  "validation_failed",
  "unauthorized",
  "not_found",
  "aircraft_mode_only",
  "winch_mode_only",
  "payload_too_large",
  "unsupported_media_type",
  "too_many_requests",
  "insufficient_storage",
  "internal",
] as const;
export type ErrorToken = (typeof ERROR_TOKENS)[number];

export const ErrorDetail = Type.Object(
  {
    field: Type.String({ description: "JSON pointer-like path of the offending field, e.g. /v_min" }),
    message: Type.String(),
  },
  { $id: "ErrorDetail" },
);

/** The one error envelope every non-2xx JSON response uses. */
export const ErrorEnvelope = Type.Object(
  {
    error: Type.Enum(ERROR_TOKENS),
    message: Type.String(),
    details: Type.Optional(Type.Array(ErrorDetail)),
  },
  { $id: "ErrorEnvelope" },
);
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;

/** Throw from a handler or hook; the error handler turns it into the envelope. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly token: ErrorToken,
    message: string,
    readonly details?: FieldProblem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  toJSON(): ErrorEnvelope {
    return this.details
      ? { error: this.token, message: this.message, details: this.details }
      : { error: this.token, message: this.message };
  }
}

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.statusCode).type("application/json; charset=utf-8").send(err.toJSON());
}
