import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/device-process.js";
import { launchChromium } from "./browser.js";
import { call, newPage, startUnit } from "./harness.js";

/** The device serving the built UI: precompressed variants, validators, caching, and a 3-request first load. */
describe("serving the UI", () => {
  let unit: Awaited<ReturnType<typeof startUnit>>;
  let browser: Browser;

  beforeAll(async () => {
    unit = await startUnit("winch");
    browser = await launchChromium(unit.certPath);
  });
  afterAll(async () => {
    await browser?.close();
    await unit?.stop();
  });

  it("answers br, gzip or identity by Accept-Encoding, with Content-Encoding, ETag and Vary", async () => {
    const raw = readFileSync(join(REPO, "dist", "ui", "app.js"));
    const br = await call(unit.base, "GET", "/app.js", {
      headers: { "Accept-Encoding": "gzip, deflate, br" },
    });
    expect(br.status).toBe(200);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers["content-type"]).toMatch(/^text\/javascript/);
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    expect(brotliDecompressSync(br.body).equals(raw)).toBe(true);

    const gz = await call(unit.base, "GET", "/app.js", { headers: { "Accept-Encoding": "gzip" } });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.body).equals(raw)).toBe(true);

    const plain = await call(unit.base, "GET", "/app.js", { headers: { "Accept-Encoding": "identity" } });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.equals(raw)).toBe(true);

    // Each encoding has its own validator; each revalidates to a 304.
    const tags = new Set([br.headers.etag, gz.headers.etag, plain.headers.etag]);
    expect(tags.size).toBe(3);
    const again = await call(unit.base, "GET", "/app.js", {
      headers: { "Accept-Encoding": "br", "If-None-Match": String(br.headers.etag) },
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it("makes browsers revalidate index.html and lets them keep the versioned assets", async () => {
    const index = await call(unit.base, "GET", "/", { headers: { "Accept-Encoding": "br" } });
    expect(index.status).toBe(200);
    expect(index.headers["cache-control"]).toBe("no-cache");
    const html = brotliDecompressSync(index.body).toString();
    const assets = [...html.matchAll(/(?:src|href)="(\/app\.(?:js|css)\?v=[0-9a-f]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const r = await call(unit.base, "GET", asset, { headers: { "Accept-Encoding": "gzip" } });
      expect(r.status).toBe(200);
      expect(r.headers["cache-control"]).toMatch(/max-age=31536000/);
    }
  });

  it("answers client routes with the app and unknown /api paths with JSON, never the app", async () => {
    const route = await call(unit.base, "GET", "/aircraft/live", {
      headers: { "Accept-Encoding": "identity" },
    });
    expect(route.status).toBe(200);
    expect(route.headers["content-type"]).toMatch(/^text\/html/);
    expect(route.body.toString()).toContain('<div id="app">');
    const api = await call(unit.base, "GET", "/api/no-such-thing");
    expect(api.status).toBe(404);
    expect(api.headers["content-type"]).toMatch(/^application\/json/);
  });

  it("loads the whole app in Chromium with 3 requests and one for its language's words, compressed", async () => {
    const { context, page } = await newPage(browser);
    const files: { url: string; encoding: string | undefined }[] = [];
    page.on("response", (res) => {
      const path = new URL(res.url()).pathname;
      if (!path.startsWith("/api/")) files.push({ url: path, encoding: res.headers()["content-encoding"] });
    });
    await page.goto(`${unit.base}/`);
    await page.waitForSelector("header.top .brand");
    await page.waitForTimeout(1500);
    // The browser here reads English: only the English words are fetched (a lazy chunk per language).
    expect(files.map((f) => f.url).sort()).toEqual(["/", "/app-en.js", "/app.css", "/app.js"]);
    expect(files.every((f) => f.encoding === "br")).toBe(true);
    await context.close();
  });
});
