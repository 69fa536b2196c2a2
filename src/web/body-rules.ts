import AjvCompiler from "@fastify/ajv-compiler";
import type { FastifyInstance, FastifyServerOptions } from "fastify";

/** The device's TLS input buffer: a request body never exceeds it (SPEC §2). */
export const BODY_LIMIT = 8192;

type BuildValidator = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>["buildValidator"];
type AjvCustomOptions = NonNullable<NonNullable<FastifyServerOptions["ajv"]>["customOptions"]>;
interface RouteDefinition {
  schema: unknown;
  method: string;
  url: string;
  httpPart: string;
}
type RouteCompiler = (route: RouteDefinition) => unknown;
type CompilerFromPool = (externalSchemas: unknown, options: unknown) => RouteCompiler;

/**
 * JSON bodies are taken as sent: no type coercion (Fastify's default turns `null` into `""` or `0`
 * and `"12"` into 12, so `{"password": null}` would match a string branch), and unknown fields are
 * reported rather than silently dropped. Every problem is reported, not just the first — a body is
 * at most 8 KiB, which bounds the cost of `allErrors`.
 */
const BODY_AJV: AjvCustomOptions = { allErrors: true, coerceTypes: false, removeAdditional: false };
/** Query strings and path parameters are text on the wire, so they are coerced to the schema's types. */
const TEXT_AJV: AjvCustomOptions = { allErrors: true, coerceTypes: "array", removeAdditional: false };

/** Fastify validator factory: strict ajv for bodies, coercing ajv for everything that arrives as text. */
export function bodyStrictValidatorFactory(): BuildValidator {
  const pool = AjvCompiler() as unknown as CompilerFromPool;
  const factory = (externalSchemas: unknown, options?: { customOptions?: AjvCustomOptions }) => {
    const custom = options?.customOptions ?? {};
    const body = pool(externalSchemas, { ...options, customOptions: { ...custom, ...BODY_AJV } });
    const text = pool(externalSchemas, { ...options, customOptions: { ...custom, ...TEXT_AJV } });
    return (route: RouteDefinition) => (route.httpPart === "body" ? body(route) : text(route));
  };
  return factory as unknown as BuildValidator;
}

/**
 * Only `application/json` bodies are parsed; Fastify's default parser (with prototype-poisoning
 * protection) stays, the plain-text one goes, so any other type is a 415.
 */
export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  app.removeContentTypeParser("text/plain");
}
