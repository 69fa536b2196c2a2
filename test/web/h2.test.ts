import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http2, { type ClientHttp2Session, type OutgoingHttpHeaders } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { brotliCompressSync, brotliDecompressSync, gzipSync } from "node:zlib";
import { Type } from "typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiPlugin } from "../../src/web/https-server.js";
import { connectRawH2, FLAG, FRAME, frame, headerField, requestBlock } from "../helpers/h2-frames.js";
import { makeTlsFixture } from "../helpers/tls-fixture.js";
import { fetchTls, type RunningApp, runTool, startApp } from "./harness.js";

const INDEX = `<!doctype html><title>owts</title>${"<p>owts</p>".repeat(200)}`;
const APP_JS = `console.log(${JSON.stringify("x".repeat(4000))});`;

const testApi: ApiPlugin = async (api) => {
  api.put(
    "/test/profile",
    {
      schema: { body: Type.Object({ v_min: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }) },
    },
    async (_req, reply) => reply.code(204).send(),
  );
  api.get("/test/etag", async (req, reply) => {
    reply.header("ETag", '"v1"');
    if (req.headers["if-none-match"] === '"v1"') return reply.code(304).send();
    return { v: 1 };
  });
};

let root: string;
let app: RunningApp;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "owts-h2-"));
  const ui = join(root, "ui");
  mkdirSync(ui);
  writeFileSync(join(ui, "index.html"), INDEX);
  writeFileSync(join(ui, "index.html.gz"), gzipSync(INDEX));
  writeFileSync(join(ui, "app.js"), APP_JS);
  writeFileSync(join(ui, "app.js.br"), brotliCompressSync(APP_JS));
  app = await startApp({ uiDir: ui, configure: (h) => void h.app.register(testApi, { prefix: "/api" }) });
});
afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

interface H2Reply {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

function connect(on: RunningApp = app): ClientHttp2Session {
  const s = http2.connect(`https://localhost:${on.port}`, { ca: on.tls.cert, host: "127.0.0.1" } as never);
  s.on("error", () => {});
  return s;
}

function request(
  s: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body?: string | Buffer,
): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const req = s.request(headers, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let head: http2.IncomingHttpHeaders = {};
    req.on("response", (h) => (head = h));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const b = Buffer.concat(chunks);
      resolve({ status: Number(head[":status"]), headers: head, body: b, text: b.toString() });
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
  });
}

async function alpn(protocols: string[] | undefined): Promise<string | false | null> {
  const s = tls.connect({
    host: "127.0.0.1",
    port: app.port,
    servername: "localhost",
    ca: app.tls.cert,
    ...(protocols ? { ALPNProtocols: protocols } : {}),
  });
  await new Promise((r, j) => s.once("secureConnect", r).once("error", j));
  const chosen = s.alpnProtocol;
  s.destroy();
  return chosen;
}

