import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The package root (the directory holding owts' package.json), found by walking up from this file:
 * the same answer from src/core, dist/src/core or a chunk of the bundled CLI (dist/bin/chunks), so paths to
 * dist/ui, dist/build-info.json and dist/bin/owts.js never depend on how deep the code sits.
 */
export function packageRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${import.meta.dirname}`);
    dir = up;
  }
  return dir;
}

/** The bundled CLI (`scripts/bundle-cli.mjs` writes it): what `owts`, `npm start` and the systemd unit run. */
export function bundledCliPath(): string {
  return join(packageRoot(), "dist", "bin", "owts.js");
}
