#!/usr/bin/env node
// Fails when a module imports from a layer above its own. Data flows one way (sensor → flight phase →
// frame → radio → receiver → API → UI), and so may imports: a folder may use its own layer and the
// ones below it, never one above. The layers are listed here and nowhere else.
//
// Usage: node scripts/check-layers.mjs [--list]   (--list prints each folder's layer and exits 0)
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Bottom first. Folders on one line are one layer: they may import each other. `mqtt` sits with `web`:
 * both carry runtime state (winch, aircraft) to the outside and know nothing of the API or the device;
 * the API reports MQTT's status and the device wires it in, so both sit above it.
 */
export const LAYERS = [
  ["core"],
  ["store", "certs", "telemetry", "radio", "sensors", "mdns", "hw"],
  ["aircraft", "winch"],
  // mqtt and display carry the same state the API serves outward (to a broker, an OLED, an LED strip,
  // a console) and never block the radio or the web side.
  ["web", "mqtt", "display"],
  ["api"],
  ["device"],
  // systemd unit text and files: it knows no device, only what `owts start` is called with.
  ["service"],
  ["cli"],
];

/** The UI is built for the browser: it may import only these (browser-safe) folders of `src/`. */
const UI_MAY_IMPORT = ["core", "api/schemas"];

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) yield p;
  }
}

/** Relative specifiers of every static import, re-export and dynamic import in `text`. */
function importsOf(text) {
  const out = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]);
  return out;
}

/** "src/aircraft/x.ts" → "aircraft"; null outside src/. */
function folderOf(absPath) {
  const rel = relative(join(root, "src"), absPath);
  if (rel.startsWith("..")) return null;
  return rel.split(sep)[0];
}

const problems = [];
const srcRoot = join(root, "src");
for (const file of sourceFiles(srcRoot)) {
  const from = folderOf(file);
  const fromLayer = layerOf.get(from);
  const shown = relative(root, file);
  if (fromLayer === undefined) {
    problems.push(
      `${shown}: folder src/${from} is in no layer (add it to LAYERS in scripts/check-layers.mjs)`,
    );
    continue;
  }
  for (const spec of importsOf(readFileSync(file, "utf8"))) {
    const to = folderOf(resolve(dirname(file), spec));
    if (to === null || to === from) continue;
    const toLayer = layerOf.get(to);
    if (toLayer === undefined)
      problems.push(`${shown}: imports ${spec} from src/${to}, which is in no layer`);
    else if (toLayer > fromLayer)
      problems.push(
        `${shown}: imports ${spec} — src/${to} (layer ${toLayer}) is above src/${from} (layer ${fromLayer})`,
      );
  }
}

for (const file of sourceFiles(join(root, "ui", "src"))) {
  for (const spec of importsOf(readFileSync(file, "utf8"))) {
    const target = resolve(dirname(file), spec);
    const rel = relative(srcRoot, target);
    if (rel.startsWith("..")) continue;
    if (!UI_MAY_IMPORT.some((allowed) => rel === allowed || rel.startsWith(`${allowed}${sep}`)))
      problems.push(
        `${relative(root, file)}: imports ${spec} — the UI may import only src/{${UI_MAY_IMPORT.join(",")}}`,
      );
  }
}

if (process.argv.includes("--list")) {
  for (const [i, folders] of LAYERS.entries()) console.log(`layer ${i}: ${folders.join(", ")}`);
  process.exit(0);
}
if (problems.length > 0) {
  console.error(`check:layers: ${problems.length} import(s) run up a layer:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`check:layers: every import in src/ and ui/src/ runs down (${LAYERS.length} layers)`);
