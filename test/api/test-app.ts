import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { ApiAuth, type ApiAuthOptions, type PasswordStore, type StoredHash } from "../../src/api/auth.js";
import { registerApi } from "../../src/api/device-api.js";
import type { WebApp } from "../../src/api/web-app.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { installErrorHandling } from "../../src/web/error-handling.js";

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
 * strict JSON bodies (no type coercion), the device's error envelopes, and the API registered the one
 * way the device registers it (`registerApi`: OpenAPI, auth guard, `/api/security`). `routes` adds test
 * fixtures on the root app (absolute paths).
 */
export async function buildTestApp(
  opts: Partial<ApiAuthOptions> & { store?: PasswordStore; routes?: (app: WebApp) => void } = {},
): Promise<{ app: WebApp; auth: ApiAuth; store: PasswordStore; logText: () => string }> {
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
  const app: WebApp = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    ajv: { customOptions: { coerceTypes: false, allErrors: true, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandling(app, logger);
  await registerApi(app, { version: "0.0.0-test", auth });
  opts.routes?.(app);
  await app.ready();
  return { app, auth, store, logText: () => lines.join("") };
}
