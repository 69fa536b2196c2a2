import { validate } from "@readme/openapi-parser";
import { Type } from "typebox";
import { describe, expect, it } from "vitest";
import { NOT_MODIFIED_RESPONSE } from "../../src/api/responses.js";
import { ref } from "../../src/api/schema-ref.js";
import {
  About,
  AircraftLive,
  AircraftProfile,
  AircraftProfilePatch,
  API_SCHEMAS,
  LaunchHistory,
  LogPage,
  LogQuery,
  ModeChange,
  ModeSetting,
  RadioPatch,
  RadioView,
  Status,
  WifiSettings,
  WifiUpdate,
  WinchState,
} from "../../src/api/schemas/index.js";
import type { WebApp } from "../../src/api/web-app.js";
import { buildTestApp } from "./test-app.js";

/** Every resource of SPEC §3 wired to its schema, as the device will do, with handlers that echo examples. */
function resourceRoutes(app: WebApp) {
  const example = (schema: unknown) => (schema as { examples: unknown[] }).examples[0];
  const get = (url: string, schema: object, opts: { query?: object; conditional?: boolean } = {}) =>
    app.get(
      url,
      {
        schema: {
          response: { 200: ref(schema as never), ...(opts.conditional ? NOT_MODIFIED_RESPONSE : {}) },
          ...(opts.query ? { querystring: opts.query } : {}),
        },
      },
      async () => example(schema),
    );
  const write = (method: "PUT" | "PATCH", url: string, body: object, response: object) =>
    app.route({
      method,
      url,
      schema: { body: ref(body as never), response: { 200: ref(response as never) } },
      handler: async () => example(response),
    });
  get("/api/about", About);
  get("/api/status", Status);
  get("/api/mode", ModeSetting);
  write("PUT", "/api/mode", ModeSetting, ModeChange);
  get("/api/aircraft", AircraftProfile);
  write("PUT", "/api/aircraft", AircraftProfile, AircraftProfile);
  write("PATCH", "/api/aircraft", AircraftProfilePatch, AircraftProfile);
  get("/api/aircraft/live", AircraftLive, { conditional: true });
  get("/api/winch", WinchState, { conditional: true });
  get("/api/history", LaunchHistory);
  app.delete("/api/history", { schema: { response: { 204: Type.Null() } } }, async (_r, reply) =>
    reply.code(204).send(null),
  );
  get("/api/radio", RadioView);
  write("PATCH", "/api/radio", RadioPatch, RadioView);
  get("/api/wifi", WifiSettings);
  write("PUT", "/api/wifi", WifiUpdate, WifiSettings);
  get("/api/log", LogPage, { query: LogQuery, conditional: true });
  app.get("/", async () => "<html></html>");
}

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { security?: unknown; responses: Record<string, unknown>; requestBody?: unknown }>
  >;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

describe("GET /api/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document by an independent validator, generated from the route schemas", async () => {
    const { app } = await buildTestApp({ routes: resourceRoutes });
    const res = await app.inject({ method: "GET", url: "/api/openapi.json" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    const doc = res.json() as Doc;
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(doc.openapi).toBe("3.1.0");

    // Each $id'd schema is one named component; routes point at it rather than copying it.
    for (const s of API_SCHEMAS)
      expect(Object.keys(doc.components.schemas)).toContain((s as { $id: string }).$id);
    expect(doc.paths["/api/aircraft"]?.put?.requestBody).toEqual({
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/AircraftProfile" } } },
    });
    expect(JSON.stringify(doc)).not.toMatch(/def-\d/);

    // Writes carry the Bearer requirement and the 401/429 answers; reads do not.
    expect(doc.components.securitySchemes.apiPassword).toMatchObject({ type: "http", scheme: "bearer" });
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const mutating = ["put", "patch", "post", "delete"].includes(method);
        expect(op.security, `${method} ${path}`).toEqual(mutating ? [{ apiPassword: [] }] : undefined);
        if (mutating)
          expect(Object.keys(op.responses), `${method} ${path}`).toEqual(
            expect.arrayContaining(["401", "429"]),
          );
      }
    expect(Object.keys(doc.paths)).not.toContain("/");
    expect(doc.paths["/api/winch"]?.get?.responses["304"]).toEqual({
      description: expect.stringMatching(/^Not modified/),
    });
    expect(doc.paths["/api/aircraft"]?.put?.responses).toMatchObject({
      "400": { description: expect.stringContaining("validation_failed") },
      "413": { description: expect.stringContaining("8 KiB") },
      "415": { description: expect.stringContaining("application/json") },
    });
    expect(doc.paths["/api/log"]?.get).toMatchObject({
      parameters: [expect.objectContaining({ name: "after", in: "query", required: false })],
    });
    await app.close();
  });

  it("the routes validate with the same schemas the document shows", async () => {
    const { app } = await buildTestApp({ routes: resourceRoutes });
    const good = {
      registration: "D-1234",
      type: "ASK 21",
      unit: "kmh",
      v_min: 90,
      v_opt: 105,
      v_max: 130,
      v_en: 50,
    };
    expect((await app.inject({ method: "PUT", url: "/api/aircraft", payload: good })).statusCode).toBe(200);
    const bad = await app.inject({
      method: "PUT",
      url: "/api/aircraft",
      payload: { ...good, registration: "d-1", v_min: "90", x: 1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(["/registration", "/v_min", "/x"]); // the device's envelope names the unknown key
    expect((await app.inject({ method: "PATCH", url: "/api/aircraft", payload: {} })).statusCode).toBe(400);
    expect((await app.inject({ method: "GET", url: "/api/winch" })).json()).toEqual(
      (WinchState as { examples?: unknown[] }).examples?.[0],
    );
    await app.close();
  });

  it("never contains the API password", async () => {
    const { app } = await buildTestApp({ routes: resourceRoutes });
    const secret = "Zq7-secret-Zq7";
    await app.inject({ method: "PUT", url: "/api/security", payload: { password: secret } });
    const doc = await app.inject({ method: "GET", url: "/api/openapi.json" });
    expect(doc.statusCode).toBe(200);
    expect(doc.body).not.toContain(secret);
    await app.close();
  });
});
