import { Type } from "typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/core/api-error.js";
import type { ApiPlugin } from "../../src/web/https-server.js";
import { fetchTls, type RunningApp, runTool, startApp } from "./harness.js";

const calls = { profile: 0, raw: 0 };
let lastProfile: unknown;

const Profile = Type.Object(
  {
    registration: Type.String({ pattern: "^[A-Z0-9-]+$", maxLength: 10 }),
    unit: Type.Union([Type.Literal("kmh"), Type.Literal("kt"), Type.Literal("mph")]),
    v_min: Type.Integer({ minimum: 1 }),
    v_max: Type.Integer({ minimum: 1 }),
    password: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);

const testApi: ApiPlugin = async (api) => {
  api.put("/test/profile", { schema: { body: Profile } }, async (req, reply) => {
    calls.profile++;
    lastProfile = req.body;
    return reply.code(204).send();
  });
  api.post("/test/raw", async (req) => {
    calls.raw++;
    return { got: typeof req.body };
  });
  api.get(
    "/test/items",
    { schema: { querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })) }) } },
    async (req) => ({ after: req.query.after ?? null }),
  );
  api.get("/test/boom", async () => {
    throw new Error("secret detail: /etc/owts/owts.key is unreadable");
  });
  api.get("/test/slow-down", async () => {
    throw new ApiError(429, "too_many_requests", "wait a bit", undefined, { "Retry-After": "7" });
  });
};

let app: RunningApp;
beforeAll(async () => {
  app = await startApp({ configure: (h) => void h.app.register(testApi, { prefix: "/api" }) });
});
afterAll(async () => {
  await app.close();
});

const JSON_TYPE = "application/json; charset=utf-8";
const get = (path: string, method = "GET") => fetchTls(app.port, app.tls.cert, path, { method });
const send = (
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = { "content-type": "application/json" },
  method = "PUT",
) => fetchTls(app.port, app.tls.cert, path, { method, headers, body });

const GOOD = { registration: "D-1234", unit: "kmh", v_min: 90, v_max: 130 };

describe("unknown API paths and methods", () => {
  it("answers a JSON 404 envelope, never the app's HTML", async () => {
    for (const path of ["/api/nope", "/api", "/api/", "/api?x=1", "/api/about/extra", "/api/test/profile/"]) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.headers["content-type"], path).toBe(JSON_TYPE);
      expect(r.json(), path).toMatchObject({ error: "not_found" });
      expect(r.text, path).not.toContain("<html");
    }
  });

  it("answers JSON 404 to a method the path does not have", async () => {
    for (const method of ["DELETE", "PATCH", "POST", "GET"]) {
      const r = await get("/api/test/profile", method);
      expect(r.status, method).toBe(404);
      expect(r.json(), method).toEqual({
        error: "not_found",
        message: `no such endpoint: ${method} /api/test/profile`,
      });
    }
  });

  it("gives curl the same JSON 404", async () => {
    const r = await runTool("curl", [
      "-sS",
      "--cacert",
      app.tls.certPath,
      "--resolve",
      `localhost:${app.port}:127.0.0.1`,
      "-w",
      "\\n%{http_code}",
      `https://localhost:${app.port}/api/nope`,
    ]);
    const [body, status] = r.stdout.split("\n");
    expect(status).toBe("404");
    expect(JSON.parse(body!)).toEqual({ error: "not_found", message: "no such endpoint: GET /api/nope" });
  });
});

