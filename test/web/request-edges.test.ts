import tls from "node:tls";
import { gzipSync } from "node:zlib";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isApiPath } from "../../src/web/https-server.js";
import { duplicateJsonKey } from "../../src/web/json-body.js";
import { fetchTls, type RunningApp, startApp } from "./harness.js";

const seen: unknown[] = [];
const testApi: FastifyPluginAsyncTypebox = async (api) => {
  api.get("/about", async () => ({ ok: true }));
  api.put(
    "/thing",
    { schema: { body: Type.Object({ password: Type.Union([Type.String(), Type.Null()]) }) } },
    async (req) => {
      seen.push(req.body);
      return { stored: req.body };
    },
  );
};

let app: RunningApp;
beforeAll(async () => {
  app = await startApp({ configure: (h) => void h.app.register(testApi, { prefix: "/api" }) });
});
afterAll(async () => {
  await app.close();
});

/** One raw HTTP/1.1 request over TLS, exactly as written; resolves with the status line and body. */
function raw(request: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect(
      { port: app.port, host: "127.0.0.1", servername: "localhost", ca: app.tls.cert },
      () => s.end(request),
    );
    let text = "";
    s.on("data", (d: Buffer) => {
      text += d.toString();
    });
    s.on("end", () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    s.on("error", reject);
  });
}

describe("paths that mean the API however they are spelled", () => {
  it.each([
    "//api/about",
    "/api%2fabout",
    "/api%2Fabout",
    "/%61pi/about",
    "///api",
    "/API/about",
    "/api\\about",
  ])("%s → the API (or its JSON 404), never the app's HTML", async (path) => {
    expect(isApiPath(path)).toBe(true);
    const r = await fetchTls(app.port, app.tls.cert, path);
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    // The router decodes unreserved escapes (%61 is "a"): that is the API itself answering.
    if (r.status === 200) expect(r.json()).toEqual({ ok: true });
    else expect([r.status, r.json()]).toMatchObject([404, { error: "not_found" }]);
  });

  it("the app's own paths still get the app", async () => {
    for (const path of ["/", "/config/radio", "/apiary", "/about"]) expect(isApiPath(path)).toBe(false);
    expect((await fetchTls(app.port, app.tls.cert, "/api/about")).status).toBe(200);
  });
});

describe("request edges", () => {
  it("two Host headers → 400 (RFC 9112 §3.2), one → 200", async () => {
    const two = await raw(
      "GET /api/about HTTP/1.1\r\nHost: a.local\r\nHost: b.local\r\nConnection: close\r\n\r\n",
    );
    expect(two.status).toBe(400);
    expect(two.text).toContain('"error":"bad_request"');
    expect(two.text).toContain("more than one Host header");
    const one = await raw("GET /api/about HTTP/1.1\r\nHost: a.local\r\nConnection: close\r\n\r\n");
    expect(one.status).toBe(200);
  });

  it("a gzip-encoded JSON body → 415, and nothing reaches the handler", async () => {
    seen.length = 0;
    const body = gzipSync(JSON.stringify({ password: "x" }));
    const r = await fetchTls(app.port, app.tls.cert, "/api/thing", {
      method: "PUT",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body,
    });
    expect(r.status).toBe(415);
    expect(r.json()).toMatchObject({ error: "unsupported_media_type" });
    expect(seen).toEqual([]);
  });

  it("a duplicated key → 400 naming it, and nothing reaches the handler; one key each → accepted", async () => {
    seen.length = 0;
    const send = (text: string) =>
      fetchTls(app.port, app.tls.cert, "/api/thing", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: text,
      });
    const dup = await send('{"password":"xxxxxxxx","password":null}');
    expect(dup.status).toBe(400);
    expect(dup.json()).toMatchObject({
      error: "bad_request",
      message: expect.stringContaining('"password" more than once'),
    });
    const escaped = await send('{"password":"a","p\\u0061ssword":null}');
    expect(escaped.status).toBe(400);
    expect(seen).toEqual([]);
    const ok = await send('{"password":null}');
    expect(ok.status).toBe(200);
    expect(seen).toEqual([{ password: null }]);
  });
});

describe("duplicateJsonKey", () => {
  it.each([
    ['{"a":1,"a":2}', "a"],
    ['{"x":{"b":1,"b":2}}', "b"],
    ['[{"c":1},{"c":2,"c":3}]', "c"],
    ['{"d\\"":1,"d\\"":2}', 'd"'],
  ])("finds the duplicate in %s", (text, key) => {
    expect(duplicateJsonKey(text)).toBe(key);
  });
  it.each([
    '{"a":1,"b":{"a":2}}',
    '[{"a":1},{"a":2}]',
    '{"a":"{\\"a\\":1}","b":["a","a"]}',
    "not json",
    '"a"',
  ])("finds none in %s", (text) => {
    expect(duplicateJsonKey(text)).toBeNull();
  });
});
