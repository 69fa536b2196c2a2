import type { FastifyInstance } from "fastify";

/**
 * Any Fastify instance, whatever its server (HTTPS on the device, plain HTTP in tests), logger or type
 * provider, so the API parts plug into the device's server without casts. Fastify's instance generics
 * are invariant, so nothing narrower than `any` accepts both a pino-logged HTTPS server and a test one.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; the API parts use none of these generics
export type AnyFastifyInstance = FastifyInstance<any, any, any, any, any>;
