import { encodeMs4525Frame, type I2cBus } from "../../src/sensors/ms4525do.js";

/** What the fake part answers to one read. */
export type FakeAnswer =
  | { status?: number; pressureCounts: number; temperatureCounts?: number }
  | { throw: string }
  | { shortRead: number }
  | { hang: true };

/**
 * Stands in for an MS4525DO on the bus (hardware we do not have): answers each 4-byte read with the
 * frame layout from the datasheet. `answer` decides per read; every call is recorded.
 */
export class FakeMs4525Bus implements I2cBus {
  readonly calls: { address: number; length: number }[] = [];
  closed = false;

  constructor(public answer: (n: number) => FakeAnswer) {}

  async i2cRead(
    address: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesRead: number; buffer: Buffer }> {
    const n = this.calls.length;
    this.calls.push({ address, length });
    const a = this.answer(n);
    if ("throw" in a) throw new Error(a.throw);
    if ("hang" in a) return new Promise(() => {});
    if ("shortRead" in a) return { bytesRead: a.shortRead, buffer };
    encodeMs4525Frame({
      status: a.status ?? 0,
      pressureCounts: a.pressureCounts,
      temperatureCounts: a.temperatureCounts ?? 1023,
    }).copy(buffer);
    return { bytesRead: 4, buffer };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Counts the ±1 psi type A part outputs for a differential pressure in Pa (inverse of the datasheet transfer function). */
export function countsForPa(pa: number): number {
  const psi = pa / 6894.757;
  return Math.round(((psi + 1) * (0.8 * 16383)) / 2 + 0.1 * 16383);
}
