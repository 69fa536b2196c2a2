import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { LANGUAGES } from "../../ui/src/i18n/translate.js";
import { REPO } from "../helpers/device-process.js";

const UI = join(REPO, "dist", "ui");
const SCRIPT = join(REPO, "scripts", "compress-ui.mjs");

function runCompress(dir: string, ...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, dir, ...args], { encoding: "utf8" });
}

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** The app's files of the build (not the API explorer's 2 MB library: re-compressing it takes a minute). */
function copyOfBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), "owts-ui-copy-"));
  copies.push(dir);
  cpSync(UI, dir, { recursive: true, filter: (src) => !src.startsWith(join(UI, "explorer")) });
  return dir;
}

describe("UI build output (npm run build)", () => {
  it("is index.html, app.js, app.css, the lazy graph chunk and one lazy chunk per language with stable names, each with gzip and brotli twins of the same bytes", () => {
    const files = readdirSync(UI).sort();
    const languages = LANGUAGES.flatMap((l) => [`app-${l}.js`, `app-${l}.js.br`, `app-${l}.js.gz`]);
    expect(files).toEqual(
      [
        ...languages,
        "app-uPlot.esm.js",
        "app-uPlot.esm.js.br",
        "app-uPlot.esm.js.gz",
        "app.css",
        "app.css.br",
        "app.css.gz",
        "app.js",
        "app.js.br",
        "app.js.gz",
        "explorer",
        "index.html",
        "index.html.br",
        "index.html.gz",
      ].sort(),
    );
    for (const base of [
      "app-uPlot.esm.js",
      "app.css",
      "app.js",
      "index.html",
      ...LANGUAGES.map((l) => `app-${l}.js`),
    ]) {
      const raw = readFileSync(join(UI, base));
      expect(gunzipSync(readFileSync(join(UI, `${base}.gz`))).equals(raw)).toBe(true);
      expect(brotliDecompressSync(readFileSync(join(UI, `${base}.br`))).equals(raw)).toBe(true);
    }
  });

  it("loads exactly one script and one stylesheet, versioned by a prefix of their SHA-256, and nothing external", () => {
    const html = readFileSync(join(UI, "index.html"), "utf8");
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    const local = refs.filter((r) => r.startsWith("/"));
    expect(local).toHaveLength(2);
    for (const ref of local) {
      const m = /^\/(app\.(?:js|css))\?v=([0-9a-f]{12})$/.exec(ref);
      expect(m, ref).not.toBeNull();
      const sha = createHash("sha256")
        .update(readFileSync(join(UI, m![1]!)))
        .digest("hex");
      expect(sha.startsWith(m![2]!)).toBe(true);
    }
    // No CDN, no web fonts: the device has no internet and every request costs it a TLS session.
    expect(refs.filter((r) => /^(https?:)?\/\//.test(r))).toEqual([]);
    expect(readFileSync(join(UI, "app.css"), "utf8")).not.toMatch(/@import|url\((?!data:)/);
  });

  it("the budget check passes the real build and fails, with a message, when the app is over budget", () => {
    const dir = copyOfBuild();
    const ok = runCompress(dir);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/budget: first load gzip [\d.]+ KB of 60 KB .* in 3 requests/);
    // The graph library is lazy: listed, not counted in the first load.
    expect(ok.stdout).toMatch(/app-uPlot\.esm\.js .* lazy/);

    const tight = runCompress(dir, "--budget-kb", "10");
    expect(tight.status).toBe(1);
    expect(tight.stderr).toMatch(/first load is [\d.]+ KB gzip-compressed, over the 10 KB budget/);

    // Incompressible bytes stand in for a dependency that grew the bundle past 60 KB.
    const bloated = copyOfBuild();
    const noise = randomBytes(70_000);
    writeFileSync(
      join(bloated, "app.js"),
      Buffer.concat([readFileSync(join(bloated, "app.js")), Buffer.from(`/*${noise.toString("base64")}*/`)]),
    );
    const over = runCompress(bloated);
    expect(over.status).toBe(1);
    expect(over.stderr).toMatch(/over the 60 KB budget/);

    // A lazy part has its own budget: moving code out of the first load cannot hide its growth.
    const lazy = copyOfBuild();
    writeFileSync(
      join(lazy, "app-uPlot.esm.js"),
      Buffer.concat([
        readFileSync(join(lazy, "app-uPlot.esm.js")),
        Buffer.from(`/*${noise.toString("base64")}*/`),
      ]),
    );
    const lazyOver = runCompress(lazy);
    expect(lazyOver.status).toBe(1);
    expect(lazyOver.stderr).toMatch(
      /lazy part app-uPlot\.esm\.js is [\d.]+ KB gzip-compressed, over its 40 KB budget/,
    );
  });

  it("fails when the first load would need more than 3 requests, and on a missing referenced file", () => {
    const dir = copyOfBuild();
    const html = readFileSync(join(dir, "index.html"), "utf8");
    writeFileSync(
      join(dir, "index.html"),
      html.replace("</head>", '<script src="/extra.js"></script></head>'),
    );
    writeFileSync(join(dir, "extra.js"), "console.log(1)");
    const r = runCompress(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/first load would take 4 requests/);

    const missing = copyOfBuild();
    writeFileSync(join(missing, "index.html"), html.replace("/app.css", "/gone.css"));
    const m = runCompress(missing);
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/refers to \/gone\.css/);
  });

  it("refuses bad arguments clearly", () => {
    expect(runCompress(UI, "--budget-kb", "x").stderr).toMatch(/--budget-kb needs a positive number/);
    expect(runCompress(join(tmpdir(), "owts-no-such-dir")).stderr).toMatch(/does not exist/);
  });
});
