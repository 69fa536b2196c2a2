/**
 * The seam between the SX1262 driver and the board: one SPI port and a few GPIO lines. The Linux
 * implementation (`linux-hal.ts`) sits behind it on a real board; the chip model in the tests sits
 * behind it everywhere else, so the driver cannot tell the two apart.
 */

/** A full-duplex SPI transfer with the chip selected for its whole length. */
export interface SpiPort {
  /** Clocks `tx` out and returns the bytes clocked in meanwhile (same length). Rejects on a bus error. */
  transfer(tx: Uint8Array): Promise<Uint8Array>;
}

export interface GpioInput {
  read(): 0 | 1;
  /** Resolves true once the line reads `level`, false if `timeout_ms` passes first. Never rejects. */
  waitFor(level: 0 | 1, timeout_ms: number): Promise<boolean>;
}

export interface GpioOutput {
  write(level: 0 | 1): void;
}

export interface Sx1262Pins {
  /** NRESET, active low. */
  reset: GpioOutput;
  /** BUSY: high while the chip cannot take a command. */
  busy: GpioInput;
  /** DIO1: the IRQ line the driver maps its interrupts to. */
  dio1: GpioInput;
  /** External RF switch, receive path (modules without DIO2 switching). */
  rxen?: GpioOutput;
  /** External RF switch, transmit path. */
  txen?: GpioOutput;
}

export interface Sx1262Hal {
  spi: SpiPort;
  pins: Sx1262Pins;
  /** Frees the SPI device and GPIO lines. */
  close(): Promise<void>;
}

/** Opens the board's SPI port and lines; rejects with a plain-words reason when it cannot. */
export type OpenSx1262Hal = () => Promise<Sx1262Hal>;
