import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { ApiAuth } from "../../src/api/auth.js";
import { hashPassword } from "../../src/api/password-hash.js";
import type { WebApp } from "../../src/api/web-app.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { buildTestApp, MemoryPasswordStore } from "./test-app.js";

const PASSWORD = "first-pass!";
const NEW_PASSWORD = "second-pass?";
const FAST = { N: 1024, r: 8, p: 1 };

type Method = "PUT" | "PATCH" | "POST" | "DELETE";
const MUTATING: Method[] = ["PUT", "PATCH", "POST", "DELETE"];

/** A stand-in resource per mutating method that counts how often its handler ran. */
function counterRoutes(hits: Record<string, number>) {
  return (app: WebApp) => {
    for (const method of MUTATING)
      app.route({
        method,
        url: "/api/thing",
        handler: async (_req, reply) => {
          hits[method] = (hits[method] ?? 0) + 1;
          return reply.code(204).send();
        },
      });
    app.get("/api/thing", async () => ({ ok: true }));
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const HEADER_CASES = (current: string, old: string | null) =>
  ({
    none: {},
    wrong: bearer("not-the-password"),
    malformed_basic: { authorization: `Basic ${Buffer.from(`admin:${current}`).toString("base64")}` },
    malformed_empty: { authorization: "Bearer " },
    malformed_bare: { authorization: current },
    malformed_two_tokens: { authorization: `Bearer ${current} ${current}` },
    ...(old ? { old: bearer(old) } : {}),
    correct: bearer(current),
    correct_lowercase_scheme: { authorization: `bearer ${current}` },
  }) as Record<string, Record<string, string>>;

function expectUnauthorized(res: LightMyRequestResponse, label: string) {
  expect(res.statusCode, label).toBe(401);
  expect(res.headers["www-authenticate"], label).toMatch(/^Bearer realm="owts"/);
  expect(res.headers["content-type"], label).toBe("application/json; charset=utf-8");
  expect(res.json(), label).toMatchObject({ error: "unauthorized" });
}

async function setPassword(app: WebApp, password: string | null, current?: string) {
  return app.inject({
    method: "PUT",
    url: "/api/security",
    headers: current ? bearer(current) : {},
    payload: { password },
  });
}

describe("API auth without a password", () => {
  it("lets every write through whatever the Authorization header says", async () => {
    const hits: Record<string, number> = {};
    const { app } = await buildTestApp({ routes: counterRoutes(hits) });
    expect((await app.inject({ method: "GET", url: "/api/security" })).json()).toEqual({
      password_set: false,
    });
    for (const method of MUTATING)
      for (const [label, headers] of Object.entries(HEADER_CASES(PASSWORD, null))) {
        const res = await app.inject({ method, url: "/api/thing", headers });
        expect(res.statusCode, `${method} ${label}`).toBe(204);
      }
    for (const method of MUTATING)
      expect(hits[method]).toBe(Object.keys(HEADER_CASES(PASSWORD, null)).length);
    const check = await app.inject({ method: "POST", url: "/api/security/check" });
    expect(check.statusCode).toBe(204);
    expect(check.body).toBe("");
    await app.close();
  });
});

describe("API auth with a password", () => {
  it("matrix: every mutating route × {none, wrong, malformed, old, correct}; only the correct one reaches the handler", async () => {
    const hits: Record<string, number> = {};
    const { app } = await buildTestApp({ routes: counterRoutes(hits), backoff: { freeFailures: 10_000 } });
    expect((await setPassword(app, PASSWORD)).json()).toEqual({ password_set: true });
    expect((await setPassword(app, NEW_PASSWORD, PASSWORD)).json()).toEqual({ password_set: true });

    const cases = HEADER_CASES(NEW_PASSWORD, PASSWORD);
    const routes: { method: Method; url: string; payload?: unknown; ok: number }[] = [
      ...MUTATING.map((method) => ({ method, url: "/api/thing", ok: 204 })),
      { method: "POST", url: "/api/security/check", ok: 204 },
      // Re-setting the same password keeps the matrix stable while exercising the real PUT.
      { method: "PUT", url: "/api/security", payload: { password: NEW_PASSWORD }, ok: 200 },
    ];
    for (const route of routes)
      for (const [label, headers] of Object.entries(cases)) {
        const before = { ...hits };
        const res = await app.inject({
          method: route.method,
          url: route.url,
          headers,
          payload: route.payload as object,
        });
        const name = `${route.method} ${route.url} ${label}`;
        if (label.startsWith("correct")) expect(res.statusCode, name).toBe(route.ok);
        else {
          expectUnauthorized(res, name);
          expect(hits, `${name} must not reach the handler`).toEqual(before);
        }
        if (label === "wrong" || label === "old")
          expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
        if (label.startsWith("malformed"))
          expect(res.headers["www-authenticate"]).toContain('error="invalid_request"');
      }
    for (const method of MUTATING) expect(hits[method], method).toBe(2);
    await app.close();
  });

  it("keeps GET and HEAD public", async () => {
    const { app } = await buildTestApp({ routes: counterRoutes({}) });
    await setPassword(app, PASSWORD);
    expect((await app.inject({ method: "GET", url: "/api/thing" })).statusCode).toBe(200);
    expect((await app.inject({ method: "HEAD", url: "/api/thing" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/api/security" })).json()).toEqual({
      password_set: true,
    });
    await app.close();
  });

  it("asks for the password before looking at the body", async () => {
    const { app, store } = await buildTestApp();
    await setPassword(app, PASSWORD);
    const saved = [...(store as MemoryPasswordStore).saved];
    const res = await app.inject({
      method: "PUT",
      url: "/api/security",
      payload: { password: 5, extra: true },
    });
    expectUnauthorized(res, "invalid body without password");
    expect((store as MemoryPasswordStore).saved).toEqual(saved);
    await app.close();
  });

  it("guards writes to unknown /api paths and percent-encoded spellings of /api", async () => {
    const hits: Record<string, number> = {};
    const { app } = await buildTestApp({ routes: counterRoutes(hits) });
    await setPassword(app, PASSWORD);
    expectUnauthorized(await app.inject({ method: "POST", url: "/api/nothing-here" }), "unknown path");
    // The router decodes "%61" to "a", so this reaches the /api/thing handler unless the guard stops it.
    expectUnauthorized(await app.inject({ method: "PUT", url: "/%61pi/thing" }), "percent-encoded");
    expectUnauthorized(await app.inject({ method: "DELETE", url: "/api/thing?x=1" }), "query string");
    expect(hits).toEqual({});
    expect(
      (await app.inject({ method: "PUT", url: "/%61pi/thing", headers: bearer(PASSWORD) })).statusCode,
    ).toBe(204);
    // Outside /api nothing is guarded (the UI's files and redirects are not writes to the device).
    expect((await app.inject({ method: "POST", url: "/elsewhere" })).statusCode).toBe(404);
    await app.close();
  });

  it("setting, changing and clearing need the current password; old passwords stop working", async () => {
    const { app } = await buildTestApp();
    expect((await setPassword(app, PASSWORD)).statusCode).toBe(200);
    expectUnauthorized(await setPassword(app, NEW_PASSWORD), "change without current");
    expectUnauthorized(await setPassword(app, NEW_PASSWORD, "wrong-one!"), "change with wrong");
    expect((await setPassword(app, NEW_PASSWORD, PASSWORD)).statusCode).toBe(200);
    expectUnauthorized(
      await app.inject({ method: "POST", url: "/api/security/check", headers: bearer(PASSWORD) }),
      "old",
    );
    expect(
      (await app.inject({ method: "POST", url: "/api/security/check", headers: bearer(NEW_PASSWORD) }))
        .statusCode,
    ).toBe(204);
    expectUnauthorized(await setPassword(app, null), "clear without current");
    const cleared = await setPassword(app, null, NEW_PASSWORD);
    expect(cleared.json()).toEqual({ password_set: false });
    expect((await app.inject({ method: "POST", url: "/api/security/check" })).statusCode).toBe(204);
    await app.close();
  });

  it("a rejected password body changes nothing and does not echo the password", async () => {
    const { app, store } = await buildTestApp();
    await setPassword(app, PASSWORD);
    const before = [...(store as MemoryPasswordStore).saved];
    for (const bad of ["short!", "has a space in it", "ü".repeat(10), "x".repeat(65)]) {
      const res = await setPassword(app, bad, PASSWORD);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error).toBe("validation_failed");
      expect(res.body).not.toContain(bad);
    }
    expect((await setPassword(app, undefined as unknown as null, PASSWORD)).statusCode).toBe(400);
    expect((store as MemoryPasswordStore).saved).toEqual(before);
    expect(
      (await app.inject({ method: "POST", url: "/api/security/check", headers: bearer(PASSWORD) }))
        .statusCode,
    ).toBe(204);
    await app.close();
  });

  it("a failed save keeps the old password in force", async () => {
    const store = new MemoryPasswordStore();
    const { app } = await buildTestApp({ store });
    await setPassword(app, PASSWORD);
    store.failNextSave = true;
    expect((await setPassword(app, NEW_PASSWORD, PASSWORD)).statusCode).toBe(500);
    expect(
      (await app.inject({ method: "POST", url: "/api/security/check", headers: bearer(PASSWORD) }))
        .statusCode,
    ).toBe(204);
    expectUnauthorized(
      await app.inject({ method: "POST", url: "/api/security/check", headers: bearer(NEW_PASSWORD) }),
      "new",
    );
    await app.close();
  });

  it("loads a stored hash at start and refuses to start on a damaged one", async () => {
    const { logger } = createDeviceLogger({ destination: null });
    const stored = await hashPassword(PASSWORD, FAST);
    const { app } = await buildTestApp({ store: new MemoryPasswordStore(stored) });
    expect(
      (await app.inject({ method: "POST", url: "/api/security/check", headers: bearer(PASSWORD) }))
        .statusCode,
    ).toBe(204);
    await app.close();
    const damaged = { ...stored, N: 3 } as typeof stored;
    expect(() => new ApiAuth({ store: new MemoryPasswordStore(damaged), logger })).toThrow(/damaged/);
  });

  it("stores only a salted scrypt hash and never lets the password out in a response or a log line", async () => {
    const store = new MemoryPasswordStore();
    const { app, logText } = await buildTestApp({ store, backoff: { freeFailures: 2 } });
    const seen: string[] = [];
    const record = (res: LightMyRequestResponse) => {
      seen.push(res.body, JSON.stringify(res.headers));
      return res;
    };
    record(await setPassword(app, PASSWORD));
    record(await setPassword(app, NEW_PASSWORD, PASSWORD));
    record(await app.inject({ method: "POST", url: "/api/security/check", headers: bearer(NEW_PASSWORD) }));
    for (let i = 0; i < 3; i++)
      record(await app.inject({ method: "POST", url: "/api/security/check", headers: bearer(PASSWORD) }));
    record(await app.inject({ method: "GET", url: "/api/security" }));
    record(await app.inject({ method: "GET", url: "/api/openapi.json" }));
    const saved = store.saved.join("\n");
    expect(saved).toContain('"alg":"scrypt"');
    const logs = logText();
    expect(logs).toContain("API password changed");
    expect(logs).toContain("wrong or malformed API password from 127.0.0.1");
    for (const secret of [PASSWORD, NEW_PASSWORD])
      for (const form of [
        secret,
        Buffer.from(secret).toString("base64"),
        Buffer.from(secret).toString("hex"),
      ]) {
        expect(saved).not.toContain(form);
        expect(logs).not.toContain(form);
        for (const s of seen) expect(s).not.toContain(form);
      }
    await app.close();
  });
});

describe("backoff over HTTP", () => {
  it("answers 429 with Retry-After after 5 wrong passwords, even to the right one, per client", async () => {
    let now = 0;
    const wall = Date.parse("2025-05-01T10:00:00Z");
    const { app } = await buildTestApp({ backoff: { now: () => now }, wallClock: () => wall });
    await setPassword(app, PASSWORD);
    const check = (token: string, remoteAddress = "192.0.2.7") =>
      app.inject({ method: "POST", url: "/api/security/check", headers: bearer(token), remoteAddress });

    for (let i = 0; i < 5; i++) expect((await check("guess-guess")).statusCode).toBe(401);
    for (const token of ["guess-guess", PASSWORD]) {
      const res = await check(token);
      expect(res.statusCode).toBe(429);
      expect(res.headers["retry-after"]).toBe("1");
      expect(res.json()).toEqual({
        error: "too_many_requests",
        message: "Too many wrong passwords from this client. Try again in 1 s (at 2025-05-01T10:00:01Z).",
      });
    }
    // Any write from the blocked client waits, not only password checks; other clients are unaffected.
    expect(
      (await app.inject({ method: "PUT", url: "/api/security", remoteAddress: "192.0.2.7", payload: {} }))
        .statusCode,
    ).toBe(429);
    expect((await check(PASSWORD, "192.0.2.8")).statusCode).toBe(204);
    // The same client over IPv4-mapped IPv6 is the same client.
    expect((await check(PASSWORD, "::ffff:192.0.2.7")).statusCode).toBe(429);

    now += 1_000;
    expect((await check("guess-guess")).statusCode).toBe(401);
    const second = await check(PASSWORD);
    expect(second.statusCode).toBe(429);
    expect(second.headers["retry-after"]).toBe("2");

    now += 2_000;
    expect((await check(PASSWORD)).statusCode).toBe(204);
    // Success wiped the record: four more misses are free again.
    for (let i = 0; i < 4; i++) expect((await check("guess-guess")).statusCode).toBe(401);
    expect((await check(PASSWORD)).statusCode).toBe(204);
    await app.close();
  });

  it("guesses fired all at once still get only the free attempts", async () => {
    const { app } = await buildTestApp();
    await setPassword(app, PASSWORD);
    const burst = await Promise.all(
      Array.from({ length: 20 }, () =>
        app.inject({ method: "POST", url: "/api/security/check", headers: bearer("guess-guess") }),
      ),
    );
    const codes = burst.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(15);
    await app.close();
  });

  it("missing headers are not guesses and do not count", async () => {
    const { app } = await buildTestApp({ backoff: { freeFailures: 2 } });
    await setPassword(app, PASSWORD);
    for (let i = 0; i < 5; i++)
      expectUnauthorized(await app.inject({ method: "POST", url: "/api/security/check" }), "none");
    expect(
      (await app.inject({ method: "POST", url: "/api/security/check", headers: bearer(PASSWORD) }))
        .statusCode,
    ).toBe(204);
    await app.close();
  });
});
