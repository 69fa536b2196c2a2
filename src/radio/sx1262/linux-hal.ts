import { access, constants } from "node:fs/promises";
import type { GpioInput, GpioOutput, Sx1262Hal } from "./hal.js";

/**
 * The SX1262 seam on a Linux board: `/dev/spidevB.C` through the optional `spi-device` package and
 * the GPIO character device (`/dev/gpiochipN`, not the deprecated sysfs interface) through the
 * optional `node-libgpiod` package. Both are native add-ons loaded only when a real radio is asked
 * for, like `i2c-bus` for the airspeed sensor, so machines without them still run sim and udp.
 */
export interface LinuxHalOptions {
  /** e.g. "/dev/spidev0.0". */
  spiDevice: string;
  /** GPIO chip: a number N for /dev/gpiochipN, or a path or name ("/dev/gpiochip4", "gpiochip4"). */
  gpioChip: string | number;
  /** Line offsets on that chip. */
  pins: {
    reset: number;
    busy: number;
    dio1: number;
    rxen?: number;
    txen?: number;
    /** Chip select driven as a GPIO (HATs that wire NSS to a plain pin instead of CE0/CE1). */
    cs?: number;
    /** Lines held high while the radio is open (e.g. an antenna-switch supply). */
    holdHigh?: number[];
  };
  /**
   * SPI clock. The SX1262 takes up to 16 MHz; 2 MHz is safe over HAT connectors and jumper wires.
   * @default 2_000_000
   */
  spiSpeedHz?: number;
}

/** The slice of `spi-device` used here. */
interface SpiDeviceModule {
  open(
    bus: number,
    device: number,
    options: { mode: number; maxSpeedHz: number; noChipSelect?: boolean },
    cb: (err: Error | null) => void,
  ): SpiDevice;
}
interface SpiDevice {
  transfer(
    msgs: { sendBuffer: Buffer; receiveBuffer: Buffer; byteLength: number; speedHz: number }[],
    cb: (err: Error | null) => void,
  ): void;
  close(cb: (err: Error | null) => void): void;
}

/** The slice of `node-libgpiod` used here. */
interface GpiodModule {
  Chip: new (id: number | string) => unknown;
  Line: new (
    chip: unknown,
    offset: number,
  ) => {
    requestInputMode(consumer?: string): void;
    requestOutputMode(consumer?: string, defaultValue?: 0 | 1): void;
    getValue(): 0 | 1;
    setValue(v: 0 | 1): void;
    release(): void;
  };
}

/**
 * node-libgpiod 0.5 has no blocking edge-event call, so edges are found by reading the line every
 * millisecond. BUSY releases within microseconds of most commands and DIO1 rises at most a few
 * times a second here, so the millisecond this adds to a wait is well inside every timeout.
 */
const POLL_MS = 1;

async function loadOptional<T>(pkg: string, why: string): Promise<T> {
  try {
    const mod = (await import(pkg)) as T & { default?: T };
    return (mod.default ?? mod) as T;
  } catch (err) {
    throw new Error(
      `the sx1262 radio needs the optional package ${pkg} (${why}), which is not installed or did not build (${(err as Error).message}); on the board run "npm install ${pkg}"`,
    );
  }
}

