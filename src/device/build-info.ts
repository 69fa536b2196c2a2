import { readFileSync } from "node:fs";

export interface BuildInfo {
  version: string;
  /** `<version>+<commit>`, like a firmware build id. */
  build: string;
}

/** Reads dist/build-info.json written at build time; a source checkout run by tests falls back to package.json. */
export function readBuildInfo(): BuildInfo {
  for (const rel of ["../../build-info.json", "../../dist/build-info.json"]) {
    try {
      const info = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        version: string;
        commit: string;
      };
      return { version: info.version, build: `${info.version}+${info.commit}` };
    } catch {
      // try the next place
    }
  }
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return { version: pkg.version, build: `${pkg.version}+dev` };
}
