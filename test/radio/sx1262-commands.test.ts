import { describe, expect, it } from "vitest";
import { airtimeMs, GFSK_PRESET, LORA_PRESET } from "../../src/radio/modem.js";
import {
  bitrateWord,
  cmd,
  decodeStatus,
  describeDeviceErrors,
  encodeStatus,
  fdevWord,
  frequencyFromWord,
  HP_PA_TABLE,
  paOutputDbm,
  paSettingFor,
  rfFrequencyWord,
  rssiFromByte,
  snrFromByte,
  snrToByte,
} from "../../src/radio/sx1262/commands.js";
import { modulationBytes, packetBytes, tcxoVoltageCode } from "../../src/radio/sx1262/driver.js";

describe("SX1262 command encodings (datasheet formulas)", () => {
  it("RF frequency word is f · 2^25 / 32 MHz, big-endian in SetRfFrequency", () => {
    // Semtech's reference value: 868 MHz = 0x36400000.
    expect(rfFrequencyWord(868_000_000)).toBe(0x36400000);
    expect(cmd.setRfFrequency(868_000_000)).toEqual([0x86, 0x36, 0x40, 0x00, 0x00]);
    const exact = (869_525_000n * 2n ** 25n) / 32_000_000n; // floor; the remainder is 0.2 of a step
    expect(rfFrequencyWord(869_525_000)).toBe(Number(exact));
    // The PLL step is 32 MHz / 2^25 ≈ 0.954 Hz: the chip tunes within half a step.
    expect(Math.abs(frequencyFromWord(rfFrequencyWord(869_525_000)) - 869_525_000)).toBeLessThan(0.48);
  });

  it("GFSK modulation params: BR = 32·Fxtal/bitrate, Fdev = f·2^25/Fxtal, BT 0.5, 117.3 kHz", () => {
    expect(bitrateWord(50_000)).toBe(20_480);
    expect(fdevWord(25_000)).toBe(26_214); // 25 000 · 1.048576 = 26 214.4
    expect(modulationBytes("gfsk")).toEqual([0x8b, 0x00, 0x50, 0x00, 0x09, 0x0b, 0x00, 0x66, 0x66]);
  });

  it("LoRa modulation params: SF7, BW 125 kHz code 0x04, CR 4/5, LDRO off (1.024 ms symbols)", () => {
    expect(modulationBytes("lora")).toEqual([0x8b, 0x07, 0x04, 0x01, 0x00]);
  });

  it("GFSK packet params: 32-bit preamble, 16-bit detector, 32-bit sync, variable length, CRC-16 inverted, whitening", () => {
    expect(packetBytes("gfsk", 14)).toEqual([0x8c, 0x00, 0x20, 0x05, 0x20, 0x00, 0x01, 14, 0x06, 0x01]);
    // Variable length: the chip's length byte is the frame's own, so air time is what modem.ts counts.
    const frameBytes = 15;
    const bits = 32 + 8 * (4 + 1 + (frameBytes - 1) + 2);
    expect(airtimeMs(GFSK_PRESET, frameBytes)).toBeCloseTo((bits / 50_000) * 1000, 9);
  });

  it("LoRa packet params: 8-symbol preamble, explicit header, CRC on, standard IQ", () => {
    expect(packetBytes("lora", 35)).toEqual([0x8c, 0x00, 0x08, 0x00, 35, 0x01, 0x00]);
    expect(LORA_PRESET.preamble_symbols).toBe(8);
  });

  it("SX1262 PA table: optimal settings per power, SetTxParams lowered dB for dB below a row", () => {
    expect(HP_PA_TABLE.map((r) => [r.max_dbm, r.pa_duty_cycle, r.hp_max])).toEqual([
      [14, 0x02, 0x02],
      [17, 0x02, 0x03],
      [20, 0x03, 0x05],
      [22, 0x04, 0x07],
    ]);
    expect(paSettingFor(22)).toMatchObject({ pa_duty_cycle: 4, hp_max: 7, power: 22 });
    expect(paSettingFor(14)).toMatchObject({ pa_duty_cycle: 2, hp_max: 2, power: 22 });
    expect(paSettingFor(10)).toMatchObject({ pa_duty_cycle: 2, hp_max: 2, power: 18 });
    expect(paSettingFor(19)).toMatchObject({ pa_duty_cycle: 3, hp_max: 5, power: 21 });
    for (let dbm = -9; dbm <= 22; dbm++) {
      const s = paSettingFor(dbm);
      expect(paOutputDbm(s.pa_duty_cycle, s.hp_max, s.power)).toBe(dbm);
      expect(s.power).toBeGreaterThanOrEqual(-9);
      expect(s.power).toBeLessThanOrEqual(22);
    }
    expect(cmd.setPaConfig(0x04, 0x07)).toEqual([0x95, 0x04, 0x07, 0x00, 0x01]);
    expect(cmd.setTxParams(-9, 0x04)).toEqual([0x8e, 0xf7, 0x04]);
  });

  it("timers count 15.625 µs steps; continuous RX is 0xFFFFFF", () => {
    expect(cmd.setTx(1000)).toEqual([0x83, 0x00, 0xfa, 0x00]); // 64 000 steps
    expect(cmd.setRxContinuous()).toEqual([0x82, 0xff, 0xff, 0xff]);
    expect(cmd.setDio3AsTcxoCtrl(0x02, 5)).toEqual([0x97, 0x02, 0x00, 0x01, 0x40]); // 320 steps
  });

  it("TCXO voltages are only the eight the chip offers", () => {
    expect(tcxoVoltageCode(1.8)).toBe(0x02);
    expect(tcxoVoltageCode(3.3)).toBe(0x07);
    expect(tcxoVoltageCode(2.0)).toBeUndefined();
  });

  it("IRQ and image-calibration commands, status byte and level bytes", () => {
    expect(cmd.setDioIrqParams(0x03e3, 0x03e3, 0, 0)).toEqual([0x08, 0x03, 0xe3, 0x03, 0xe3, 0, 0, 0, 0]);
    expect(cmd.calibrateImage(0xd7, 0xdb)).toEqual([0x98, 0xd7, 0xdb]);
    expect(cmd.clearIrqStatus(0x03ff)).toEqual([0x02, 0x03, 0xff]);
    expect(decodeStatus(0x22)).toEqual({ mode: 2, command: 1 });
    expect(encodeStatus({ mode: 5, command: 2 })).toBe(0x54);
    expect(rssiFromByte(180)).toBe(-90);
    expect(snrFromByte(0xf6)).toBe(-2.5);
    expect(snrFromByte(snrToByte(7.25))).toBe(7.25);
    expect(describeDeviceErrors(0x60)).toBe("crystal oscillator (XOSC/TCXO) did not start, PLL did not lock");
  });
});
