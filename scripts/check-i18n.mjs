#!/usr/bin/env node
/*
 * Build-time check of the UI's languages (ui/src/i18n/locales/<lang>.json, en.json the reference):
 * fails, listing every problem, when a language misses a key of en.json or has one en.json lacks, a
 * text is empty, a text's `{placeholders}` differ from English (a plural form may leave out
 * `{count}`), a counted text lacks a plural form its language needs (Intl.PluralRules: Polish and
 * Czech have one/few/many/other) or has one it cannot use, a locale file is not in LANGUAGES
 * (ui/src/i18n/translate.ts) or a language there has no file, or a key of en.json is used nowhere in
 * the UI's sources (written as the literal "key"): so every language has every word the UI shows,
 * and no word goes stale unnoticed.
 *
 * Usage: node scripts/check-i18n.mjs [--locales ui/src/i18n/locales] [--src ui/src]
 *        [--languages en,de,…]   (default: LANGUAGES as written in ui/src/i18n/translate.ts)
 * Exit 0 with a one-line summary, or 1 with the problems on stderr.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const args = process.argv.slice(2);
let localesDir = "ui/src/i18n/locales";
let srcDir = "ui/src";
let languages = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const v = args[i + 1];
  if ((a === "--locales" || a === "--src" || a === "--languages") && v === undefined)
    fail([`${a} needs a value`]);
  if (a === "--locales") localesDir = args[++i];
  else if (a === "--src") srcDir = args[++i];
  else if (a === "--languages") languages = args[++i].split(",").filter(Boolean);
  else fail([`unknown argument ${a}`]);
}
localesDir = resolve(localesDir);
srcDir = resolve(srcDir);

function fail(problems) {
  process.stderr.write(
    `check-i18n: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}\n`).join("")}`,
  );
  process.exit(1);
}

/** LANGUAGES as the UI declares it, so the check and the app agree on the list. */
function declaredLanguages() {
  const file = join(srcDir, "i18n", "translate.ts");
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    fail([`${file} not found: pass --languages`]);
  }
  const m = /export const LANGUAGES = \[([^\]]*)\]/.exec(text);
  if (!m) fail([`${file} has no "export const LANGUAGES = [...]"`]);
  return [...m[1].matchAll(/"([a-z]{2,3}(?:-[A-Za-z0-9]+)?)"/g)].map((x) => x[1]);
}

function placeholders(text) {
  return new Set([...text.matchAll(/\{(\w+)\}/g)].map((x) => x[1]));
}

const sameSet = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));
const show = (s) => `{${[...s].sort().join("}, {")}}`.replace("{}", "none");

function sourceFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== localesDir) out.push(...sourceFiles(p));
    } else if (/\.(ts|tsx)$/.test(e.name)) out.push(p);
  }
  return out;
}

const langs = languages ?? declaredLanguages();
const problems = [];
if (!langs.includes("en")) problems.push('LANGUAGES must include "en" (the reference)');

let files;
try {
  if (!statSync(localesDir).isDirectory()) throw new Error();
  files = readdirSync(localesDir).filter((f) => f.endsWith(".json"));
} catch {
  fail([`${localesDir} is not a directory`]);
}
for (const f of files) {
  const lang = f.slice(0, -".json".length);
  if (!langs.includes(lang)) problems.push(`${f}: "${lang}" is not in LANGUAGES, so the UI never offers it`);
}

const catalogs = {};
for (const lang of langs) {
  const file = join(localesDir, `${lang}.json`);
  try {
    const data = JSON.parse(readFileSync(file, "utf8"));
    if (typeof data !== "object" || data === null || Array.isArray(data))
      problems.push(`${lang}.json: must be one object of "key": text`);
    else catalogs[lang] = data;
  } catch (err) {
    problems.push(`${lang}.json: ${err.code === "ENOENT" ? "missing" : `not valid JSON (${err.message})`}`);
  }
}

const en = catalogs.en;
if (en) {
  for (const lang of langs) {
    const cat = catalogs[lang];
    if (!cat) continue;
    const plural = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const key of Object.keys(en)) if (!(key in cat)) problems.push(`${lang}.json: missing key "${key}"`);
    for (const [key, value] of Object.entries(cat)) {
      const where = `${lang}.json "${key}"`;
      if (!(key in en)) {
        problems.push(`${lang}.json: extra key "${key}" (not in en.json)`);
        continue;
      }
      const ref = en[key];
      const refForms = typeof ref === "string" ? [ref] : Object.values(ref ?? {});
      const want = new Set(refForms.flatMap((s) => (typeof s === "string" ? [...placeholders(s)] : [])));
      if (typeof value === "string") {
        if (typeof ref !== "string") {
          problems.push(`${where}: must have plural forms (${plural.join(", ")}) like en.json`);
          continue;
        }
        if (value.trim() === "") problems.push(`${where}: empty text`);
        const got = placeholders(value);
        if (!sameSet(got, want))
          problems.push(`${where}: placeholders ${show(got)} differ from English ${show(want)}`);
        continue;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${where}: must be a text or an object of plural forms`);
        continue;
      }
      if (!want.has("count")) {
        problems.push(`${where}: plural forms need {count} in the English text`);
        continue;
      }
      for (const cat of plural)
        if (typeof value[cat] !== "string" || value[cat].trim() === "")
          problems.push(`${where}: missing plural form "${cat}" (${lang} uses ${plural.join(", ")})`);
      const all = new Set();
      for (const [form, text] of Object.entries(value)) {
        if (!plural.includes(form)) {
          problems.push(`${where}: plural form "${form}" is not one ${lang} uses (${plural.join(", ")})`);
          continue;
        }
        if (typeof text !== "string") continue;
        const got = placeholders(text);
        for (const p of got) all.add(p);
        const extra = [...got].filter((p) => !want.has(p));
        if (extra.length)
          problems.push(`${where}: form "${form}" has unknown placeholders {${extra.join("}, {")}}`);
      }
      // One form may say "one line" without the number; together they must use every placeholder.
      const missing = [...want].filter((p) => p !== "count" && !all.has(p));
      if (missing.length) problems.push(`${where}: no form uses {${missing.join("}, {")}}`);
    }
  }

  const sources = sourceFiles(srcDir).map((f) => readFileSync(f, "utf8"));
  const unused = Object.keys(en).filter((key) => !sources.some((s) => s.includes(`"${key}"`)));
  for (const key of unused)
    problems.push(`en.json: key "${key}" is used nowhere in ${relative(process.cwd(), srcDir) || "."}`);
}

if (problems.length) fail(problems);
console.log(
  `check-i18n: ${langs.length} language(s) (${langs.join(", ")}), ${Object.keys(en).length} keys each, all present`,
);
