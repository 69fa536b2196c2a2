import { Ajv2020 } from "ajv/dist/2020.js";
import type { Route } from "playwright-core";
import { expect } from "vitest";
import { call } from "./harness.js";

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>
  >;
}

/** JSON Pointer escaping of one reference token (RFC 6901). */
const token = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/**
 * What a mocked API answer in a UI test may be: a body the device could send. The schemas come from the
 * OpenAPI document the running device serves (OpenAPI 3.1 = JSON Schema 2020-12), so a mock that drifts
 * from the device — a renamed field, a new required one, a wrong enum value — fails the test that uses it.
 */
export interface ApiContract {
  /** Throws (a test failure) when `body` is not a valid `status` answer of `method path`. */
  check(method: string, path: string, status: number, body: unknown): void;
  /** `route.fulfill` with a JSON body that was checked first. */
  fulfill(
    route: Route,
    path: string,
    body: unknown,
    opts?: { status?: number; headers?: Record<string, string> },
  ): Promise<void>;
}

export async function apiContract(base: string): Promise<ApiContract> {
  const answer = await call(base, "GET", "/api/openapi.json");
  expect(answer.status, "GET /api/openapi.json").toBe(200);
  const doc = answer.json as OpenApiDocument;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(doc as object, "openapi");
  const check: ApiContract["check"] = (method, path, status, body) => {
    const op = doc.paths[path]?.[method.toLowerCase()];
    if (!op) throw new Error(`the device documents no ${method} ${path}`);
    const response = op.responses?.[String(status)];
    const content = response?.content?.["application/json"];
    if (!content) throw new Error(`the device documents no JSON ${status} answer to ${method} ${path}`);
    const pointer = `openapi#/paths/${token(path)}/${method.toLowerCase()}/responses/${status}/content/${token("application/json")}/schema`;
    const validate = ajv.getSchema(pointer);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    if (!validate(body))
      throw new Error(
        `mocked ${method} ${path} ${status} is not what the device sends: ${ajv.errorsText(validate.errors)}`,
      );
  };
  return {
    check,
    fulfill: async (route, path, body, opts = {}) => {
      const status = opts.status ?? 200;
      check(route.request().method(), path, status, body);
      await route.fulfill({
        status,
        headers: { "cache-control": "no-cache", ...opts.headers },
        contentType: "application/json; charset=utf-8",
        body: JSON.stringify(body),
      });
    },
  };
}
