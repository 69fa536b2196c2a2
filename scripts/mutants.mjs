#!/usr/bin/env node
// Shows the test suite's teeth: applies each mutation below (a change that breaks a promise the
// device makes) to a scratch copy of the repository, runs the test file that guards the promise, and
// prints whether the tests caught it. Not part of `npm test`: run `npm run test:mutants`
// (`-- --only ID` for one mutant, `-- --list` to list them). Exit status 1 when a mutant survives.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

/**
 * Each mutant: a file, exact text to find (must occur exactly once) and its replacement, an optional
 * step to run after the edit (e.g. regenerate code), and the test command that must fail.
 */
const MUTANTS = [
  {
    id: "proto-renumber",
    what: "renumber AircraftTelemetryFull.v_opt (4 -> 9) in the .proto, codec not regenerated",
    file: "proto/owts_aircraft_telemetry.proto",
    find: "uint32 v_opt = 4;",
    replace: "uint32 v_opt = 9;",
    test: ["vitest", "run", "test/telemetry/golden-frames.test.ts"],
  },
  {
    id: "proto-renumber-regen",
    what: "renumber AircraftTelemetryDelta.sequence (3 -> 4) and regenerate the codec",
    file: "proto/owts_aircraft_telemetry.proto",
    find: "  uint32 sequence = 3;",
    replace: "  uint32 sequence = 4;",
    after: ["buf", "generate"],
    test: ["vitest", "run", "test/telemetry/golden-frames.test.ts"],
  },
  {
    id: "tx-no-full-interval-check",
    what: "delete the transmitter's check of full_interval_ms",
    file: "src/aircraft/transmitter.ts",
    find: '    p.number("/full_interval_ms", full, { min: 200, max: 60_000 });\n',
    replace: "",
    test: ["vitest", "run", "test/aircraft/transmitter.test.ts"],
  },
  {
    id: "tx-no-max-age-check",
    what: "delete the transmitter's check of max_reading_age_ms",
    file: "src/aircraft/transmitter.ts",
    find: '    p.number("/max_reading_age_ms", maxAge, { min: 100, max: 10_000 });\n',
    replace: "",
    test: ["vitest", "run", "test/aircraft/transmitter.test.ts"],
  },
  {
    id: "tx-rate-max-raised",
    what: "raise the transmitter's rate_hz maximum from 20 to 100",
    file: "src/aircraft/transmitter.ts",
    find: 'p.number("/rate_hz", rate, { min: 0.2, max: 20 });',
    replace: 'p.number("/rate_hz", rate, { min: 0.2, max: 100 });',
    test: ["vitest", "run", "test/aircraft/transmitter.test.ts"],
  },
  {
    id: "budget-no-crowded-eviction",
    what: "socket budget: a full queue never evicts the crowded host's waiter",
    file: "src/web/socket-budget.ts",
    find: "    const victim = this.#crowdedWaiter(addressOf(socket));",
    replace: "    const victim = undefined as Waiting | undefined;",
    test: ["vitest", "run", "test/web/socket-budget.test.ts"],
  },
  {
    id: "budget-no-fewest-sessions",
    what: "socket budget: the next waiter ignores how many sessions its host holds",
    file: "src/web/socket-budget.ts",
    find: "        this.#sessionsOf(w.address) * 2 +",
    replace: "        0 * 2 +",
    test: ["vitest", "run", "test/web/socket-budget.test.ts"],
  },
  {
    id: "budget-no-recently-served",
    what: "socket budget: among equals, a recently served host gets no precedence",
    file: "src/web/socket-budget.ts",
    find: "(served !== undefined && now - served < RECENTLY_SERVED_MS ? 0 : 1)",
    replace: "(served !== undefined && now - served < RECENTLY_SERVED_MS ? 1 : 1)",
    test: ["vitest", "run", "test/web/socket-budget.test.ts"],
  },
  {
    id: "store-no-data-fsync",
    what: "settings write: no fsync of the temp file before the rename",
    file: "src/store/atomic-write.ts",
    find: "      await handle.sync();\n",
    replace: "",
    test: ["vitest", "run", "test/store/fs-protocol.test.ts"],
  },
  {
    id: "store-no-dir-fsync",
    what: "settings write: no fsync of the directory after the rename",
    file: "src/store/atomic-write.ts",
    find: "    await fsyncDir(dir);\n",
    replace: "",
    test: ["vitest", "run", "test/store/fs-protocol.test.ts"],
  },
  {
    id: "ui-swap-slow-fast",
    what: "winch monitor: TOO SLOW and TOO FAST swapped (UI rebuilt)",
    file: "ui/src/pages/winch-monitor.tsx",
    find: '  below: { icon: "▼", text: "monitor.too_slow" },\n  inside: { icon: "●", text: "monitor.in_band" },\n  above: { icon: "▲", text: "monitor.too_fast" },',
    replace:
      '  below: { icon: "▼", text: "monitor.too_fast" },\n  inside: { icon: "●", text: "monitor.in_band" },\n  above: { icon: "▲", text: "monitor.too_slow" },',
    after: ["npm", "run", "build"],
    test: [
      "vitest",
      "run",
      "--config",
      "vitest.e2e.config.ts",
      "test/e2e/driver-view.test.ts",
      "-t",
      "zone label",
    ],
  },
];

