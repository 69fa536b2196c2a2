#!/usr/bin/env node
/*
 * The API explorer page (`/explorer/index.html`, linked from About): Swagger UI, a maintained OpenAPI
 * explorer, served by the device itself (no CDN: a unit in a field has no Internet). Its files live
 * under `explorer/` in the UI build, outside the first load: only that page loads them.
 *
 * Usage: node scripts/copy-explorer.mjs [dir=dist/ui]
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const dir = resolve(process.argv[2] ?? "dist/ui");
if (!existsSync(join(dir, "index.html"))) {
  process.stderr.write(`copy-explorer: ${dir}/index.html is missing; build the UI first\n`);
  process.exit(1);
}
const dist = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const out = join(dir, "explorer");
mkdirSync(out, { recursive: true });
for (const f of ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"])
  copyFileSync(join(dist, f), join(out, f));

writeFileSync(
  join(out, "index.html"),
  `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>API explorer · OWTS</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/explorer/swagger-ui.css" />
    <style>body { margin: 0; } .back { display: block; padding: 0.8rem 1rem; font: 600 1rem system-ui, sans-serif; }</style>
  </head>
  <body>
    <main>
      <a class="back" href="/about">← Back to the device</a>
      <h1 style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)">API explorer</h1>
      <div id="explorer"></div>
    </main>
    <script src="/explorer/swagger-ui-bundle.js"></script>
    <script src="/explorer/init.js"></script>
  </body>
</html>
`,
);
// The device's own description; no validator or other outside service is ever contacted.
writeFileSync(
  join(out, "init.js"),
  `window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#explorer",
  validatorUrl: null,
  deepLinking: false,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
`,
);
process.stdout.write(`API explorer in ${out}\n`);
