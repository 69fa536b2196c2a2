// Durable settings writes vs plain writes, measured in the same run on the same directory.
// Usage: node dist/bench/store-write.js [--count N] [--dir DIR]   (DIR should be on the real
// storage the device uses: fsync on tmpfs costs nothing and would flatter the store.)
import { mkdtempSync, rmSync } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Static, type TSchema, Type } from "typebox";
import { DEFAULT_AIRCRAFT_PROFILE } from "../src/aircraft/profile.js";
import { createDeviceLogger } from "../src/device/logger.js";
import { encodeSettingsFile } from "../src/store/settings-file.js";
import { SettingsStore } from "../src/store/settings-store.js";

const { values: args } = parseArgs({
  options: { count: { type: "string", default: "200" }, dir: { type: "string", default: tmpdir() } },
});
const COUNT = Number(args.count);
if (!Number.isInteger(COUNT) || COUNT < 10) {
  console.error("store-write: --count must be an integer >= 10");
  process.exit(2);
}

const Profile = Type.Object({
  registration: Type.String(),
  type: Type.String(),
  unit: Type.String(),
  v_min: Type.Integer(),
  v_opt: Type.Integer(),
  v_max: Type.Integer(),
  v_en: Type.Integer(),
});
const Launch = Type.Object({
  start: Type.String(),
  duration_s: Type.Number(),
  registration: Type.String(),
  type: Type.String(),
  max_ias: Type.Number(),
  in_band: Type.Number(),
});
const History = Type.Object({ launches: Type.Array(Launch) });

const small = (i: number): Static<typeof Profile> => ({ ...DEFAULT_AIRCRAFT_PROFILE, v_max: 130 + (i % 50) });
/** A winch history of 200 launches, the size a busy season day reaches. */
const large = (i: number): Static<typeof History> => ({
  launches: Array.from({ length: 200 }, (_, k) => ({
    start: new Date(1_700_000_000_000 + (i + k) * 60_000).toISOString(),
    duration_s: 40 + (k % 30),
    registration: "D-1234",
    type: "ASK 21",
    max_ias: 110 + (k % 20),
    in_band: 0.8,
  })),
});

interface Row {
  method: string;
  bytes: number;
  ms: number[];
}

async function measure(method: string, bytes: number, write: (i: number) => Promise<unknown>): Promise<Row> {
  for (let i = 0; i < 5; i++) await write(-1 - i); // warm-up: JIT, first file creation
  const ms: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const t = process.hrtime.bigint();
    await write(i);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { method, bytes, ms };
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const work = mkdtempSync(join(args.dir, "owts-bench-store-"));
try {
  const { logger } = createDeviceLogger({ destination: null });
  const store = await SettingsStore.open(work, logger);
  // Three ways to write the same bytes: plain, plain + fsync, and the store's full path.
  async function rowsFor<S extends TSchema>(
    name: string,
    schema: S,
    make: (i: number) => Static<S>,
  ): Promise<Row[]> {
    const bytes = Buffer.byteLength(encodeSettingsFile(name, make(0)));
    const plain = join(work, `plain-${name}.json`);
    const ns = store.namespace(name, schema, make(-100));
    return [
      await measure(`writeFile (baseline) ${name}`, bytes, (i) =>
        writeFile(plain, encodeSettingsFile(name, make(i))),
      ),
      await measure(`writeFile+fsync ${name}`, bytes, async (i) => {
        const fh = await open(plain, "w");
        try {
          await fh.writeFile(encodeSettingsFile(name, make(i)));
          await fh.sync();
        } finally {
          await fh.close();
        }
      }),
      await measure(`store.set (durable) ${name}`, bytes, (i) => ns.set(make(i))),
    ];
  }
  const rows = [...(await rowsFor("profile", Profile, small)), ...(await rowsFor("history", History, large))];

  console.log(`store-write: ${COUNT} writes each, in ${work}`);
  const header = ["method", "bytes", "writes/s", "mean ms", "p50 ms", "p99 ms", "vs baseline"];
  const table: string[][] = [];
  let baseline = 0;
  for (const row of rows) {
    const sorted = [...row.ms].sort((a, b) => a - b);
    const mean = row.ms.reduce((a, b) => a + b, 0) / row.ms.length;
    const rate = 1000 / mean;
    if (row.method.startsWith("writeFile (baseline)")) baseline = rate;
    table.push([
      row.method,
      String(row.bytes),
      rate.toFixed(0),
      mean.toFixed(3),
      pct(sorted, 50).toFixed(3),
      pct(sorted, 99).toFixed(3),
      `${(rate / baseline).toFixed(2)}x`,
    ]);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of table) console.log(line(r));
} finally {
  rmSync(work, { recursive: true, force: true });
}
