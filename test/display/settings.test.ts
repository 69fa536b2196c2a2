import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { assembleDisplays, type DisplayedState, START_SCREEN_MS } from "../../src/display/assemble.js";
import {
  checkDisplaySettings,
  DISPLAY_DEFAULTS,
  type DisplayValues,
  parseDisplayList,
  parseI2cAddress,
} from "../../src/display/settings.js";
import { openI2cWriteBus } from "../../src/display/ssd1306.js";
import { openSpiWriter } from "../../src/display/ws2812.js";
import { WinchReceiver } from "../../src/winch/receiver.js";
import { Ssd1306Model } from "./ssd1306-model.js";
import { Ws2812StripModel } from "./ws2812-model.js";

const present = (path: string) => path === "/dev/spidev0.0" || path === "/dev/tty";

const VALUES: DisplayValues = {
  displays: [],
  oledBus: DISPLAY_DEFAULTS.oledBus,
  oledAddress: DISPLAY_DEFAULTS.oledAddress,
  oledController: DISPLAY_DEFAULTS.oledController,
  stripSpi: DISPLAY_DEFAULTS.stripSpi,
  stripLeds: undefined,
  stripBrightness: DISPLAY_DEFAULTS.stripBrightness,
  ttyDevice: DISPLAY_DEFAULTS.ttyDevice,
};

function settings(over: Partial<DisplayValues> = {}, exists: (path: string) => boolean = present) {
  const r = checkDisplaySettings({ ...VALUES, ...over }, exists);
  if (!r.ok) throw new Error(r.message);
  return r.settings;
}

