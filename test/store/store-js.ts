import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";

const REPO = resolve(import.meta.dirname, "../..");

/**
 * Transpiles src/store into `<work>/store` for a child `node` (which cannot load TypeScript), here and
 * now rather than from dist/: a build running in parallel (or a stale one) must not decide what a test
 * proves. The store only imports types from outside its folder, and a node_modules link lets its
 * package imports resolve. Returns the directory.
 */
export function transpileStore(work: string): string {
  const storeJs = join(work, "store");
  mkdirSync(storeJs);
  symlinkSync(join(REPO, "node_modules"), join(work, "node_modules"), "dir");
  for (const name of readdirSync(join(REPO, "src/store")).filter((n) => n.endsWith(".ts"))) {
    const out = ts.transpileModule(readFileSync(join(REPO, "src/store", name), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: name,
    });
    writeFileSync(join(storeJs, name.replace(/\.ts$/, ".js")), out.outputText);
  }
  writeFileSync(join(storeJs, "package.json"), '{"type":"module"}');
  return storeJs;
}
