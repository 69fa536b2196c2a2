import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../core/package-root.js";

export interface BuildInfo {
  version: string;
  /** `<version>+<commit>`, like a firmware build id. */
  build: string;
}

/** Reads dist/build-info.json written at build time; a source checkout run by tests falls back to package.json. */
export function readBuildInfo(): BuildInfo {
  const root = packageRoot();
  try {
    const info = JSON.parse(readFileSync(join(root, "dist", "build-info.json"), "utf8")) as {
      version: string;
      commit: string;
    };
    return { version: info.version, build: `${info.version}+${info.commit}` };
  } catch {
    // not built: a source checkout
  }
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    version: string;
  };
  return { version: pkg.version, build: `${pkg.version}+dev` };
}
