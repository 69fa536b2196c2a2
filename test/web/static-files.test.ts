import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { renderFallbackPage } from "../../src/web/fallback-page.js";
import { createHttpsApp } from "../../src/web/https-server.js";
import { etagMatches, negotiateEncoding, pathKey, StaticSite } from "../../src/web/static-files.js";
import { makeTlsFixture } from "../helpers/tls-fixture.js";
import { DEVICE, fetchTls, type RunningApp, runTool, startApp } from "./harness.js";

const INDEX = `<!doctype html><html><head><title>OWTS UI</title><script src="/app.js"></script></head><body>${"<p>winch</p>".repeat(40)}</body></html>`;
const APP_JS = `console.log("owts");\n${"export const band = { v_min: 90, v_opt: 110, v_max: 130 };\n".repeat(50)}`;
const CSS = `body { color: black; }\n${".zone { background: green; }\n".repeat(30)}`;
const SECRET = "TOP SECRET: outside the UI directory";

let root: string;
let ui: string;
let app: RunningApp;
// Stored compressed copies made at a different level than the server would use, so the test can
// tell the stored file from one compressed at load.
const storedGz = gzipSync(APP_JS, { level: 1 });
const storedBr = brotliCompressSync(APP_JS);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "owts-ui-"));
  ui = join(root, "ui");
  mkdirSync(join(ui, "sub"), { recursive: true });
  writeFileSync(join(root, "secret.txt"), SECRET);
  writeFileSync(join(ui, "index.html"), INDEX);
  writeFileSync(join(ui, "index.html.gz"), gzipSync(INDEX));
  writeFileSync(join(ui, "app.js"), APP_JS);
  writeFileSync(join(ui, "app.js.gz"), storedGz);
  writeFileSync(join(ui, "app.js.br"), storedBr);
  writeFileSync(join(ui, "style.css"), CSS);
  writeFileSync(join(ui, "tiny.txt"), "hi");
  writeFileSync(join(ui, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]));
  writeFileSync(join(ui, "only.js.gz"), gzipSync(APP_JS));
  writeFileSync(join(ui, "sub", "page.html"), "<p>sub page</p>");
  symlinkSync(join(root, "secret.txt"), join(ui, "link.txt"));
  app = await startApp({ uiDir: ui });
});
afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  fetchTls(app.port, app.tls.cert, path, { headers, method });

