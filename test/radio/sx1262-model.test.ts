import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { CMD_STATUS, cmd, decodeStatus, IRQ, OP } from "../../src/radio/sx1262/commands.js";
import { Sx1262Driver } from "../../src/radio/sx1262/driver.js";
import { MODEL_BUSY_MS, Sx1262Model } from "./sx1262-model.js";

/** Talks to the model as a careful host would: BUSY low first, then one transfer. */
async function send(m: Sx1262Model, bytes: number[]): Promise<Uint8Array> {
  const hal = m.hal();
  expect(await hal.pins.busy.waitFor(0, 100)).toBe(true);
  return hal.spi.transfer(Uint8Array.from(bytes));
}

async function lastCommandStatus(m: Sx1262Model): Promise<number> {
  const rx = await send(m, [OP.GET_STATUS, 0]);
  return decodeStatus(rx[1]!).command;
}

async function freshChip(): Promise<Sx1262Model> {
  const m = new Sx1262Model();
  const { reset } = m.hal().pins;
  reset.write(0);
  reset.write(1);
  return m;
}

describe("SX1262 chip model (datasheet behaviour)", () => {
  it("holds BUSY high through reset (about 3.5 ms) and loses a command sent meanwhile", async () => {
    const clock = new ManualClock();
    const m = new Sx1262Model({ clock });
    const hal = m.hal();
    hal.pins.reset.write(0);
    expect(hal.pins.busy.read()).toBe(1);
    clock.advance(10);
    expect(hal.pins.busy.read()).toBe(1); // held in reset
    hal.pins.reset.write(1);
    await hal.spi.transfer(Uint8Array.from(cmd.setStandby(0)));
    expect(m.violations).toEqual(["command 0x80 sent while BUSY was high"]);
    const ready = hal.pins.busy.waitFor(0, 100);
    clock.advance(MODEL_BUSY_MS.reset - 0.1);
    expect(hal.pins.busy.read()).toBe(1);
    clock.advance(0.2);
    expect(hal.pins.busy.read()).toBe(0);
    expect(await ready).toBe(true);
  });

  it("reports the mode in the status byte: STDBY_RC after reset, STDBY_XOSC, RX", async () => {
    const m = await freshChip();
    const st = async () => decodeStatus((await send(m, [OP.GET_STATUS, 0]))[1]!).mode;
    expect(await st()).toBe(2);
    await send(m, cmd.setStandby(1));
    expect(await st()).toBe(3);
  });

  it("refuses a frequency outside the image-calibrated band (902–928 MHz from reset)", async () => {
    const m = await freshChip();
    await send(m, cmd.setRfFrequency(869_525_000));
    expect(await lastCommandStatus(m)).toBe(CMD_STATUS.PROCESSING_ERROR);
    expect(m.violations[0]).toMatch(/869\.525 MHz is outside the image-calibrated band 902–928 MHz/);
    expect(m.rfWord).toBe(0);
    await send(m, cmd.calibrateImage(0xd7, 0xdb));
    await send(m, cmd.setRfFrequency(869_525_000));
    expect(await lastCommandStatus(m)).toBe(0);
    await send(m, cmd.setRfFrequency(915_000_000));
    expect(m.violations[1]).toMatch(/915\.000 MHz is outside the image-calibrated band 863–870 MHz/);
  });

  it("refuses TX power the PA configuration does not allow", async () => {
    const m = await freshChip();
    await send(m, cmd.setTxParams(14, 4));
    expect(m.violations.at(-1)).toBe("SetTxParams before SetPaConfig");
    await send(m, cmd.setPaConfig(0x05, 0x07));
    expect(m.violations.at(-1)).toMatch(/paDutyCycle 0x5 exceeds 0x04/);
    await send(m, cmd.setPaConfig(0x04, 0x08));
    expect(m.violations.at(-1)).toMatch(/hpMax 0x8 exceeds 0x07/);
    await send(m, cmd.setPaConfig(0x02, 0x02));
    await send(m, cmd.setTxParams(23, 4));
    expect(m.violations.at(-1)).toMatch(/power 23 dBm is outside -9..22/);
    await send(m, cmd.setTxParams(22, 4));
    expect(m.txPower).toBe(22);
    expect(m.violations).toHaveLength(4);
  });

  it("checks parameter lengths and refuses opcodes it does not know", async () => {
    const m = await freshChip();
    await send(m, [OP.SET_RF_FREQUENCY, 0x36, 0x40]);
    expect(m.violations.at(-1)).toBe("command 0x86 needs 4 parameter bytes, got 2");
    await send(m, [0x42]);
    expect(m.violations.at(-1)).toMatch(/opcode 0x42 is not one OWTS uses/);
  });

  it("refuses to transmit before the radio is configured or without RF-switch control", async () => {
    const m = await freshChip();
    await send(m, cmd.setTx(100));
    expect(m.violations.at(-1)).toMatch(/SetTx before the radio was configured \(no frequency/);
    await send(m, cmd.calibrateImage(0xd7, 0xdb));
    await send(m, cmd.setPacketType(0));
    await send(m, cmd.setRfFrequency(869_525_000));
    await send(m, cmd.setPaConfig(2, 2));
    await send(m, cmd.setTxParams(22, 4));
    await send(m, [0x8b, 0x00, 0x50, 0x00, 0x09, 0x0b, 0x00, 0x66, 0x66]);
    await send(m, [0x8c, 0x00, 0x20, 0x05, 0x20, 0x00, 0x01, 4, 0x06, 0x01]);
    await send(m, cmd.setTx(100));
    expect(m.violations.at(-1)).toMatch(/DIO2 does not drive the RF switch/);
    await send(m, cmd.setDio2AsRfSwitchCtrl(true));
    await send(m, cmd.setDioIrqParams(IRQ.TX_DONE, IRQ.TX_DONE, 0, 0));
    await send(m, cmd.writeBuffer(0, [1, 2, 3, 4]));
    await send(m, cmd.setTx(100));
    expect(m.mode).toBe("tx");
    expect(m.txAirtimes[0]).toBeCloseTo(((32 + 8 * (4 + 1 + 4 + 2)) / 50_000) * 1000, 9);
    expect(await m.hal().pins.dio1.waitFor(1, 100)).toBe(true);
    expect(m.mode).toBe("stby_rc");
  });

  it("the driver turns a refused command into a named error", async () => {
    const m = await freshChip();
    const d = new Sx1262Driver(m.hal());
    await d.exec(cmd.setStandby(0));
    // No image calibration for 863–870 MHz yet: the chip refuses the frequency.
    await expect(
      d.configure({ frequency_hz: 869_525_000, modem: "gfsk", chip_power_dbm: 14 }),
    ).rejects.toThrow("the SX1262 refused as invalid the command SetRfFrequency");
  });
});