function parseArgs(argv) {
  const out = { only: [], list: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--only") out.only.push(argv[++i]);
    else if (argv[i] === "--list") out.list = true;
    else if (argv[i] === "--keep") out.keep = true;
    else throw new Error(`unknown argument ${argv[i]} (use --only ID, --list, --keep)`);
  }
  return out;
}

/** A copy of the repository without node_modules (symlinked) or git metadata. */
function scratchCopy() {
  const dir = mkdtempSync(join(tmpdir(), "owts-mutant-"));
  cpSync(ROOT, dir, {
    recursive: true,
    filter: (src) => {
      const rel = src.slice(ROOT.length + 1);
      return rel !== "node_modules" && rel !== ".git" && !rel.startsWith("node_modules/");
    },
  });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function bin(name) {
  return join(ROOT, "node_modules", ".bin", name);
}

function run(dir, [cmd, ...args], timeoutMs) {
  const r = spawnSync(cmd === "npm" ? "npm" : bin(cmd), args, {
    cwd: dir,
    encoding: "utf8",
    timeout: timeoutMs,
    // Like an npm script: the package binaries (buf's protoc-gen-es plugin among them) on PATH.
    env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}` },
  });
  return { status: r.status, signal: r.signal, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function applyMutant(dir, m) {
  const path = join(dir, m.file);
  const text = readFileSync(path, "utf8");
  const n = text.split(m.find).length - 1;
  if (n !== 1) throw new Error(`${m.id}: expected the text to mutate once in ${m.file}, found ${n} times`);
  writeFileSync(path, text.replace(m.find, m.replace));
}

const args = parseArgs(process.argv.slice(2));
if (args.list) {
  for (const m of MUTANTS) console.log(`${m.id}\t${m.what}`);
  process.exit(0);
}
const chosen = args.only.length ? MUTANTS.filter((m) => args.only.includes(m.id)) : MUTANTS;
if (args.only.length && chosen.length !== args.only.length)
  throw new Error(`unknown mutant id in ${args.only.join(", ")} (see --list)`);

// Each test command must pass on an unmutated copy first, or a "caught" would mean nothing.
const baselineDir = scratchCopy();
try {
  for (const key of new Set(chosen.map((m) => JSON.stringify(m.test)))) {
    const cmd = JSON.parse(key);
    const r = run(baselineDir, cmd, 600_000);
    if (r.status !== 0) {
      console.error(
        `baseline: \`${cmd.join(" ")}\` fails without any mutation; fix that first.\n${r.out.slice(-3000)}`,
      );
      process.exit(2);
    }
    console.log(`baseline passes: ${cmd.join(" ")}`);
  }
} finally {
  rmSync(baselineDir, { recursive: true, force: true });
}

const results = [];
for (const m of chosen) {
  const dir = scratchCopy();
  const t0 = Date.now();
  let verdict;
  let detail = "";
  try {
    try {
      applyMutant(dir, m);
      if (m.after) {
        const a = run(dir, m.after, 900_000);
        if (a.status !== 0)
          throw new Error(`${m.id}: ${m.after.join(" ")} failed (${a.signal ?? a.status}):\n${a.out}`);
      }
    } catch (err) {
      // A mutant that cannot be applied (text moved, regeneration failed) is a broken script, not a
      // survivor and not a catch.
      results.push({ id: m.id, verdict: "ERROR", detail: String(err).split("\n")[0], seconds: "0" });
      console.log(`ERROR            ${m.id}: ${String(err).slice(0, 2000)}`);
      continue;
    }
    const r = run(dir, m.test, m.timeoutMs ?? 600_000);
    if (r.signal) {
      verdict = "caught (timeout)";
      detail = `killed by ${r.signal}`;
    } else if (r.status === 0) {
      verdict = "SURVIVED";
    } else {
      verdict = "caught";
      const failed = r.out.match(/Tests\s+.*?(\d+) failed/);
      detail = failed ? `${failed[1]} test(s) failed` : `exit ${r.status}`;
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips vitest's colours.
      const plain = r.out.replace(/\x1b\[[0-9;]*m/g, "");
      const names = [...plain.matchAll(/^\s*× (.+?)(?: \d+ms)?$/gm)].map((m) => m[1]);
      for (const name of names.slice(0, 3)) console.log(`    failed: ${name}`);
    }
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
  const seconds = ((Date.now() - t0) / 1000).toFixed(0);
  results.push({ id: m.id, verdict, detail, seconds });
  console.log(`${verdict.padEnd(16)} ${m.id} (${seconds} s) ${detail}`);
}

console.log("\nmutant                          | verdict          | detail");
console.log("--------------------------------|------------------|------------------");
for (const r of results) console.log(`${r.id.padEnd(32)}| ${r.verdict.padEnd(17)}| ${r.detail}`);
const caught = results.filter((r) => r.verdict.startsWith("caught")).length;
console.log(`\n${results.length} mutants tried, ${caught} caught, ${results.length - caught} survived`);
process.exit(caught === results.length ? 0 : 1);