/** Sends a request line exactly as written (no client-side normalisation) and returns the raw reply. */
function rawGet(target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect(
      { host: "127.0.0.1", port: app.port, servername: "localhost", ca: app.tls.cert },
      () => s.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`),
    );
    let got = "";
    s.on("data", (d: Buffer) => {
      got += d.toString("latin1");
    });
    s.on("end", () => resolve(got));
    s.on("error", reject);
  });
}

describe("serving the UI", () => {
  it("serves index.html at / with no-cache and an ETag", async () => {
    const r = await get("/");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.headers["cache-control"]).toBe("no-cache");
    expect(r.headers.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(r.headers.vary).toBe("Accept-Encoding");
    expect(r.headers["content-encoding"]).toBeUndefined();
    expect(r.text).toBe(INDEX);
  });

  it("answers client-side routes and missing files with the app", async () => {
    const home = await get("/");
    for (const path of ["/aircraft/live", "/config/radio?tab=2", "/index.html", "/missing.js", "/sub/"]) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.text, path).toBe(INDEX);
      expect(r.headers.etag, path).toBe(home.headers.etag);
      expect(r.headers["cache-control"], path).toBe("no-cache");
    }
    expect((await get("/sub/page.html")).text).toBe("<p>sub page</p>");
  });

  it("serves the stored variant the client accepts, with Content-Encoding, Vary and a per-variant ETag", async () => {
    const cases: [string | undefined, string | undefined][] = [
      [undefined, undefined],
      ["gzip", "gzip"],
      ["br", "br"],
      ["gzip, deflate, br", "br"],
      ["br;q=0, gzip", "gzip"],
      ["gzip;q=0.5, br;q=0.4", "gzip"],
      ["x-gzip", "gzip"],
      ["identity", undefined],
      ["*", "br"],
      ["deflate", undefined],
    ];
    const etags = new Map<string | undefined, string>();
    for (const [accept, expected] of cases) {
      const r = await get("/app.js", accept ? { "accept-encoding": accept } : {});
      expect(r.status, accept).toBe(200);
      expect(r.headers["content-type"], accept).toBe("text/javascript; charset=utf-8");
      expect(r.headers["content-encoding"], accept).toBe(expected);
      expect(r.headers.vary, accept).toBe("Accept-Encoding");
      expect(Number(r.headers["content-length"]), accept).toBe(r.body.length);
      const stored = expected === "gzip" ? storedGz : expected === "br" ? storedBr : Buffer.from(APP_JS);
      expect(r.body.equals(stored), accept).toBe(true);
      etags.set(expected, String(r.headers.etag));
    }
    expect(new Set(etags.values()).size).toBe(3);
  });

  it("compresses at load what has no stored twin, and leaves tiny or binary files alone", async () => {
    const css = await get("/style.css", { "accept-encoding": "gzip, br" });
    expect(css.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(css.body).toString()).toBe(CSS);
    const gz = await get("/style.css", { "accept-encoding": "gzip" });
    expect(gunzipSync(gz.body).toString()).toBe(CSS);
    for (const path of ["/tiny.txt", "/logo.png"]) {
      const r = await get(path, { "accept-encoding": "gzip, br" });
      expect(r.headers["content-encoding"], path).toBeUndefined();
      expect(r.headers.vary, path).toBeUndefined();
    }
    expect((await get("/logo.png")).headers["content-type"]).toBe("image/png");
  });

  it("inflates a file stored only compressed for clients without that encoding", async () => {
    const plain = await get("/only.js");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.text).toBe(APP_JS);
    expect((await get("/only.js", { "accept-encoding": "gzip" })).headers["content-encoding"]).toBe("gzip");
  });

  it("answers 304 to If-None-Match of the variant being served, 200 otherwise", async () => {
    const br = await get("/app.js", { "accept-encoding": "br" });
    const gz = await get("/app.js", { "accept-encoding": "gzip" });
    const hit = await get("/app.js", { "accept-encoding": "br", "if-none-match": String(br.headers.etag) });
    expect(hit.status).toBe(304);
    expect(hit.body.length).toBe(0);
    expect(hit.headers.etag).toBe(br.headers.etag);
    expect(hit.headers.vary).toBe("Accept-Encoding");
    expect(hit.headers["cache-control"]).toBe("no-cache");
    const weak = await get("/app.js", {
      "accept-encoding": "br",
      "if-none-match": `"other", W/${br.headers.etag}`,
    });
    expect(weak.status).toBe(304);
    expect((await get("/app.js", { "accept-encoding": "br", "if-none-match": "*" })).status).toBe(304);
    const otherVariant = await get("/app.js", {
      "accept-encoding": "br",
      "if-none-match": String(gz.headers.etag),
    });
    expect(otherVariant.status).toBe(200);
    expect(otherVariant.headers["content-encoding"]).toBe("br");
  });

  it("supports HEAD: same headers, no body", async () => {
    const r = await get("/app.js", { "accept-encoding": "gzip" }, "HEAD");
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(r.headers["content-encoding"]).toBe("gzip");
    expect(Number(r.headers["content-length"])).toBe(storedGz.length);
  });

  it("lets a ?v=<sha256 prefix> URL be cached for good; a stale or short v is revalidated", async () => {
    const v = createHash("sha256").update(APP_JS).digest("hex").slice(0, 12);
    expect((await get(`/app.js?v=${v}`)).headers["cache-control"]).toBe(
      "public, max-age=31536000, immutable",
    );
    expect((await get(`/app.js?v=${v.toUpperCase()}`)).headers["cache-control"]).toBe(
      "public, max-age=31536000, immutable",
    );
    expect((await get("/app.js?v=0123456789ab")).headers["cache-control"]).toBe("no-cache");
    expect((await get(`/app.js?v=${v.slice(0, 4)}`)).headers["cache-control"]).toBe("no-cache");
    expect((await get(`/?v=${v}`)).headers["cache-control"]).toBe("no-cache");
  });

  it("curl --compressed gets the original bytes back", async () => {
    const r = await runTool("curl", [
      "-sS",
      "--compressed",
      "--cacert",
      app.tls.certPath,
      "--resolve",
      `localhost:${app.port}:127.0.0.1`,
      "-D",
      "-",
      `https://localhost:${app.port}/app.js`,
    ]);
    expect(r.stdout).toMatch(/content-encoding: br\r\n/i);
    expect(r.stdout.endsWith(APP_JS)).toBe(true);
  });
});

