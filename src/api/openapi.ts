import swagger from "@fastify/swagger";
import type { FastifySchema } from "fastify";
import { MUTATING_METHODS } from "./auth.js";
import { AUTH_ERROR_RESPONSES, BODY_ERROR_RESPONSES } from "./responses.js";
import { API_SCHEMAS } from "./schemas/index.js";
import type { WebApp } from "./web-app.js";

export const OPENAPI_PATH = "/api/openapi.json";

export interface OpenApiOptions {
  /** Software version for `info.version`. */
  version: string;
  /**
   * Extra text for `info.description` (e.g. the device's hostname).
   * @default undefined (no extra text)
   */
  description?: string;
}

/**
 * Adds every `$id`'d resource schema to `app` so routes can `ref()` them. Separate from the document
 * so tests and tools can build an instance without OpenAPI.
 */
export function registerApiSchemas(app: WebApp): void {
  const known = app.getSchemas() as Record<string, unknown>;
  for (const schema of API_SCHEMAS) {
    const id = (schema as { $id: string }).$id;
    if (!(id in known)) app.addSchema(schema);
  }
}

const methodsOf = (method: string | string[]): string[] => (Array.isArray(method) ? method : [method]);

/**
 * The API description is generated (dynamic mode) from the very route schemas that validate requests
 * and serialise replies. Call before registering any route — @fastify/swagger learns routes as they are
 * added — then serve `GET /api/openapi.json`. OpenAPI 3.1, because 3.0 cannot carry JSON Schema's
 * `const`, `examples` or `type: "null"` that the TypeBox schemas use.
 */
export async function registerOpenApi(app: WebApp, opts: OpenApiOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "OWTS device API",
        version: opts.version,
        description:
          "REST API of an Open Winch Telemetry System unit (v1). All responses are JSON except 204 and 304; " +
          "errors use one envelope `{error, message, details?}`. GET and HEAD are public; while an API password " +
          "is set, PUT, PATCH, POST and DELETE need `Authorization: Bearer <password>`." +
          (opts.description ? `\n\n${opts.description}` : ""),
      },
      components: {
        securitySchemes: {
          apiPassword: {
            type: "http",
            scheme: "bearer",
            description: "The API password as a Bearer token; needed for writes only while one is set.",
          },
        },
      },
    },
    // Shared schemas keep their `$id` as the component name instead of swagger's `def-N`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === "string" ? json.$id : `def-${i}`,
    },
    transform: ({ schema, url, route }) => {
      const s: FastifySchema & Record<string, unknown> = { ...(schema ?? {}) };
      // The UI's files, the HTTP redirects and anything else outside /api are not part of the API.
      if (!url.startsWith("/api/")) return { schema: { ...s, hide: true }, url };
      // Answers the server gives on its own (auth guard, body parser) are documented once, here.
      const implied: Record<string, unknown> = {};
      if (s.body) Object.assign(implied, BODY_ERROR_RESPONSES);
      if (methodsOf(route.method).some((m) => MUTATING_METHODS.has(m))) {
        s.security = [{ apiPassword: [] }];
        Object.assign(implied, AUTH_ERROR_RESPONSES);
      }
      const declared = (s.response as Record<string, unknown> | undefined) ?? {};
      if (Object.keys(implied).length > 0) s.response = { ...implied, ...declared };
      return { schema: s, url };
    },
  });
  registerApiSchemas(app);
  app.get(
    OPENAPI_PATH,
    {
      schema: {
        summary: "This OpenAPI 3.1 document",
        tags: ["meta"],
        response: {
          200: {
            description: "The API description, generated from the schemas that validate requests.",
            type: "object",
            additionalProperties: true,
          },
        },
      },
    },
    async () => app.swagger() as unknown as Record<string, unknown>,
  );
}
