import { describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { SX1262_BOARDS } from "../../src/radio/sx1262/boards.js";
import { openSx1262Link, resolveSx1262Config } from "../../src/radio/sx1262/config.js";
import { Sx1262Model } from "./sx1262-model.js";

const manual = {
  spi_device: "/dev/spidev0.0",
  pin_reset: "18",
  pin_busy: "20",
  pin_dio1: "16",
  dio2_rf_switch: "on",
};

describe("SX1262 wiring configuration", () => {
  it("a board preset gives the whole wiring; explicit values win", () => {
    const r = resolveSx1262Config({ board: "meshadv-pi-e22-900m30s" });
    expect(r).toEqual({
      ok: true,
      config: {
        board: "meshadv-pi-e22-900m30s",
        spi_device: "/dev/spidev0.0",
        gpio_chip: 0,
        pins: { reset: 18, busy: 20, dio1: 16, rxen: 12, txen: 13, cs: 21, hold_high: [] },
        tcxo_volts: 1.8,
        dio2_rf_switch: false,
        external_pa_gain_db: 8,
      },
    });
    const o = resolveSx1262Config({
      board: "waveshare-sx1262-hat",
      gpio_chip: "gpiochip4",
      spi_device: "/dev/spidev0.1",
    });
    expect(o.ok && o.config).toMatchObject({
      gpio_chip: "gpiochip4",
      spi_device: "/dev/spidev0.1",
      tcxo_volts: 0,
    });
    expect(SX1262_BOARDS.length).toBeGreaterThanOrEqual(2);
  });

  it("explicit pins without a board", () => {
    const r = resolveSx1262Config({ ...manual, tcxo: "3.3" });
    expect(r.ok && r.config).toMatchObject({
      pins: { reset: 18, busy: 20, dio1: 16 },
      tcxo_volts: 3.3,
      dio2_rf_switch: true,
    });
  });

  it.each([
    [
      { board: "heltec-v9" },
      /^--radio-board: unknown board "heltec-v9"; known: waveshare-sx1262-hat, meshadv-pi-e22-900m30s$/,
    ],
    [{ ...manual, pin_dio1: "20" }, /^--pin-dio1: GPIO 20 is already used by --pin-busy$/],
    [
      { board: "waveshare-sx1262-hat", pin_busy: "6" },
      /^waveshare-sx1262-hat antenna-switch supply: GPIO 6 is already used by --pin-busy$/,
    ],
    [
      { ...manual, tcxo: "2.0" },
      /^--tcxo: the SX1262 supplies 1\.6, 1\.7, 1\.8, 2\.2, 2\.4, 2\.7, 3\.0, 3\.3 V on DIO3/,
    ],
    [{ ...manual, tcxo: "" }, /^--tcxo:/],
    [{ ...manual, spi_device: "/dev/i2c-1" }, /^--spi-device: must look like \/dev\/spidevB\.C/],
    [{ ...manual, pin_reset: "GPIO18" }, /^--pin-reset: must be a GPIO line number/],
    [{ ...manual, pin_rxen: "5" }, /^--pin-rxen\/--pin-txen: an external RF switch needs both$/],
    [{ ...manual, dio2_rf_switch: "maybe" }, /^--dio2-rf-switch: must be on or off/],
    [{ ...manual, dio2_rf_switch: "off" }, /^--dio2-rf-switch: a module needs an RF switch driver/],
    [{ spi_device: "/dev/spidev0.0" }, /^--pin-reset: needed with --radio sx1262/],
    [{}, /^--spi-device: needed/],
    [{ ...manual, gpio_chip: "/sys/class/gpio" }, /^--gpio-chip: must be a number or gpiochipN/],
    [{ ...manual, pa_gain_db: "-3" }, /^--pa-gain-db: must be 0\.\.20 dB/],
  ])("refuses %o with one line", (input, message) => {
    const r = resolveSx1262Config(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error).not.toMatch(/\n/);
    }
  });

  it("opens through the injected seam: a board preset drives the model chip", async () => {
    const r = resolveSx1262Config({ board: "meshadv-pi-e22-900m30s" });
    if (!r.ok) throw new Error(r.error);
    const model = new Sx1262Model({ tcxoVolts: 1.8, rfSwitch: "pins", paGainDb: 8 });
    const { logger } = createDeviceLogger({ destination: null });
    const link = await openSx1262Link(r.config, { logger, openHal: async () => model.hal() });
    try {
      expect(link.health()).toEqual({ state: "ok", faults: 0 });
      link.tune({ frequency_hz: 869_525_000, modem: "lora" });
      const f = Uint8Array.from([3, 1, 2, 3]);
      expect(
        await link.send(f, { frequency_hz: 869_525_000, modem: "lora", tx_power_dbm: 27, airtime_ms: 30 }),
      ).toEqual({ ok: true });
      expect(model.lastTxOutputDbm).toBe(19); // 27 dBm e.r.p. − 8 dB PA
      expect(model.rxen.level).toBe(1); // back on the receive path
      expect(model.violations).toEqual([]);
    } finally {
      await link.close();
    }
  });
});