describe("path traversal", () => {
  it("never serves anything outside the UI directory, however the path is spelled", async () => {
    const targets = [
      "/../secret.txt",
      "/../../../../etc/passwd",
      "/%2e%2e/secret.txt",
      "/%2E%2E%2Fsecret.txt",
      "/..%2fsecret.txt",
      "/sub/../../secret.txt",
      "/sub/%2e%2e/%2e%2e/secret.txt",
      "/..%5csecret.txt",
      "/..\\secret.txt",
      "/%00",
      "/secret.txt%00.html",
      "/%zz",
      "/link.txt",
      `/${root.slice(1)}/secret.txt`,
      "//etc/passwd",
    ];
    for (const target of targets) {
      const got = await rawGet(target);
      expect(got, target).not.toContain("TOP SECRET");
      expect(got, target).not.toContain("root:");
      expect(got, target).toMatch(/^HTTP\/1\.1 (200|400|404) /);
      if (got.startsWith("HTTP/1.1 200")) expect(got, target).toContain("<title>OWTS UI</title>");
    }
    const curl = await runTool("curl", [
      "-sS",
      "--path-as-is",
      "--cacert",
      app.tls.certPath,
      "--resolve",
      `localhost:${app.port}:127.0.0.1`,
      `https://localhost:${app.port}/../secret.txt`,
    ]);
    expect(curl.stdout).toBe(INDEX);
  });

  it("maps URL paths to keys without ever leaving the root", () => {
    expect(pathKey("/")).toBe("");
    expect(pathKey("/a/./b.js")).toBe("a/b.js");
    expect(pathKey("//a//b.js")).toBe("a/b.js");
    expect(pathKey("/a%20b.js")).toBe("a b.js");
    for (const bad of ["/../x", "/a/../../x", "/%2e%2e/x", "/a\\b", "/%5c", "/%00", "/%zz"])
      expect(pathKey(bad), bad).toBeNull();
  });
});