function refused(over: Partial<DisplayValues>): string {
  const r = checkDisplaySettings({ ...VALUES, ...over }, present);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(over)}`);
  expect(r.message).not.toMatch(/\n/);
  return r.message;
}

describe("display settings", () => {
  it("defaults: no display; the usual OLED address; the first SPI device", () => {
    expect(settings()).toEqual({
      displays: [],
      oled: { bus: 1, address: 0x3c, controller: "ssd1306" },
      strip: { device: "/dev/spidev0.0", leds: 0, brightness: 64 },
      tty: { device: "/dev/tty" },
    });
  });

  it("display lists and addresses", () => {
    expect(parseDisplayList("oled, WS2812,tty")).toEqual({ ok: true, value: ["oled", "ws2812", "tty"] });
    expect(parseDisplayList("none")).toEqual({ ok: true, value: [] });
    expect(parseDisplayList("oled,lcd")).toEqual({
      ok: false,
      reason: expect.stringMatching(/^"lcd" is not a display \(oled, ws2812, tty/),
    });
    expect(parseDisplayList("oled,oled")).toEqual({ ok: false, reason: expect.stringMatching(/twice/) });
    expect(parseI2cAddress("0x3D")).toEqual({ ok: true, value: 0x3d });
    expect(parseI2cAddress("60")).toEqual({ ok: true, value: 0x3c });
    for (const a of ["0x02", "0x78", "0x7f", "2", "120", "0x3g", "3c", "", "0x100", "-1"])
      expect(parseI2cAddress(a), a).toEqual({ ok: false, reason: expect.stringMatching(/0x03-0x77/) });
  });

  it("the strip needs its LED count and an SPI device that exists; the console a device that exists", () => {
    expect(settings({ displays: ["oled", "ws2812", "tty"], stripLeds: 60 }).strip).toEqual({
      device: "/dev/spidev0.0",
      leds: 60,
      brightness: 64,
    });
    expect(refused({ displays: ["ws2812"] })).toMatch(/^--strip-leds: give the number/);
    expect(refused({ displays: ["ws2812"], stripLeds: 8, stripSpi: "/dev/i2c-1" })).toMatch(
      /^--strip-spi: .* not an SPI device path/,
    );
    expect(refused({ displays: ["ws2812"], stripLeds: 8, stripSpi: "/dev/spidev9.9" })).toMatch(
      /^--strip-spi: \/dev\/spidev9\.9 does not exist/,
    );
    expect(refused({ displays: ["tty"], ttyDevice: "/dev/tty77" })).toMatch(
      /^--tty-device: \/dev\/tty77 does not exist/,
    );
    // Without the display that needs them, the device paths are not looked at.
    expect(
      settings({ displays: ["oled"], stripSpi: "/dev/spidev9.9", ttyDevice: "/dev/tty77" }).displays,
    ).toEqual(["oled"]);
  });

  it("really checks the file system by default", () => {
    const r = checkDisplaySettings({
      ...VALUES,
      displays: ["ws2812"],
      stripLeds: 8,
      stripSpi: "/dev/spidev250.0",
    });
    expect(r).toEqual({ ok: false, message: expect.stringMatching(/does not exist/) });
  });
});

describe("hardware openers", () => {
  it("say what is missing: the I2C bus or the i2c-bus package", async () => {
    await expect(openI2cWriteBus(250)).rejects.toThrow(
      /cannot open I2C bus 250 \(\/dev\/i2c-250\)|optional package i2c-bus/,
    );
  });

  it("say what is missing: the SPI device or the spi-device package", async () => {
    await expect(openSpiWriter("/dev/spidev250.0")).rejects.toThrow(
      /cannot open \/dev\/spidev250\.0|optional package spi-device/,
    );
    await expect(openSpiWriter("/tmp/x")).rejects.toThrow(/must look like \/dev\/spidevB\.C/);
  });
});

describe("display assembly", () => {
  it("none asked for: no runner", () => {
    const { logger } = createDeviceLogger({ destination: null });
    const state = { mode: "winch" as const, receiver: new WinchReceiver({ logger }) };
    expect(
      assembleDisplays({
        settings: settings(),
        state: () => state,
        hostname: () => "h",
        address: () => null,
        fingerprint: () => "",
        clock: new ManualClock(),
      }),
    ).toBeNull();
  });

  it("winch: the About screen first (host, address, fingerprint), then the receiver's state, on all three", async () => {
    const dir = mkdtempSync(join(tmpdir(), "owts-display-"));
    const consolePath = join(dir, "console");
    const chosen = settings(
      { displays: ["oled", "ws2812", "tty"], stripLeds: 8, ttyDevice: consolePath },
      (p) => p === "/dev/spidev0.0" || p === consolePath,
    );
    const clock = new ManualClock(0);
    const { logger } = createDeviceLogger({ destination: null });
    let host = "owts-winch-3a4f1c.local";
    let state: DisplayedState = { mode: "winch", receiver: new WinchReceiver({ logger, clock }) };
    const chip = new Ssd1306Model();
    const strip = new Ws2812StripModel(8);
    const runner = assembleDisplays({
      settings: chosen,
      state: () => state,
      hostname: () => host,
      address: () => "192.168.4.1",
      fingerprint: () => "3F:A2:9C:01:7E:D4:55:66:77",
      clock,
      logger,
      openI2c: async () => chip.reopen(),
      openSpi: async () => strip,
    });
    if (!runner) throw new Error("no runner");
    // The console is a real file here: the default opener, on a path instead of /dev/tty1.
    runner.start();
    const step = async (ms: number) => {
      for (let t = 0; t < ms; t += 100) {
        await new Promise((res) => setImmediate(res));
        clock.advance(100);
      }
      await runner.settled();
    };
    /** The console file is written through a real stream: wait (bounded) for the bytes to land. */
    const consoleShows = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(readFileSync(consolePath, "utf8")); i++)
        await new Promise((res) => setTimeout(res, 10));
      return readFileSync(consolePath, "utf8");
    };
    await step(500);
    expect(runner.status().every((s) => s.state === "ok")).toBe(true);
    const about = /owts-winch-3a4f1c\.local[\s\S]*192\.168\.4\.1[\s\S]*3F:A2:9C:01:7E:D4…/;
    expect(await consoleShows(about)).toMatch(about);
    await step(START_SCREEN_MS);
    expect(await consoleShows(/No telemetry from an aircraft/)).toMatch(/No telemetry from an aircraft/);
    expect(strip.shown.every((v) => v === 0)).toBe(true);
    // A mode switch in place: the displays follow the new state (and host name) at the next update.
    host = "owts-aircraft-3a4f1c.local";
    state = {
      mode: "aircraft",
      aircraft: {
        snapshot: () => ({
          ias: 0,
          unit: "kmh",
          flight_phase: "landed",
          phase: "landed",
          is_landed: true,
          landing_hold_s: 0,
          sensor: { state: "ok", errors: 0, source: "sim" },
          climb_mps: null,
          baro: null,
        }),
      },
    };
    await step(200);
    expect(await consoleShows(/OWTS AIRCRAFT {3}LANDED/)).toMatch(/OWTS AIRCRAFT {3}LANDED/);
    await runner.stop();
  });
});
