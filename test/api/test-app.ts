import Fastify, { type FastifyError } from "fastify";
import {
  ApiAuth,
  type ApiAuthOptions,
  type PasswordStore,
  registerApiAuth,
  type StoredHash,
} from "../../src/api/auth.js";
import type { AnyFastifyInstance } from "../../src/api/fastify-instance.js";
import { registerOpenApi } from "../../src/api/openapi.js";
import { registerSecurityRoutes } from "../../src/api/routes/security.js";
import { ApiError, sendError } from "../../src/core/api-error.js";
import { createDeviceLogger } from "../../src/device/logger.js";

/** An in-memory PasswordStore that records what was saved, as JSON text (what a file would hold). */
export class MemoryPasswordStore implements PasswordStore {
  saved: string[] = [];
  failNextSave = false;
  constructor(public current: StoredHash | null = null) {}
  load(): StoredHash | null {
    return this.current;
  }
  async save(hash: StoredHash | null): Promise<void> {
    if (this.failNextSave) {
      this.failNextSave = false;
      throw new Error("disk full");
    }
    this.saved.push(JSON.stringify(hash));
    this.current = hash;
  }
}

/**
 * A bare Fastify instance with this capability's parts, standing in for the device's HTTPS server:
 * strict JSON bodies (no type coercion) and an error handler that speaks the envelope.
 */
export async function buildTestApp(
  opts: Partial<ApiAuthOptions> & { store?: PasswordStore; routes?: (app: AnyFastifyInstance) => void } = {},
): Promise<{ app: AnyFastifyInstance; auth: ApiAuth; store: PasswordStore; logText: () => string }> {
  const lines: string[] = [];
  const destination = {
    write(chunk: string) {
      lines.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const { logger } = createDeviceLogger({ destination, level: "trace" });
  const store = opts.store ?? new MemoryPasswordStore();
  const { routes: _routes, ...authOpts } = opts;
  const auth = new ApiAuth({ scrypt: { N: 1024, r: 8, p: 1 }, ...authOpts, store, logger });
  const app: AnyFastifyInstance = Fastify({
    loggerInstance: logger,
    ajv: { customOptions: { coerceTypes: false, allErrors: true, removeAdditional: false } },
  });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    if (err.validation)
      return sendError(
        reply,
        new ApiError(
          400,
          "validation_failed",
          "The request does not match the schema.",
          err.validation.map((v) => ({ field: v.instancePath || "/", message: v.message ?? "invalid" })),
        ),
      );
    return sendError(reply, new ApiError(err.statusCode ?? 500, "internal", "internal error"));
  });
  await registerOpenApi(app, { version: "0.0.0-test" });
  registerApiAuth(app, auth);
  registerSecurityRoutes(app, auth);
  opts.routes?.(app);
  await app.ready();
  return { app, auth, store, logText: () => lines.join("") };
}
