#!/usr/bin/env node
/*
 * Post-build step for the server: bundles the compiled CLI (dist/src/cli/main.js, tsc's output) into
 * dist/bin/owts.js, the file `owts`, `npm start` and the systemd unit run. Why: a running device kept
 * the source text of every module it loaded (~950 files: Fastify, Ajv, TypeBox's many small ESM files,
 * their comments and indentation) plus a module record for each; one bundle, tree-shaken and
 * minified, keeps ~7 MiB less RSS (bench/memory.ts, issue #18's 512 MB board). Function and class
 * names are kept (errors and logs name them as written); `node --enable-source-maps dist/bin/owts.js`
 * maps a stack trace back to the TypeScript.
 *
 * What each command loads only on use stays a dynamic import, so a separate chunk (dist/bin/chunks):
 * MQTT.js, @peculiar/x509, the demo, `owts certs|ca|service`. Native optional hardware modules stay
 * outside (loaded by name from node_modules, as before). The unbundled tree under dist/src stays as tsc
 * wrote it, for the benches and tools that import single modules.
 *
 * Usage: node scripts/bundle-cli.mjs   (after tsc -p tsconfig.json; exit 1 with esbuild's message)
 */
import { chmodSync, existsSync, rmSync } from "node:fs";
import { build } from "esbuild";

const ENTRY = "dist/src/cli/main.js";
const OUT_DIR = "dist/bin";

if (!existsSync(ENTRY)) {
  console.error(`bundle-cli: ${ENTRY} is missing; run tsc -p tsconfig.json first`);
  process.exit(1);
}
rmSync(OUT_DIR, { recursive: true, force: true });
try {
  const result = await build({
    entryPoints: { owts: ENTRY },
    outdir: OUT_DIR,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20.19",
    // Prefer a package's ESM build: its named exports survive a dynamic import (a CommonJS build
    // imported from a bundle exposes only `default`), and it tree-shakes.
    mainFields: ["module", "main"],
    // Local names shortened too (the source text is held in RAM); function and class names are kept.
    minify: true,
    keepNames: true,
    legalComments: "none",
    sourcemap: "linked",
    // Optional native modules: built per board by npm install, loaded by name only when hardware is used.
    external: ["i2c-bus", "spi-device", "unix-dgram", "node-libgpiod"],
    // CommonJS dependencies (Fastify, pino, …) call require() for Node's built-ins.
    banner: {
      js: 'import { createRequire as __owtsRequire } from "node:module"; const require = __owtsRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
  if (result.errors.length) process.exit(1);
  chmodSync(`${OUT_DIR}/owts.js`, 0o755);
} catch (err) {
  console.error(`bundle-cli: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
