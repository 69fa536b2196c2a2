import { openI2c } from "../hw/i2c.js";
import type { MonoCanvas } from "./mono-canvas.js";

/**
 * SSD1306 / SH1106 128×64 OLED controller over I2C, from the two datasheets.
 *
 * Every I2C write starts with a control byte: 0x00 = the rest are commands, 0x40 = the rest are
 * display-RAM data (Co = 0, D/C# = 0 or 1). RAM is 8 pages of 8 rows; one data byte is one column
 * of one page, bit 0 on top. The SSD1306 can open a column/page window (0x21/0x22) in horizontal
 * addressing mode; the SH1106 knows only page addressing and has 132 columns of which the panel
 * shows 2…129, hence the column offset.
 */

/** The slice of `i2c-bus`'s PromisifiedBus the OLED needs; the chip model in tests implements it. */
export interface I2cWriteBus {
  i2cWrite(
    address: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesWritten: number; buffer: Buffer }>;
  close(): Promise<void>;
}

export type OledController = "ssd1306" | "sh1106";
export const OLED_CONTROLLERS: readonly OledController[] = ["ssd1306", "sh1106"];

/** 7-bit addresses a device may use: 0x00–0x02 and 0x78–0x7F are reserved by the I2C spec. */
export const I2C_ADDRESS_MIN = 0x03;
export const I2C_ADDRESS_MAX = 0x77;

export const CMD = {
  displayOff: 0xae,
  displayOn: 0xaf,
  contrast: 0x81,
  addressingMode: 0x20,
  columnWindow: 0x21,
  pageWindow: 0x22,
  pageStart: 0xb0,
  lowColumn: 0x00,
  highColumn: 0x10,
  startLine: 0x40,
  segmentRemap: 0xa1,
  segmentNormal: 0xa0,
  comScanReversed: 0xc8,
  comScanNormal: 0xc0,
  multiplex: 0xa8,
  displayOffset: 0xd3,
  clockDivide: 0xd5,
  precharge: 0xd9,
  comPins: 0xda,
  vcomDeselect: 0xdb,
  chargePump: 0x8d,
  sh1106DcDc: 0xad,
  stopScroll: 0x2e,
  resumeRam: 0xa4,
  normalDisplay: 0xa6,
} as const;

export const ADDRESSING = { horizontal: 0, vertical: 1, page: 2 } as const;

const CONTROL_COMMANDS = 0x00;
const CONTROL_DATA = 0x40;

export interface OledOptions {
  /** Linux I2C bus number (/dev/i2c-N). @default 1 */
  bus?: number;
  /** 7-bit address, 0x03–0x77. @default 0x3c */
  address?: number;
  /** @default "ssd1306" */
  controller?: OledController;
  /** 0–255. @default 0xcf */
  contrast?: number;
  /** Mounted upside down: flip both axes. @default false */
  rotate180?: boolean;
  /** Opens the bus; default loads the optional `i2c-bus` package. */
  openBus?: (busNumber: number) => Promise<I2cWriteBus>;
}

export interface Oled {
  readonly controller: OledController;
  readonly address: number;
  /** Opens the bus and runs the init sequence; the next draw sends the whole screen. */
  open(): Promise<void>;
  /** Sends the pages (and within them the columns) that differ from what the RAM holds; returns data bytes sent. */
  draw(canvas: MonoCanvas): Promise<number>;
  setContrast(value: number): Promise<void>;
  setOn(on: boolean): Promise<void>;
  close(): Promise<void>;
}

/** The init sequence for a 128×64 panel with the controller's own charge pump / DC-DC. */
export function initSequence(controller: OledController, contrast: number, rotate180: boolean): number[] {
  const orient = rotate180 ? [CMD.segmentNormal, CMD.comScanNormal] : [CMD.segmentRemap, CMD.comScanReversed];
  const common = [
    CMD.displayOff,
    CMD.clockDivide,
    0x80,
    CMD.multiplex,
    63,
    CMD.displayOffset,
    0,
    CMD.startLine | 0,
  ];
  const tail = [CMD.contrast, contrast, CMD.resumeRam, CMD.normalDisplay, CMD.displayOn];
  if (controller === "sh1106")
    return [
      ...common,
      CMD.sh1106DcDc,
      0x8b,
      ...orient,
      CMD.comPins,
      0x12,
      CMD.precharge,
      0x22,
      CMD.vcomDeselect,
      0x35,
      ...tail,
    ];
  return [
    ...common,
    CMD.chargePump,
    0x14,
    CMD.addressingMode,
    ADDRESSING.horizontal,
    ...orient,
    CMD.comPins,
    0x12,
    CMD.precharge,
    0xf1,
    CMD.vcomDeselect,
    0x40,
    CMD.stopScroll,
    ...tail,
  ];
}

