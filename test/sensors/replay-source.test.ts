import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SettingsError } from "../../src/core/problems.js";
import {
  loadReplayFile,
  parseReplayCsv,
  ReplayIasSource,
  ReplayParseError,
  type ReplayUnit,
} from "../../src/sensors/replay-source.js";

const dir = mkdtempSync(join(tmpdir(), "owts-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURE = new URL("./fixtures/sim-launch-seed7.csv", import.meta.url).pathname;

describe("parseReplayCsv", () => {
  it("reads a header unit, comments anywhere, blank lines and CRLF", () => {
    const trace = parseReplayCsv(
      "# launch at EDxx\r\n\r\nt_ms,ias_kmh\r\n0,0 # brake off\r\n  100 , 36 \r\n\r\n250,72\r\n",
    );
    expect(trace.unit).toBe("kmh");
    expect(trace.points).toEqual([
      { t_ms: 0, ias_mps: 0 },
      { t_ms: 100, ias_mps: 10 },
      { t_ms: 250, ias_mps: 20 },
    ]);
  });

  it.each([
    ["kmh", 36, 10],
    ["kt", 10, 10 * (1852 / 3600)],
    ["mph", 10, 10 * (1609.344 / 3600)],
    ["mps", 12.5, 12.5],
  ] as [ReplayUnit, number, number][])("converts %s", (unit, value, mps) => {
    expect(parseReplayCsv(`t_ms,ias_${unit}\n0,${value}\n`).points[0]!.ias_mps).toBeCloseTo(mps, 9);
    expect(parseReplayCsv(`0,${value}\n`, { unit }).points[0]!.ias_mps).toBeCloseTo(mps, 9);
    expect(parseReplayCsv(`t_ms,ias\n0,${value}\n`, { unit }).points[0]!.ias_mps).toBeCloseTo(mps, 9);
  });

  it("ignores columns after t_ms and ias (a launch exported from /api/history/{id}.csv replays as it is)", () => {
    const text =
      '# owts-trace v1 {"id":"x"}\nt_ms,ias_kmh,zone,phase,rssi_dbm,snr_db,lost\n0,12.5,below,ground_roll,-71,9.5,0\n' +
      "# ev 150 link stale\n200,20,below,ground_roll,,,2\n";
    const t = parseReplayCsv(text);
    expect(t.unit).toBe("kmh");
    expect(t.points.map((p) => p.t_ms)).toEqual([0, 200]);
    expect(t.points[1]!.ias_mps).toBeCloseTo(20 / 3.6, 9);
    // Still strict about the two columns it reads.
    expect(() => parseReplayCsv("t_ms,ias_kmh,zone\n0,fast,inside\n")).toThrow(/ias "fast" is not a number/);
  });

  it.each([
    ["t_ms,ias_kmh\n0,0\n100,abc\n", 3, /ias "abc" is not a number/],
    ["t_ms,ias_kmh\n0,0\n0x10,5\n", 3, /t_ms "0x10" is not a number/],
    ["t_ms,ias_kmh\n0,0\n,5\n", 3, /t_ms "" is not a number/],
    ["t_ms,ias_kmh\n# c\n100,1\n100,2\n", 4, /t_ms 100 is not after the previous row's 100/],
    ["t_ms,ias_kmh\n100,1\n50,2\n", 3, /not after the previous row's 100/],
    ["t_ms,ias_kmh\n0,-3\n", 2, /ias -3 must not be negative/],
    ["t_ms,ias_kmh\n-5,3\n", 2, /t_ms -5 must be a finite number of milliseconds/],
    ["t_ms,ias_kmh\n0\n", 2, /expected 2 columns "t_ms,ias", found 1/],
    ["t_ms,ias_kmh\n0,1e400\n", 2, /ias 1e400 is not a finite number/],
    ["t_ms,ias_kmh\n0,900\n", 2, /implausible/],
    ["time,ias_kmh\n0,1\n", 1, /header must start "t_ms,ias_<unit>"/],
    ["t_ms,ias_furlongs\n0,1\n", 1, /unknown unit "furlongs"/],
    ["t_ms,ias\n0,1\n", 2, /no unit/],
    ["0,1\n", 1, /no unit/],
    ["t_ms,ias_kmh\n0,1\nt_ms,ias_kmh\n", 3, /t_ms "t_ms" is not a number/],
  ])("rejects %j at line %i", (text, line, message) => {
    let caught: unknown;
    try {
      parseReplayCsv(text, { name: "launch.csv" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ReplayParseError);
    expect((caught as ReplayParseError).line).toBe(line);
    expect((caught as Error).message).toMatch(new RegExp(`^launch\\.csv line ${line}: `));
    expect((caught as Error).message).toMatch(message);
  });

  it.each([
    ["", /no data rows/],
    ["# nothing here\n\n", /no data rows/],
    ["t_ms,ias_kmh\n", /no data rows/],
  ])("rejects a file without data (%j)", (text, message) => {
    expect(() => parseReplayCsv(text, { name: "x.csv" })).toThrow(message);
  });

  it("rejects a unit option that contradicts the header, or is not a unit", () => {
    expect(() => parseReplayCsv("t_ms,ias_kt\n0,1\n", { unit: "kmh" })).toThrow(
      /line 1: header says kt but the unit option says kmh/,
    );
    expect(() => parseReplayCsv("0,1\n", { unit: "knots" as ReplayUnit })).toThrow(
      /unit must be one of kmh, kt, mph, mps/,
    );
  });
});

describe("loadReplayFile", () => {
  it("loads the recorded launch fixture", async () => {
    const trace = await loadReplayFile(FIXTURE);
    expect(trace.unit).toBe("kmh");
    expect(trace.points.length).toBeGreaterThan(2000);
    expect(Math.max(...trace.points.map((p) => p.ias_mps)) * 3.6).toBeGreaterThan(100);
  });

  it("names the file in errors, with the line", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "t_ms,ias_kmh\n0,1\n10,x\n");
    await expect(loadReplayFile(bad)).rejects.toThrow(`${bad} line 3: ias "x" is not a number`);
    await expect(loadReplayFile(join(dir, "missing.csv"))).rejects.toThrow(
      /missing\.csv: cannot read: ENOENT/,
    );
  });
});

describe("ReplayIasSource", () => {
  it("plays back against the clock, interpolating between rows, then holds the last value", async () => {
    let clock = 5000;
    const src = new ReplayIasSource({ text: "t_ms,ias_mps\n1000,0\n2000,10\n4000,20\n", now: () => clock });
    expect(src.health().state).toBe("starting");
    await src.start();
    expect(src.health()).toEqual({ state: "ok", errors: 0, source: "replay" });
    const at = async (ms: number) => {
      clock = 5000 + ms;
      return (await src.read())!;
    };
    expect(await at(0)).toEqual({ t_ms: 0, ias_mps: 0 });
    expect(await at(500)).toEqual({ t_ms: 500, ias_mps: 5 });
    expect(await at(1000)).toEqual({ t_ms: 1000, ias_mps: 10 });
    expect(await at(2000)).toEqual({ t_ms: 2000, ias_mps: 15 });
    expect(await at(3000)).toEqual({ t_ms: 3000, ias_mps: 20 });
    expect(await at(60_000)).toEqual({ t_ms: 60_000, ias_mps: 20 });
  });

  it("loops with an ever-increasing sample time, and honours timeScale", async () => {
    let clock = 0;
    const src = new ReplayIasSource({
      text: "t_ms,ias_mps\n0,0\n1000,10\n",
      loop: true,
      timeScale: 2,
      now: () => clock,
    });
    await src.start();
    clock = 250; // 500 ms of recording
    expect(await src.read()).toEqual({ t_ms: 500, ias_mps: 5 });
    clock = 1250; // 2500 ms: half-way through the third pass
    expect(await src.read()).toEqual({ t_ms: 2500, ias_mps: 5 });
  });

  it("reads a file at start and rejects a bad one there", async () => {
    const good = join(dir, "good.csv");
    writeFileSync(good, "0,0\n100,5\n");
    const src = new ReplayIasSource({ path: good, unit: "kt" });
    await expect(src.read()).rejects.toThrow(/start\(\)/);
    await src.start();
    expect(src.durationMs).toBe(100);
    const bad = join(dir, "empty.csv");
    writeFileSync(bad, "");
    const broken = new ReplayIasSource({ path: bad, unit: "kt" });
    await expect(broken.start()).rejects.toThrow(`${bad}: no data rows`);
    expect(broken.health().state).toBe("starting");
  });

  it.each([
    [{}, "/path"],
    [{ path: "a.csv", text: "0,1" }, "/path"],
    [{ text: "0,1", unit: "kph" as ReplayUnit }, "/unit"],
    [{ text: "0,1", unit: "kmh" as ReplayUnit, timeScale: 0 }, "/timeScale"],
  ])("rejects settings %o naming %s", (opts, field) => {
    try {
      new ReplayIasSource(opts);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SettingsError);
      expect((err as SettingsError).problems.map((p) => p.field)).toContain(field);
    }
  });
});