/** "/dev/spidev0.1" → [0, 1]. */
export function parseSpiDevicePath(path: string): [bus: number, device: number] | null {
  const m = /^\/dev\/spidev(\d+)\.(\d+)$/.exec(path);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function chipId(chip: string | number): number | string {
  if (typeof chip === "number") return chip;
  return chip.replace(/^\/dev\//, "");
}

function chipPath(chip: string | number): string {
  const id = chipId(chip);
  return typeof id === "number" || /^\d+$/.test(id) ? `/dev/gpiochip${id}` : `/dev/${id}`;
}

async function mustExist(path: string, hint: string): Promise<void> {
  try {
    await access(path, constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what =
      code === "ENOENT"
        ? "does not exist"
        : code === "EACCES"
          ? "is not accessible to this user"
          : `cannot be opened (${code})`;
    throw new Error(`${path} ${what}; ${hint}`);
  }
}

/** Opens the SPI device and GPIO lines; rejects with a reason a person can act on. */
export async function openLinuxHal(opts: LinuxHalOptions): Promise<Sx1262Hal> {
  const spiAddr = parseSpiDevicePath(opts.spiDevice);
  if (!spiAddr) throw new Error(`SPI device must look like /dev/spidevB.C, got "${opts.spiDevice}"`);
  // Check the device files first: the libraries' own errors ("ENOENT, open") do not say what to do.
  await mustExist(
    opts.spiDevice,
    "enable SPI (Raspberry Pi: dtparam=spi=on in /boot/firmware/config.txt, then reboot) and check the bus and chip-select numbers; the user needs the spi group",
  );
  await mustExist(
    chipPath(opts.gpioChip),
    "check --gpio-chip (gpiodetect lists the chips); the user needs the gpio group",
  );
  const spiMod = await loadOptional<SpiDeviceModule>("spi-device", "SPI access");
  const gpiod = await loadOptional<GpiodModule>(
    "node-libgpiod",
    "GPIO character device; needs libgpiod-dev to build",
  );

  const chip = new gpiod.Chip(chipId(opts.gpioChip));
  const lines: { release(): void }[] = [];
  const consumer = "owts-sx1262";
  const output = (offset: number, initial: 0 | 1): GpioOutput => {
    const line = new gpiod.Line(chip, offset);
    line.requestOutputMode(consumer, initial);
    lines.push(line);
    return { write: (v) => line.setValue(v) };
  };
  const input = (offset: number): GpioInput => {
    const line = new gpiod.Line(chip, offset);
    line.requestInputMode(consumer);
    lines.push(line);
    // After close (or if the chip vanished) reading throws; a wait then simply fails, since it runs
    // in a timer where a throw would take the process down.
    const value = (): 0 | 1 | null => {
      try {
        return line.getValue();
      } catch {
        return null;
      }
    };
    return {
      read: () => line.getValue(),
      waitFor: (level, timeout_ms) =>
        new Promise((resolve) => {
          const deadline = performance.now() + timeout_ms;
          const check = () => {
            const v = value();
            if (v === null) return resolve(false);
            if (v === level) return resolve(true);
            if (performance.now() >= deadline) return resolve(false);
            setTimeout(check, POLL_MS);
          };
          check();
        }),
    };
  };
  const release = () => {
    for (const l of lines.splice(0)) {
      try {
        l.release();
      } catch {
        // Already gone with the process or the chip; nothing to undo.
      }
    }
  };

  let pins: Sx1262Hal["pins"];
  let cs: GpioOutput | undefined;
  try {
    pins = {
      reset: output(opts.pins.reset, 1),
      busy: input(opts.pins.busy),
      dio1: input(opts.pins.dio1),
      ...(opts.pins.rxen !== undefined ? { rxen: output(opts.pins.rxen, 0) } : {}),
      ...(opts.pins.txen !== undefined ? { txen: output(opts.pins.txen, 0) } : {}),
    };
    if (opts.pins.cs !== undefined) cs = output(opts.pins.cs, 1);
    for (const p of opts.pins.holdHigh ?? []) output(p, 1);
  } catch (err) {
    release();
    throw new Error(
      `cannot claim GPIO lines on ${chipPath(opts.gpioChip)}: ${(err as Error).message}; is another program (or a kernel driver) holding them?`,
    );
  }

  const speedHz = opts.spiSpeedHz ?? 2_000_000;
  const device = await new Promise<SpiDevice>((resolve, reject) => {
    const d = spiMod.open(
      spiAddr[0],
      spiAddr[1],
      { mode: 0, maxSpeedHz: speedHz, ...(cs ? { noChipSelect: true } : {}) },
      (err) => (err ? reject(new Error(`cannot open ${opts.spiDevice}: ${err.message}`)) : resolve(d)),
    );
  }).catch((err: Error) => {
    release();
    throw err;
  });

  return {
    spi: {
      transfer: (tx) =>
        new Promise((resolve, reject) => {
          const msg = {
            sendBuffer: Buffer.from(tx),
            receiveBuffer: Buffer.alloc(tx.length),
            byteLength: tx.length,
            speedHz,
          };
          cs?.write(0);
          device.transfer([msg], (err) => {
            cs?.write(1);
            if (err) reject(new Error(`SPI transfer on ${opts.spiDevice} failed: ${err.message}`));
            else resolve(new Uint8Array(msg.receiveBuffer));
          });
        }),
    },
    pins,
    close: async () => {
      await new Promise<void>((resolve) => device.close(() => resolve()));
      release();
    },
  };
}