describe("HTTP/2 and HTTP/1.1 on one port", () => {
  it("ALPN picks h2 when offered and http/1.1 otherwise; a client without ALPN gets HTTP/1.1", async () => {
    expect(await alpn(["h2", "http/1.1"])).toBe("h2");
    expect(await alpn(["http/1.1"])).toBe("http/1.1");
    expect(await alpn(undefined)).toBe(false);
    const r = await fetchTls(app.port, app.tls.cert, "/api/test/etag");
    expect(r.status).toBe(200);
  });

  it("curl --http2 and curl --http1.1 get the same answers from the same routes", async () => {
    for (const [flag, version] of [
      ["--http2", "2"],
      ["--http1.1", "1.1"],
    ] as const) {
      const r = await runTool("curl", [
        "-sS",
        flag,
        "--cacert",
        app.tls.certPath,
        "--resolve",
        `localhost:${app.port}:127.0.0.1`,
        "-w",
        "\\n%{http_version} %{http_code} %{content_type}",
        `https://localhost:${app.port}/api/nope`,
      ]);
      const [body, tail] = r.stdout.split("\n");
      expect(tail).toBe(`${version} 404 application/json; charset=utf-8`);
      expect(JSON.parse(body!)).toEqual({ error: "not_found", message: "no such endpoint: GET /api/nope" });
    }
  });

  it("h2: ETag/304, the SPA fallback, precompressed assets and security headers", async () => {
    const s = connect();
    try {
      const first = await request(s, { ":path": "/api/test/etag" });
      expect(first.status).toBe(200);
      expect(first.headers["x-content-type-options"]).toBe("nosniff");
      const again = await request(s, { ":path": "/api/test/etag", "if-none-match": '"v1"' });
      expect(again.status).toBe(304);

      const spa = await request(s, { ":path": "/winch/settings", "accept-encoding": "gzip" });
      expect(spa.status).toBe(200);
      expect(spa.headers["content-encoding"]).toBe("gzip");
      const etag = String(spa.headers.etag);
      const cached = await request(s, { ":path": "/", "accept-encoding": "gzip", "if-none-match": etag });
      expect(cached.status).toBe(304);

      const js = await request(s, { ":path": "/app.js", "accept-encoding": "br, gzip" });
      expect(js.headers["content-encoding"]).toBe("br");
      expect(brotliDecompressSync(js.body).toString()).toBe(APP_JS);
    } finally {
      s.close();
    }
  });

  it("h2: 413, 415, 400 and 431 in the envelope, and the session keeps serving", async () => {
    const s = connect();
    try {
      const json = { ":method": "PUT", ":path": "/api/test/profile", "content-type": "application/json" };
      const big = await request(s, json, JSON.stringify({ v_min: 1, pad: "x".repeat(9000) }));
      expect(big.status).toBe(413);
      expect(JSON.parse(big.text).error).toBe("payload_too_large");
      const text = await request(s, { ...json, "content-type": "text/plain" }, "v_min=1");
      expect(text.status).toBe(415);
      const bad = await request(s, json, JSON.stringify({ v_min: 0 }));
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.text).error).toBe("validation_failed");
      const ok = await request(s, json, JSON.stringify({ v_min: 3 }));
      expect(ok.status).toBe(204);
      // RFC 9113 §10.5.1: a header list over the limit is a 431 or a reset stream. nghttp2 resets
      // some itself (ENHANCE_YOUR_CALM) before the app sees them; the rest get the envelope.
      const huge = await request(s, { ":path": "/api/test/etag", "x-big": "a".repeat(9000) }).catch(
        (e: Error) => e,
      );
      if (huge instanceof Error) expect(huge.message).toContain("NGHTTP2_ENHANCE_YOUR_CALM");
      else {
        expect(huge.status).toBe(431);
        expect(JSON.parse(huge.text)).toEqual({
          error: "bad_request",
          message: "the request headers are too large",
        });
      }
      expect((await request(s, { ":path": "/api/test/etag" })).status).toBe(200);
    } finally {
      s.close();
    }
  });

  it("a page's worth of parallel requests travels on one TLS session, which holds one slot", async () => {
    const before = app.budget.stats().admitted_total;
    const s = connect();
    try {
      const paths = Array.from({ length: 24 }, (_, i) => (i % 2 ? "/app.js" : `/api/test/etag?i=${i}`));
      const replies = await Promise.all(paths.map((p) => request(s, { ":path": p })));
      expect(replies.every((r) => r.status === 200)).toBe(true);
      const st = app.budget.stats();
      expect(st.admitted_total - before).toBe(1);
      expect(st.h2_open).toBe(1);
    } finally {
      s.close();
    }
  });
});

describe("certificate hot swap and in-place restart over h2", () => {
  it("a new h2 session gets the new certificate; the open one keeps working until it ends", async () => {
    const old = connect();
    expect((await request(old, { ":path": "/api/test/etag" })).status).toBe(200);
    const next = makeTlsFixture();
    try {
      app.https.setCertificate(next.cert, next.key);
      const fresh = http2.connect(`https://localhost:${app.port}`, {
        ca: next.cert,
        host: "127.0.0.1",
      } as never);
      fresh.on("error", () => {});
      expect((await request(fresh, { ":path": "/api/test/etag" })).status).toBe(200);
      fresh.close();
      expect((await request(old, { ":path": "/api/test/etag" })).status).toBe(200);
    } finally {
      app.https.setCertificate(app.tls.cert, app.tls.key);
      next.cleanup();
      old.close();
    }
  });

  it("closeIdleSessions (the in-place restart) sends an h2 session a graceful GOAWAY", async () => {
    const s = connect();
    expect((await request(s, { ":path": "/api/test/etag" })).status).toBe(200);
    const goaway = new Promise<number>((r) => s.once("goaway", (code: number) => r(code)));
    expect(app.budget.closeIdleSessions()).toBeGreaterThanOrEqual(1);
    expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    // A client reconnects and is served.
    const again = connect();
    expect((await request(again, { ":path": "/api/test/etag" })).status).toBe(200);
    again.close();
    s.destroy();
  });
});

