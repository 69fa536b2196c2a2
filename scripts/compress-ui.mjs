#!/usr/bin/env node
/*
 * Post-build step for the device UI (like the firmware's SPIFFS image): versions the asset URLs in
 * index.html (`app.js?v=<sha256 prefix>`, so the server may let browsers cache them for good while
 * the file names stay stable), writes a `.gz` (zlib level 9) and a `.br` (quality 11) next to every
 * file, and enforces the budgets: at most 3 requests for the first load, and what the first load
 * downloads (index.html and what it refers to, gzip-compressed: what any browser gets; brotli is
 * smaller) within 60 KB. A part loaded only on first use (an `app-*.js` chunk, e.g. the graph
 * library) is not in the first load: it is listed as lazy, and each such part has its own budget
 * (--lazy-kb, 40 KB gzip), so moving code out of the first load cannot hide unlimited growth. Any other
 * file (an explorer page's library under a folder) is listed, not budgeted: it is loaded only there.
 *
 * Usage: node scripts/compress-ui.mjs [dir=dist/ui] [--budget-kb 60] [--lazy-kb 40]
 * Exit 1 with a message when a budget is exceeded or the build looks wrong.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const args = process.argv.slice(2);
let dir = "dist/ui";
let budgetKb = 60;
let lazyKb = 40;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--budget-kb" || a === "--lazy-kb") {
    const n = Number(args[++i]);
    if (!Number.isFinite(n) || n <= 0) fail(`${a} needs a positive number, got "${args[i]}"`);
    if (a === "--budget-kb") budgetKb = n;
    else lazyKb = n;
  } else if (a?.startsWith("--")) fail(`unknown option ${a}`);
  else dir = a;
}
dir = resolve(dir);

function fail(message) {
  process.stderr.write(`compress-ui: ${message}\n`);
  process.exit(1);
}

function walk(root) {
  const out = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

try {
  if (!statSync(dir).isDirectory()) fail(`${dir} is not a directory`);
} catch {
  fail(`${dir} does not exist; run the UI build (vite build --config ui/vite.config.ts) first`);
}

// Compressed twins from an earlier run are rebuilt from scratch.
for (const f of walk(dir)) if (/\.(gz|br)$/.test(f)) rmSync(f);

const indexPath = join(dir, "index.html");
let index;
try {
  index = readFileSync(indexPath, "utf8");
} catch {
  fail(`${indexPath} is missing`);
}

// Every same-origin resource index.html loads is a request of the first load — but the web app
// manifest: the browser fetches it in the background, after the page, for "install", never to show
// the page (it is budgeted on its own below).
const refs = [...index.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="(\/[^"?#]*)(?:\?[^"]*)?"[^>]*>/g)]
  .filter((m) => !/\brel="manifest"/.test(m[0]))
  .map((m) => m[1])
  .filter((p) => p && !p.startsWith("//"));
const MAX_REQUESTS = 3;
if (1 + refs.length > MAX_REQUESTS) {
  fail(
    `the first load would take ${1 + refs.length} requests (index.html + ${refs.join(", ")}); the budget is ${MAX_REQUESTS}`,
  );
}
for (const ref of refs) {
  const file = join(dir, ref);
  let body;
  try {
    body = readFileSync(file);
  } catch {
    fail(`index.html refers to ${ref}, which the build did not produce`);
  }
  const v = createHash("sha256").update(body).digest("hex").slice(0, 12);
  const escaped = ref.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  index = index.replace(new RegExp(`((?:src|href)=")${escaped}(?:\\?[^"]*)?"`, "g"), `$1${ref}?v=${v}"`);
}
writeFileSync(indexPath, index);

// The service worker's app shell: index.html and the versioned files it loads. Its version is the
// shell's hash, so a new build changes sw.js and browsers install the new worker (see ui/public/sw.js).
const swPath = join(dir, "sw.js");
let sw;
try {
  sw = readFileSync(swPath, "utf8");
} catch {
  fail(`${swPath} is missing (ui/public/sw.js)`);
}
const shellFiles = [
  "/",
  ...[...index.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="(\/[^"]*\?v=[^"]*)"/g)].map((m) => m[1]),
];
const shellVersion = createHash("sha256").update(index).digest("hex").slice(0, 12);
const marker = /\/\*OWTS_SHELL\*\/ \{[^}]*\}/;
if (!marker.test(sw)) fail(`${swPath} has no /*OWTS_SHELL*/ {…} to fill in`);
writeFileSync(
  swPath,
  sw.replace(marker, `/*OWTS_SHELL*/ ${JSON.stringify({ version: shellVersion, files: shellFiles })}`),
);
const manifestPath = join(dir, "manifest.webmanifest");
try {
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  if (manifest.display !== "standalone" || !Array.isArray(manifest.icons) || manifest.icons.length === 0)
    fail(`${manifestPath} must say display: standalone and list icons`);
  if (statSync(manifestPath).size > 2048) fail(`${manifestPath} is over its 2 KB budget`);
} catch (err) {
  fail(`${manifestPath} is missing or not JSON (${err.message})`);
}

const rows = [];
for (const file of walk(dir).sort()) {
  const body = readFileSync(file);
  const gz = gzipSync(body, { level: 9 });
  const br = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: /\.(html|js|css|json|svg|txt)$/.test(file)
        ? constants.BROTLI_MODE_TEXT
        : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  // A twin that is not smaller would only cost the device memory.
  if (gz.length < body.length) writeFileSync(`${file}.gz`, gz);
  if (br.length < body.length) writeFileSync(`${file}.br`, br);
  rows.push({
    file: relative(dir, file),
    raw: body.length,
    gzip: Math.min(gz.length, body.length),
    br: Math.min(br.length, body.length),
  });
}

// What the first load downloads: index.html and what it refers to. Lazy chunks: `app-*.js` at the top.
const firstLoad = new Set(["index.html", ...refs.map((r) => r.replace(/^\//, ""))]);
const isLazy = (f) => /^app-[^/]+\.js$/.test(f);
const sum = (list) =>
  list.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, br: t.br + r.br }), {
    raw: 0,
    gzip: 0,
    br: 0,
  });
const first = sum(rows.filter((r) => firstLoad.has(r.file)));
const pad = (s, n) => String(s).padStart(n);
const kind = (f) => (firstLoad.has(f) ? "first load" : isLazy(f) ? "lazy" : "on its page");
process.stdout.write(`device UI in ${relative(process.cwd(), dir) || dir}:\n`);
process.stdout.write(`  ${"file".padEnd(24)}${pad("raw", 10)}${pad("gzip", 10)}${pad("br", 10)}  loaded\n`);
const shown = rows.filter((r) => !r.file.includes("/"));
const others = sum(rows.filter((r) => r.file.includes("/")));
for (const r of shown)
  process.stdout.write(
    `  ${r.file.padEnd(24)}${pad(r.raw, 10)}${pad(r.gzip, 10)}${pad(r.br, 10)}  ${kind(r.file)}\n`,
  );
if (others.raw > 0)
  process.stdout.write(
    `  ${"(in folders)".padEnd(24)}${pad(others.raw, 10)}${pad(others.gzip, 10)}${pad(others.br, 10)}  on its page\n`,
  );
process.stdout.write(
  `  ${"first load".padEnd(24)}${pad(first.raw, 10)}${pad(first.gzip, 10)}${pad(first.br, 10)}\n`,
);

const budget = budgetKb * 1024;
if (first.gzip > budget) {
  fail(
    `the first load is ${(first.gzip / 1024).toFixed(1)} KB gzip-compressed, over the ${budgetKb} KB budget ` +
      `(brotli: ${(first.br / 1024).toFixed(1)} KB). Trim dependencies or code before raising the budget.`,
  );
}
for (const r of rows.filter((x) => isLazy(x.file))) {
  if (r.gzip > lazyKb * 1024)
    fail(
      `the lazy part ${r.file} is ${(r.gzip / 1024).toFixed(1)} KB gzip-compressed, over its ${lazyKb} KB budget`,
    );
}
process.stdout.write(
  `  budget: first load gzip ${(first.gzip / 1024).toFixed(1)} KB of ${budgetKb} KB (brotli ${(first.br / 1024).toFixed(1)} KB) in ${1 + refs.length} requests; each lazy part within ${lazyKb} KB\n`,
);
