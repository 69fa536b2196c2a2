#!/usr/bin/env node
/*
 * Post-build step for the device UI (like the firmware's SPIFFS image): versions the asset URLs in
 * index.html (`app.js?v=<sha256 prefix>`, so the server may let browsers cache them for good while
 * the file names stay stable), writes a `.gz` (zlib level 9) and a `.br` (quality 11) next to every
 * file, and enforces two budgets: at most 3 requests for the first load, and the gzip-compressed
 * app (what any browser downloads; brotli is smaller) within 60 KB.
 *
 * Usage: node scripts/compress-ui.mjs [dir=dist/ui] [--budget-kb 60]
 * Exit 1 with a message when a budget is exceeded or the build looks wrong.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const args = process.argv.slice(2);
let dir = "dist/ui";
let budgetKb = 60;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--budget-kb") {
    budgetKb = Number(args[++i]);
    if (!Number.isFinite(budgetKb) || budgetKb <= 0)
      fail(`--budget-kb needs a positive number, got "${args[i]}"`);
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

// Every same-origin resource index.html loads is a request of the first load.
const refs = [...index.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="(\/[^"?#]*)(?:\?[^"]*)?"[^>]*>/g)]
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

const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, br: t.br + r.br }), {
  raw: 0,
  gzip: 0,
  br: 0,
});
const pad = (s, n) => String(s).padStart(n);
process.stdout.write(`device UI in ${relative(process.cwd(), dir) || dir}:\n`);
process.stdout.write(`  ${"file".padEnd(16)}${pad("raw", 10)}${pad("gzip", 10)}${pad("br", 10)}\n`);
for (const r of [...rows, { file: "total", ...total }])
  process.stdout.write(`  ${r.file.padEnd(16)}${pad(r.raw, 10)}${pad(r.gzip, 10)}${pad(r.br, 10)}\n`);

const budget = budgetKb * 1024;
if (total.gzip > budget) {
  fail(
    `the gzip-compressed UI is ${(total.gzip / 1024).toFixed(1)} KB, over the ${budgetKb} KB budget ` +
      `(brotli: ${(total.br / 1024).toFixed(1)} KB). Trim dependencies or code before raising the budget.`,
  );
}
process.stdout.write(
  `  budget: gzip ${(total.gzip / 1024).toFixed(1)} KB of ${budgetKb} KB (brotli ${(total.br / 1024).toFixed(1)} KB); first load ${1 + refs.length} requests\n`,
);
