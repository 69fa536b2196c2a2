import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkStartFlags, parseStartOptions, START_HELP, UsageError } from "../../src/cli/options.js";
import { renderHelp } from "../../src/cli/read-flags.js";

const dataDir = () => join(mkdtempSync(join(tmpdir(), "owts-baro-")), "data");

describe("--baro (static-pressure sensor)", () => {
  it("is none unless asked for; bmp280 takes --i2c-bus and --baro-address; sim takes the sim's seed", () => {
    expect(parseStartOptions(["--data-dir", dataDir()], {})).toMatchObject({ baro: { kind: "none" } });
    expect(
      parseStartOptions(
        [
          "--sensor",
          "ms4525do",
          "--baro",
          "bmp280",
          "--i2c-bus",
          "3",
          "--baro-address",
          "0x77",
          "--data-dir",
          dataDir(),
        ],
        {},
      ),
    ).toMatchObject({
      sensor: { kind: "ms4525do", bus: 3 },
      baro: { kind: "bmp280", bus: 3, address: 0x77 },
    });
    expect(parseStartOptions(["--baro", "bmp280", "--data-dir", dataDir()], {})).toMatchObject({
      baro: { kind: "bmp280", bus: 1, address: 0x76 },
    });
    expect(parseStartOptions(["--baro", "sim", "--seed", "9", "--data-dir", dataDir()], {})).toMatchObject({
      baro: { kind: "sim", seed: 9 },
    });
    expect(parseStartOptions(["--data-dir", dataDir()], { OWTS_BARO: "sim" })).toMatchObject({
      baro: { kind: "sim" },
    });
  });

  it.each([
    [["--baro", "bmp388"], /--baro: "bmp388" is not none, bmp280 or sim/],
    [
      ["--baro", "bmp280", "--baro-address", "0x28"],
      /--baro-address: "0x28" is not a BMP280 address: 0x76 \(SDO to GND\) or 0x77/,
    ],
    [["--baro", "bmp280", "--baro-address", "seventy"], /--baro-address: "seventy" is not a BMP280 address/],
    [["--baro-address", "0x77"], /--baro-address needs --baro bmp280/],
    [
      ["--baro", "sim", "--sensor", "ms4525do"],
      /--baro sim follows the simulated flight and needs --sensor sim \(not ms4525do\)/,
    ],
  ])("refuses %j with one clear line, and creates nothing", (argv, pattern) => {
    const d = dataDir();
    let caught: unknown;
    try {
      parseStartOptions([...argv, "--data-dir", d], {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(pattern);
    expect((caught as Error).message).not.toContain("\n");
    expect(existsSync(d)).toBe(false);
    // The same checks refuse it where `owts service install` bakes start flags in.
    expect(() => checkStartFlags(argv, {})).toThrow(pattern);
  });

  it("is in both commands' help; the demo offers none|sim only", () => {
    expect(START_HELP).toMatch(
      /--baro KIND\s+aircraft static-pressure sensor .*none\|bmp280\|sim \(default none\)/,
    );
    expect(START_HELP).toMatch(/--baro-address ADDR .*0x76\|0x77 \(default 0x76\)/);
    const demo = renderHelp("demo");
    expect(demo).toMatch(/--baro KIND .*none\|sim \(default sim\)/);
    expect(demo).not.toContain("--baro-address");
  });
});
