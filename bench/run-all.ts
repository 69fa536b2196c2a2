// `npm run bench`: runs every benchmark in bench/ one after the other (never in parallel: they measure
// the machine), each in its own process, and ends with a summary. Each bench prints its own table.
//   npm run bench [-- --quick] [-- --only api-overhead,handshakes] [-- --out results.md]
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { packageRoot } from "../src/core/package-root.js";
import { machineLine, printTable } from "./lib/table.js";

/**
 * Arguments for a short run of each bench. Benches written for this runner take `--quick`; the older
 * ones have their own knobs. A bench not listed here runs with its defaults in both modes.
 */
const QUICK_ARGS: Record<string, string[]> = {
  "api-overhead": ["--quick"],
  handshakes: ["--quick"],
  "phone-burst": ["--quick"],
  memory: ["--quick"],
  "ui-weight": ["--quick"],
  "e2e-latency": ["--quick"],
  "store-write": ["--count", "50"],
  "cert-generate": ["5"],
  frames: ["--ms", "200"],
  "link-latency": ["--count", "2000", "--seconds", "2"],
  "socket-budget": ["--quick"],
  fairness: ["--quick"],
  "release-detection": ["--launches", "10"],
  "launch-recorder": ["--launches", "1"],
};

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
    help: { type: "boolean" },
  },
  strict: true,
});
if (values.help) {
  console.log("usage: node dist/bench/run-all.js [--quick] [--only name,name] [--out FILE]");
  process.exit(0);
}

const root = packageRoot();
const sources = readdirSync(join(root, "bench"))
  .filter((f) => f.endsWith(".ts") && f !== "run-all.ts")
  .map((f) => f.slice(0, -3))
  .sort();
const only = values.only
  ?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
for (const name of only ?? []) {
  if (!sources.includes(name)) {
    console.error(`no bench named ${name}; there are: ${sources.join(", ")}`);
    process.exit(2);
  }
}
const chosen = only ? sources.filter((s) => only.includes(s)) : sources;
/** A bench that hangs must not hold the whole run. */
const TIMEOUT_MS = values.quick ? 5 * 60_000 : 20 * 60_000;

const header = `# owts benchmarks${values.quick ? " (quick)" : ""} — ${machineLine()} — ${new Date().toISOString()}`;
console.log(header);
if (values.out) writeFileSync(values.out, `${header}\n`);

const summary: (string | number)[][] = [];
let failures = 0;
for (const name of chosen) {
  const script = join(root, "dist/bench", `${name}.js`);
  if (!existsSync(script)) {
    summary.push([name, "not built (npm run build)", "-"]);
    failures++;
    continue;
  }
  const args = values.quick ? (QUICK_ARGS[name] ?? []) : [];
  console.log(`\n## ${name} ${args.join(" ")}`.trimEnd());
  if (values.out) appendFileSync(values.out, `\n## ${name} ${args.join(" ")}\n`);
  const t0 = performance.now();
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    const tee = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      stream.write(chunk);
      if (values.out) appendFileSync(values.out, chunk);
    };
    child.stdout.on("data", tee(process.stdout));
    child.stderr.on("data", tee(process.stderr));
    child.on("exit", (c, signal) => {
      clearTimeout(timer);
      resolve(c ?? `killed (${signal})`);
    });
  });
  if (code !== 0) failures++;
  summary.push([
    name,
    code === 0 ? "ok" : `failed: exit ${code}`,
    ((performance.now() - t0) / 1000).toFixed(1),
  ]);
}

printTable("Benchmark runs", ["bench", "result", "seconds"], summary);
process.exitCode = failures ? 1 : 0;
