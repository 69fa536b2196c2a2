import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseStartOptions, START_HELP, UsageError } from "../../src/cli/options.js";
import { SimMedium } from "../../src/radio/sim-link.js";
import { CLI, startDevice } from "../helpers/device-process.js";
import { Sx1262Model } from "../radio/sx1262-model.js";

const run = promisify(execFile);
const dir = () => mkdtempSync(join(tmpdir(), "owts-sx-"));

async function getJson(port: number, path: string): Promise<unknown> {
  const { stdout } = await run("curl", ["-sS", "-k", "--max-time", "10", `https://127.0.0.1:${port}${path}`]);
  return JSON.parse(stdout);
}

describe("owts start --radio sx1262: options", () => {
  it("takes a board preset, and the same from OWTS_* variables", () => {
    const o = parseStartOptions(
      ["--data-dir", dir(), "--radio", "sx1262", "--radio-board", "waveshare-sx1262-hat"],
      {},
    );
    expect(o).toMatchObject({
      radio: { kind: "sx1262", config: { board: "waveshare-sx1262-hat", pins: { busy: 20 } } },
    });
    const e = parseStartOptions(["--data-dir", dir()], {
      OWTS_RADIO: "sx1262",
      OWTS_SPI_DEVICE: "/dev/spidev1.0",
      OWTS_GPIO_CHIP: "4",
      OWTS_PIN_RESET: "5",
      OWTS_PIN_BUSY: "6",
      OWTS_PIN_DIO1: "7",
      OWTS_PIN_RXEN: "8",
      OWTS_PIN_TXEN: "9",
      OWTS_TCXO: "1.7",
    });
    expect(e).toMatchObject({
      radio: {
        kind: "sx1262",
        config: {
          spi_device: "/dev/spidev1.0",
          gpio_chip: 4,
          pins: { reset: 5, busy: 6, dio1: 7, rxen: 8, txen: 9 },
          tcxo_volts: 1.7,
        },
      },
    });
  });

  it("refuses radio wiring without --radio sx1262", () => {
    expect(() => parseStartOptions(["--data-dir", dir(), "--pin-busy", "20"], {})).toThrow(
      new UsageError("--pin-busy needs --radio sx1262"),
    );
  });

  it("lists every sx1262 flag with its variable in --help", () => {
    for (const f of [
      "--radio-board",
      "--spi-device",
      "--gpio-chip",
      "--pin-reset",
      "--pin-busy",
      "--pin-dio1",
      "--pin-rxen",
      "--pin-txen",
      "--tcxo",
      "--dio2-rf-switch",
    ]) {
      expect(START_HELP).toContain(f);
    }
    expect(START_HELP).toContain("OWTS_RADIO_BOARD");
  });
});

describe("owts start --radio sx1262 refuses bad wiring before opening anything", () => {
  it.each([
    [["--radio-board", "heltec-v9"], /^owts start: --radio-board: unknown board "heltec-v9"; known: /],
    [
      [
        "--spi-device",
        "/dev/spidev0.0",
        "--pin-reset",
        "18",
        "--pin-busy",
        "20",
        "--pin-dio1",
        "20",
        "--dio2-rf-switch",
        "on",
      ],
      /^owts start: --pin-dio1: GPIO 20 is already used by --pin-busy$/,
    ],
    [
      ["--radio-board", "waveshare-sx1262-hat", "--tcxo", "2.0"],
      /^owts start: --tcxo: the SX1262 supplies 1\.6, 1\.7/,
    ],
  ])(
    "%j → exit 2, one line",
    (argv, pattern) => {
      const dataDir = dir();
      const r = spawnSync(
        process.execPath,
        [
          CLI,
          "start",
          "--data-dir",
          dataDir,
          "--https-port",
          "0",
          "--http-port",
          "0",
          "--radio",
          "sx1262",
          ...argv,
        ],
        { encoding: "utf8", timeout: 30_000 },
      );
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(pattern);
      expect(readdirSync(dataDir)).toEqual([]);
    },
    60_000,
  );
});

describe("owts start --radio sx1262 on a machine without the radio", () => {
  it("keeps serving and says in /api/status why the radio is down", async () => {
    const dev = await startDevice([
      "--mode",
      "winch",
      "--id",
      "5a1262",
      "--radio",
      "sx1262",
      "--spi-device",
      "/dev/spidev7.3",
      "--pin-reset",
      "18",
      "--pin-busy",
      "20",
      "--pin-dio1",
      "16",
      "--dio2-rf-switch",
      "on",
    ]);
    try {
      const status = (await getJson(dev.httpsPort, "/api/status")) as { radio: { link: unknown } };
      expect(status.radio.link).toEqual({
        kind: "sx1262",
        state: "fault",
        reason: expect.stringMatching(/^\/dev\/spidev7\.3 does not exist; enable SPI/),
      });
      expect(dev.output()).toMatch(/sx1262 radio fault; retrying in the background/);
    } finally {
      await dev.stop();
    }
  }, 60_000);
});

describe("owts start --radio sx1262 against the chip model", () => {
  it("aircraft and winch units talk through two model chips behind the SPI/GPIO seam", async () => {
    const { startDeviceFromOptions } = await import("../../src/cli/device-from-options.js");
    const medium = new SimMedium({ fading_sigma_db: 0 });
    const chips = {
      aircraft: new Sx1262Model({
        medium,
        position: [0, 900, 250],
        tcxoVolts: 1.8,
        rfSwitch: "pins",
        paGainDb: 8,
      }),
      winch: new Sx1262Model({ medium, position: [0, 0, 2], tcxoVolts: 1.8, rfSwitch: "pins", paGainDb: 8 }),
    };
    const devices = [];
    try {
      for (const mode of ["winch", "aircraft"] as const) {
        const o = parseStartOptions(
          [
            "--mode",
            mode,
            "--data-dir",
            dir(),
            "--https-port",
            "0",
            "--http-port",
            "0",
            "--listen",
            "127.0.0.1",
            "--no-mdns",
            "--radio",
            "sx1262",
            "--radio-board",
            "meshadv-pi-e22-900m30s",
          ],
          {},
        );
        if (o.help) throw new Error("help");
        devices.push(await startDeviceFromOptions(o, { openSx1262Hal: async () => chips[mode].hal() }));
      }
      const [winch, aircraft] = devices;
      const end = performance.now() + 20_000;
      let received = 0;
      while (performance.now() < end) {
        const s = (await getJson(winch!.ports.https, "/api/status")) as {
          radio: { received: number; link: unknown };
        };
        received = s.radio.received;
        if (received >= 3) {
          expect(s.radio.link).toEqual({ kind: "sx1262", state: "ok" });
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(received).toBeGreaterThanOrEqual(3);
      const radio = (await getJson(aircraft!.ports.https, "/api/radio")) as { lbt: unknown };
      expect(radio.lbt).toEqual({ deferred: 0, dropped: 0 });
      expect(chips.aircraft.txAirtimes.length).toBeGreaterThanOrEqual(3);
      expect(chips.aircraft.lastTxOutputDbm).toBe(6); // 14 dBm e.r.p. (default) − 8 dB PA
      expect([...chips.aircraft.violations, ...chips.winch.violations]).toEqual([]);
    } finally {
      for (const d of devices) await d.stop();
    }
  }, 60_000);
});