describe("content negotiation helpers", () => {
  const all = ["br", "gzip", "identity"] as const;
  it.each([
    [undefined, "identity"],
    ["", "identity"],
    ["gzip", "gzip"],
    ["GZIP", "gzip"],
    ["br, gzip", "br"],
    ["gzip, br;q=0", "gzip"],
    ["br;q=0.1, gzip;q=0.9", "gzip"],
    ["br;q=1.5, gzip", "gzip"],
    ["*;q=0", "identity"],
    ["*", "br"],
    ["identity;q=0, gzip;q=0", "identity"],
    ["compress, deflate", "identity"],
    ["gzip;q=abc, br", "br"],
    ["gzip;q=0.5", "gzip"],
    ["identity, gzip;q=0.5", "identity"],
  ])("Accept-Encoding %j → %s", (header, expected) => {
    expect(negotiateEncoding(header, all)).toBe(expected);
  });

  it("only picks encodings the file has", () => {
    expect(negotiateEncoding("br, gzip", ["gzip", "identity"])).toBe("gzip");
    expect(negotiateEncoding("br", ["identity"])).toBe("identity");
  });

  it("compares ETags weakly for If-None-Match", () => {
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('"b", "a"', '"a"')).toBe(true);
    expect(etagMatches("*", '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
    expect(etagMatches(undefined, '"a"')).toBe(false);
  });
});

describe("loading", () => {
  const { logger } = createDeviceLogger({ destination: null });
  const fallbackHtml = () => renderFallbackPage(DEVICE);

  it("serves a real fallback page when no UI is built", async () => {
    const site = await StaticSite.load({ dir: join(root, "does-not-exist"), fallbackHtml, logger });
    expect(site.source).toBe("fallback");
    const page = site.index.variants.get("identity")!.body.toString();
    expect(page).toContain("OWTS-winch-3A4F1C.local");
    expect(page).toContain("winch");
    expect(page).toContain('href="/api/about"');
    expect(site.resolve("/anything").file).toBe(site.index);
  });

  it("names the host once with .local whether or not the caller added it", () => {
    for (const hostname of ["OWTS-winch-3A4F1C", "OWTS-winch-3A4F1C.local"]) {
      const page = renderFallbackPage({ mode: "winch", hostname });
      expect(page).toContain("<title>OWTS OWTS-winch-3A4F1C.local</title>");
      expect(page).not.toContain(".local.local");
      expect(page).toContain("/\\.local$/i.test(a.hostname)");
    }
  });

  it("escapes device details in the fallback page", () => {
    const page = renderFallbackPage({ mode: "<b>x</b>", hostname: 'a"><script>alert(1)</script>' });
    expect(page).not.toContain("<script>alert(1)");
    expect(page).toContain("&#60;b&#62;x&#60;/b&#62;");
  });

  it("fails clearly for an explicit UI directory that is missing or far too big", async () => {
    const tls = makeTlsFixture();
    try {
      await expect(
        createHttpsApp({
          certificate: { certPem: tls.cert, keyPem: tls.key },
          logger,
          uiDir: join(root, "nope"),
          device: DEVICE,
        }),
      ).rejects.toThrow(/UI directory .*nope does not exist/);
    } finally {
      tls.cleanup();
    }
    await expect(StaticSite.load({ dir: ui, fallbackHtml, logger, limits: { maxFiles: 3 } })).rejects.toThrow(
      /holds more than 3 files/,
    );
    await expect(
      StaticSite.load({ dir: ui, fallbackHtml, logger, limits: { maxTotalBytes: 1000 } }),
    ).rejects.toThrow(/more than 1000 bytes/);
  });

  it("holds a large file only compressed and gives its exact bytes back; a stale stored twin keeps the plain copy", async () => {
    const dir = mkdtempSync(join(tmpdir(), "owts-ui-large-"));
    try {
      // Two large files with stored twins: one whose .gz matches, one whose .gz is from an older build.
      const big = `export const rows = [\n${Array.from({ length: 3000 }, (_, i) => `  ${i * 7919},`).join("\n")}\n];\n`;
      const rebuilt = big.replace("rows", "cols");
      writeFileSync(join(dir, "index.html"), INDEX);
      writeFileSync(join(dir, "big.js"), big);
      writeFileSync(join(dir, "big.js.gz"), gzipSync(big));
      writeFileSync(join(dir, "stale.js"), rebuilt);
      writeFileSync(join(dir, "stale.js.gz"), gzipSync(big));
      const site = await StaticSite.load({ dir, fallbackHtml, logger });
      const identity = (path: string) => {
        const v = site.files.get(path)!.variants.get("identity")!;
        // A held buffer is an own data property; an inflated one comes from a getter.
        return {
          body: v.body,
          held: Object.getOwnPropertyDescriptor(v, "body")!.value !== undefined,
          etag: v.etag,
        };
      };
      const sha = (b: string | Buffer) =>
        `"${createHash("sha256").update(b).digest("base64url").slice(0, 22)}"`;
      const plain = identity("big.js");
      expect(plain.held).toBe(false);
      expect(plain.body.toString()).toBe(big);
      expect(plain.etag).toBe(sha(big));
      const stale = identity("stale.js");
      expect(stale.held).toBe(true);
      expect(stale.body.toString()).toBe(rebuilt);
      // Small files stay held as they are.
      expect(identity("index.html").held).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("skips symlinks and a damaged compressed file without failing the rest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "owts-ui-bad-"));
    try {
      writeFileSync(join(dir, "index.html"), INDEX);
      writeFileSync(join(dir, "broken.js.gz"), "this is not gzip");
      symlinkSync(join(root, "secret.txt"), join(dir, "secret.txt"));
      const site = await StaticSite.load({ dir, fallbackHtml, logger });
      expect(site.source).toBe("directory");
      expect([...site.files.keys()].sort()).toEqual(["index.html"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