describe("request bodies", () => {
  it("accepts a valid JSON body as sent (null stays null)", async () => {
    const before = calls.profile;
    const r = await send("/api/test/profile", JSON.stringify({ ...GOOD, password: null }));
    expect(r.status).toBe(204);
    expect(calls.profile).toBe(before + 1);
    expect(lastProfile).toEqual({ ...GOOD, password: null });
  });

  it("413 payload_too_large for a body over 8 KiB, with or without Content-Length; 8 KiB exactly is fine", async () => {
    const before = calls.raw;
    const exact = JSON.stringify({ pad: "x".repeat(8192 - 10) });
    expect(exact.length).toBe(8192);
    expect((await send("/api/test/raw", exact, undefined, "POST")).status).toBe(200);
    const over = JSON.stringify({ pad: "x".repeat(8192 - 9) });
    const r = await send("/api/test/raw", over, undefined, "POST");
    expect(r.status).toBe(413);
    expect(r.headers["content-type"]).toBe(JSON_TYPE);
    expect(r.json()).toEqual({
      error: "payload_too_large",
      message: "request bodies are limited to 8192 bytes",
    });
    const chunked = await runTool(
      "curl",
      [
        "-sS",
        "--cacert",
        app.tls.certPath,
        "--resolve",
        `localhost:${app.port}:127.0.0.1`,
        "-H",
        "Content-Type: application/json",
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        "@-",
        "-w",
        "\\n%{http_code}",
        `https://localhost:${app.port}/api/test/raw`,
      ],
      JSON.stringify({ pad: "y".repeat(20_000) }),
    );
    expect(chunked.stdout.split("\n").at(-1)).toBe("413");
    expect(calls.raw).toBe(before + 1);
  });

  it("415 unsupported_media_type for anything but application/json", async () => {
    const before = calls.raw;
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json-patch+json",
      "multipart/form-data; boundary=x",
      "application/jsonx",
    ]) {
      const r = await send("/api/test/raw", '{"a":1}', { "content-type": type }, "POST");
      expect(r.status, type).toBe(415);
      expect(r.json(), type).toEqual({
        error: "unsupported_media_type",
        message: "request bodies must be sent as application/json",
      });
    }
    const untyped = await send("/api/test/raw", '{"a":1}', {}, "POST");
    expect(untyped.status).toBe(415);
    expect(calls.raw).toBe(before);
  });

  it("400 bad_request for invalid, empty or prototype-poisoning JSON", async () => {
    const before = calls.raw;
    for (const body of [
      '{"a":',
      "nope",
      '{"__proto__": {"admin": true}}',
      '{"constructor": {"prototype": {"x": 1}}}',
    ]) {
      const r = await send("/api/test/raw", body, undefined, "POST");
      expect(r.status, body).toBe(400);
      expect(r.json(), body).toEqual({ error: "bad_request", message: "the request body is not valid JSON" });
    }
    const empty = await send("/api/test/raw", "", undefined, "POST");
    expect(empty.status).toBe(400);
    expect(empty.json()).toMatchObject({ error: "bad_request" });
    expect(calls.raw).toBe(before);
  });

  it("400 validation_failed with one detail per problem, each naming its field", async () => {
    const before = calls.profile;
    const r = await send(
      "/api/test/profile",
      JSON.stringify({ registration: "d 1234", unit: "furlong", v_min: 0, extra: true, password: 5 }),
    );
    expect(r.status).toBe(400);
    expect(r.headers["content-type"]).toBe(JSON_TYPE);
    const body = r.json<{ error: string; message: string; details: { field: string; message: string }[] }>();
    expect(body.error).toBe("validation_failed");
    expect(body.message).toBe("the request body is not valid");
    expect(body.details).toEqual(
      expect.arrayContaining([
        { field: "/v_max", message: "is required" },
        { field: "/extra", message: "is not a known field" },
        { field: "/registration", message: 'must match pattern "^[A-Z0-9-]+$"' },
        { field: "/unit", message: 'must be one of "kmh", "kt" or "mph"' },
        { field: "/v_min", message: "must be >= 1" },
        { field: "/password", message: "must be string or null" },
      ]),
    );
    expect(body.details).toHaveLength(6);
    expect(calls.profile).toBe(before);
  });

  it("does not coerce body types: a number sent as a string is a validation error", async () => {
    const r = await send("/api/test/profile", JSON.stringify({ ...GOOD, v_min: "90" }));
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ details: [{ field: "/v_min", message: "must be integer" }] });
    const notObject = await send("/api/test/profile", "[1,2]");
    expect(notObject.json()).toMatchObject({
      error: "validation_failed",
      details: [{ field: "", message: "must be object" }],
    });
  });

  it("coerces query parameters (text on the wire) and reports bad ones by name", async () => {
    expect((await get("/api/test/items?after=5")).json()).toEqual({ after: 5 });
    const bad = await get("/api/test/items?after=abc");
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({
      error: "validation_failed",
      message: "the query string is not valid",
      details: [{ field: "/after", message: "must be integer" }],
    });
  });
});

describe("unexpected failures", () => {
  it("500 internal with a generic message; the detail goes to the log only", async () => {
    const r = await get("/api/test/boom");
    expect(r.status).toBe(500);
    expect(r.headers["content-type"]).toBe(JSON_TYPE);
    expect(r.json()).toEqual({
      error: "internal",
      message: "the device could not handle this request; details are in the device log",
    });
    expect(r.text).not.toMatch(/secret|owts\.key|at .*\.ts/);
    const logged = app.ring.after(0).lines.find((l) => l.level === "error");
    expect(logged?.msg).toBe("request failed unexpectedly");
  });

  it("passes an ApiError's status, token and headers through", async () => {
    const r = await get("/api/test/slow-down");
    expect(r.status).toBe(429);
    expect(r.headers["retry-after"]).toBe("7");
    expect(r.json()).toEqual({ error: "too_many_requests", message: "wait a bit" });
  });

  it("keeps serving after all of the above", async () => {
    expect((await get("/api/test/items")).json()).toEqual({ after: null });
    expect((await get("/")).status).toBe(200);
  });
});