/** The column range [first, last] where two pages differ, or null when they are equal. */
function changedColumns(
  next: Uint8Array,
  shown: Uint8Array | null,
  start: number,
  width: number,
): [number, number] | null {
  let first = -1;
  let last = -1;
  for (let x = 0; x < width; x++) {
    if (shown && shown[start + x] === next[start + x]) continue;
    if (first < 0) first = x;
    last = x;
  }
  return first < 0 ? null : [first, last];
}

export function createOled(opts: OledOptions = {}): Oled {
  const busNumber = opts.bus ?? 1;
  const address = opts.address ?? 0x3c;
  const controller = opts.controller ?? "ssd1306";
  let contrast = opts.contrast ?? 0xcf;
  const rotate180 = opts.rotate180 ?? false;
  const openBus = opts.openBus ?? openI2cWriteBus;
  if (!Number.isInteger(address) || address < I2C_ADDRESS_MIN || address > I2C_ADDRESS_MAX)
    throw new RangeError(`OLED I2C address must be 0x03–0x77, got ${String(address)}`);
  if (!Number.isInteger(contrast) || contrast < 0 || contrast > 255)
    throw new RangeError(`OLED contrast must be 0–255, got ${String(contrast)}`);
  let bus: I2cWriteBus | undefined;
  /** What the controller's RAM holds, per page once written; after init the RAM content is undefined. */
  const shown = new Uint8Array(1024);
  const pageKnown: boolean[] = new Array(8).fill(false);

  async function write(control: number, bytes: ArrayLike<number>): Promise<void> {
    if (!bus) throw new Error("OLED is not open");
    const buf = Buffer.alloc(bytes.length + 1);
    buf[0] = control;
    buf.set(bytes as ArrayLike<number>, 1);
    const { bytesWritten } = await bus.i2cWrite(address, buf.length, buf);
    if (bytesWritten !== buf.length)
      throw new Error(`I2C short write to 0x${address.toString(16)}: ${bytesWritten} of ${buf.length} bytes`);
  }
  const commands = (...bytes: number[]) => write(CONTROL_COMMANDS, bytes);

  return {
    controller,
    address,
    async open() {
      if (bus) return;
      bus = await openBus(busNumber);
      try {
        await commands(...initSequence(controller, contrast, rotate180));
      } catch (err) {
        const b = bus;
        bus = undefined;
        await b.close().catch(() => {});
        throw err;
      }
      pageKnown.fill(false);
    },
    async draw(canvas) {
      if (canvas.width !== 128 || canvas.height !== 64)
        throw new RangeError(`OLED canvas must be 128×64, got ${canvas.width}×${canvas.height}`);
      let sent = 0;
      for (let page = 0; page < 8; page++) {
        const start = page * 128;
        const range = changedColumns(canvas.bytes, pageKnown[page] ? shown : null, start, 128);
        if (!range) continue;
        const [c0, c1] = range;
        if (controller === "ssd1306") {
          await commands(CMD.columnWindow, c0, c1, CMD.pageWindow, page, page);
        } else {
          const col = c0 + 2;
          await commands(CMD.pageStart | page, CMD.lowColumn | (col & 0x0f), CMD.highColumn | (col >> 4));
        }
        await write(CONTROL_DATA, canvas.bytes.subarray(start + c0, start + c1 + 1));
        sent += c1 - c0 + 1;
        // Marked as shown only once written: a failed write leaves the page to be sent again.
        shown.set(canvas.bytes.subarray(start + c0, start + c1 + 1), start + c0);
        pageKnown[page] = true;
      }
      return sent;
    },
    async setContrast(value) {
      if (!Number.isInteger(value) || value < 0 || value > 255)
        throw new RangeError(`OLED contrast must be 0–255, got ${String(value)}`);
      contrast = value;
      await commands(CMD.contrast, value);
    },
    async setOn(on) {
      await commands(on ? CMD.displayOn : CMD.displayOff);
    },
    async close() {
      const b = bus;
      if (!b) return;
      try {
        await commands(CMD.displayOff).catch(() => {});
      } finally {
        bus = undefined;
        pageKnown.fill(false);
        await b.close();
      }
    },
  };
}

/** Loads `i2c-bus` only when the OLED display is asked for. */
export function openI2cWriteBus(busNumber: number): Promise<I2cWriteBus> {
  return openI2c<I2cWriteBus>(busNumber, "the OLED display");
}