describe("the budget with h2 sessions", () => {
  let small: RunningApp;
  beforeAll(async () => {
    small = await startApp({ sessions: { maxSessions: 1, idleGraceMs: 50 } });
  });
  afterAll(async () => small.close());

  it("an idle h2 session is purged with a graceful GOAWAY for a newcomer, who is served", async () => {
    const first = connect(small);
    const goaway = new Promise<number>((r) => first.once("goaway", (code: number) => r(code)));
    expect((await request(first, { ":path": "/" })).status).toBe(200);
    await sleep(100);
    const second = connect(small);
    try {
      expect((await request(second, { ":path": "/" })).status).toBe(200);
      expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
      expect(small.budget.stats()).toMatchObject({ purged: 1, rejected: 0 });
    } finally {
      first.destroy();
      second.close();
    }
  });
});

describe("h2 floods: the offending session is closed and counted, nothing is logged per frame", () => {
  const burst = (parts: Buffer[]) => Buffer.concat(parts);
  const floods: Record<string, () => Buffer> = {
    "rapid reset (streams opened and cancelled at once)": () =>
      burst(
        Array.from({ length: 400 }, (_, i) => [
          frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1 + 2 * i, requestBlock("/api/test/etag")),
          frame(FRAME.RST_STREAM, 0, 1 + 2 * i, Buffer.from([0, 0, 0, 8])),
        ]).flat(),
      ),
    "ping flood": () => burst(Array.from({ length: 1000 }, () => frame(FRAME.PING, 0, 0, Buffer.alloc(8)))),
    "settings flood": () =>
      burst(
        Array.from({ length: 1000 }, () => frame(FRAME.SETTINGS, 0, 0, Buffer.from([0, 3, 0, 0, 0, 100]))),
      ),
    "empty DATA frames": () =>
      burst([
        frame(FRAME.HEADERS, FLAG.END_HEADERS, 1, requestBlock("/api/test/profile", "POST")),
        ...Array.from({ length: 1000 }, () => frame(FRAME.DATA, 0, 1)),
      ]),
    "CONTINUATION flood": () =>
      burst([
        frame(FRAME.HEADERS, FLAG.END_STREAM, 1, requestBlock("/api/test/etag")),
        ...Array.from({ length: 5000 }, () => frame(FRAME.CONTINUATION, 0, 1, headerField("x-a", "b"))),
      ]),
  };

  for (const [name, build] of Object.entries(floods)) {
    it(name, async () => {
      const abuseBefore = app.budget.stats().closed_for.h2_abuse;
      const seqBefore = app.ring.newestSeq;
      const bystander = connect();
      try {
        // The attacker does not read what the server answers (acks pile up on its side).
        const attacker = await connectRawH2(app.port, app.tls.cert, { read: false });
        attacker.socket.write(build());
        const until = Date.now() + 5_000;
        while (app.budget.stats().closed_for.h2_abuse === abuseBefore && Date.now() < until) await sleep(20);
        expect(app.budget.stats().closed_for.h2_abuse).toBe(abuseBefore + 1);
        attacker.socket.on("data", () => {});
        expect(await attacker.closed(3_000)).toBe(true);
        expect((await request(bystander, { ":path": "/api/test/etag" })).status).toBe(200);
        const lines = app.ring.after(seqBefore).lines;
        expect(lines.length).toBeLessThanOrEqual(1);
      } finally {
        bystander.close();
      }
    });
  }
});
