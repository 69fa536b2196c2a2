import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStartOptions, START_HELP, UsageError } from "../../src/cli/options.js";
import { CLI } from "../helpers/device-process.js";

const dir = () => mkdtempSync(join(tmpdir(), "owts-display-flags-"));

describe("owts start: display flags", () => {
  it("read from flags and OWTS_* variables into the display settings", () => {
    const o = parseStartOptions(
      ["--display", "oled,tty", "--oled-address", "0x3d", "--oled-bus", "3", "--data-dir", dir()],
      { OWTS_OLED_CONTROLLER: "sh1106", OWTS_TTY_DEVICE: "/dev/null" },
    );
    if (o.help) throw new Error("help");
    expect(o.displays).toEqual({
      displays: ["oled", "tty"],
      oled: { bus: 3, address: 0x3d, controller: "sh1106" },
      strip: { device: "/dev/spidev0.0", leds: 0, brightness: 64 },
      tty: { device: "/dev/null" },
    });
    expect(START_HELP).toMatch(/--display LIST/);
    expect(START_HELP).toMatch(/--oled-address ADDR .*0x03-0x77.*0x3c/);
    expect(START_HELP).toMatch(/--strip-leds N/);
  });

  it.each([
    [["--display", "lcd"], /^--display: "lcd" is not a display/],
    [
      ["--display", "oled", "--oled-address", "0x78"],
      /^--oled-address: "0x78" is not a 7-bit I2C device address/,
    ],
    [["--display", "oled", "--oled-address", "0x02"], /^--oled-address: .*0x03-0x77/],
    [["--display", "ws2812"], /^--strip-leds: give the number/],
    [["--display", "ws2812", "--strip-leds", "0"], /^--strip-leds: "0" must be a whole number from 1 to 300/],
    [
      ["--display", "ws2812", "--strip-leds", "5000"],
      /^--strip-leds: "5000" must be a whole number from 1 to 300/,
    ],
    [
      ["--display", "ws2812", "--strip-leds", "8", "--strip-spi", "/dev/spidev250.0"],
      /^--strip-spi: \/dev\/spidev250\.0 does not exist/,
    ],
    [
      ["--display", "ws2812", "--strip-leds", "8", "--strip-spi", "/dev/null"],
      /^--strip-spi: "\/dev\/null" is not an SPI device path/,
    ],
    [["--strip-brightness", "0"], /^--strip-brightness: "0" must be a whole number from 1 to 255/],
    [
      ["--display", "tty", "--tty-device", "/dev/nonexistent-tty"],
      /^--tty-device: \/dev\/nonexistent-tty does not exist/,
    ],
  ])("%j → one line, nothing created", (argv, pattern) => {
    const d = join(dir(), "data");
    let caught: unknown;
    try {
      parseStartOptions([...argv, "--data-dir", d], {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(pattern);
    expect((caught as Error).message).not.toContain("\n");
    expect(readdirSync(dirname(d))).toEqual([]);
  });

  it("the real command exits 2 with one line before opening anything", () => {
    const d = dir();
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        "start",
        "--data-dir",
        d,
        "--https-port",
        "0",
        "--http-port",
        "0",
        "--display",
        "oled,ws2812",
        "--strip-leds",
        "0",
      ],
      { encoding: "utf8", timeout: 15_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--strip-leds: "0" must be a whole number from 1 to 300/);
    expect(readdirSync(d)).toEqual([]);
  });
});
