import type { I2cWriteBus, OledController } from "../../src/display/ssd1306.js";

/**
 * An SSD1306 (or SH1106) 128×64 on an I2C bus, from the datasheets — hardware we do not have.
 * It interprets the byte stream the driver writes: control bytes (Co, D/C#), the fundamental,
 * addressing, hardware-configuration and timing commands with their argument bytes, and data
 * written into display RAM through the addressing mode in force (horizontal / vertical with the
 * 0x21/0x22 column and page windows, or page mode with 0xB0 and the 0x00/0x10 column nibbles).
 * `panel()` is what the glass shows: nothing while the display is off or its charge pump (SH1106:
 * DC-DC) is off, RAM mapped through segment remap and COM scan direction, inversion applied.
 */

/** Argument bytes each multi-byte command takes (SSD1306 datasheet §9, SH1106 §9). */
const ARGS_SSD1306: Record<number, number> = {
  129: 1,
  32: 1,
  33: 2,
  34: 2,
  168: 1,
  211: 1,
  213: 1,
  217: 1,
  218: 1,
  219: 1,
  141: 1,
};
const ARGS_SH1106: Record<number, number> = {
  129: 1,
  168: 1,
  211: 1,
  213: 1,
  217: 1,
  218: 1,
  219: 1,
  173: 1,
};

export interface ModelState {
  on: boolean;
  contrast: number;
  mode: "horizontal" | "vertical" | "page";
  segmentRemap: boolean;
  comReversed: boolean;
  inverted: boolean;
  entireOn: boolean;
  chargePump: boolean;
  multiplex: number;
  comPins: number;
  startLine: number;
  offset: number;
}

export class Ssd1306Model implements I2cWriteBus {
  readonly ramColumns: number;
  readonly ram: Uint8Array;
  readonly state: ModelState;
  /** Every write as received, for tests that count bus traffic. */
  readonly writes: Buffer[] = [];
  /** Bytes of display RAM written since `resetCounters()`. */
  dataBytes = 0;
  /** Anything the datasheet does not define; a correct driver leaves this empty. */
  readonly problems: string[] = [];
  /** Make the next writes fail as a vanished device does (EREMOTEIO / ENXIO). */
  fail: string | null = null;
  closed = false;
  private col = 0;
  private page = 0;
  private colStart = 0;
  private colEnd = 127;
  private pageStart = 0;
  private pageEnd = 7;
  private pending: number[] = [];

  constructor(
    readonly address = 0x3c,
    readonly controller: OledController = "ssd1306",
  ) {
    this.ramColumns = controller === "sh1106" ? 132 : 128;
    this.ram = new Uint8Array(this.ramColumns * 8);
    // RAM content after power-up is undefined; fill it with a pattern so "never written" shows.
    for (let i = 0; i < this.ram.length; i++) this.ram[i] = i % 3 === 0 ? 0xa5 : 0x5a;
    this.state = {
      on: false,
      contrast: 0x7f,
      mode: "page", // the reset default of both controllers
      segmentRemap: false,
      comReversed: false,
      inverted: false,
      entireOn: false,
      chargePump: false,
      multiplex: 63,
      comPins: 0x12,
      startLine: 0,
      offset: 0,
    };
    this.colEnd = this.ramColumns - 1;
  }

  resetCounters(): void {
    this.dataBytes = 0;
    this.writes.length = 0;
  }

  async i2cWrite(
    address: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesWritten: number; buffer: Buffer }> {
    if (this.closed) throw new Error("bus closed");
    if (this.fail) throw new Error(this.fail);
    if (address !== this.address) throw new Error(`Remote I/O error (no ACK from 0x${address.toString(16)})`);
    const bytes = Buffer.from(buffer.subarray(0, length));
    this.writes.push(bytes);
    this.transaction(bytes);
    return { bytesWritten: length, buffer };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** A new bus handle onto the same chip (what re-opening /dev/i2c-N gives). */
  reopen(): this {
    this.closed = false;
    return this;
  }

  private transaction(bytes: Buffer): void {
    let i = 0;
    while (i < bytes.length) {
      const control = bytes[i++]!;
      const co = (control & 0x80) !== 0;
      const dc = (control & 0x40) !== 0;
      if ((control & 0x3f) !== 0)
        this.problems.push(`control byte 0x${control.toString(16)} has low bits set`);
      if (co) {
        // Co = 1: exactly one byte follows, then another control byte.
        if (i >= bytes.length) break;
        const b = bytes[i++]!;
        if (dc) this.data(b);
        else this.commandByte(b);
      } else {
        for (; i < bytes.length; i++) {
          if (dc) this.data(bytes[i]!);
          else this.commandByte(bytes[i]!);
        }
      }
    }
  }

  private commandByte(b: number): void {
    if (this.pending.length > 0) {
      this.pending.push(b);
    } else {
      this.pending = [b];
    }
    const args = (this.controller === "sh1106" ? ARGS_SH1106 : ARGS_SSD1306)[this.pending[0]!] ?? 0;
    if (this.pending.length < args + 1) return;
    const cmd = this.pending;
    this.pending = [];
    this.execute(cmd[0]!, cmd.slice(1));
  }

  private execute(op: number, a: number[]): void {
    const s = this.state;
    const sh = this.controller === "sh1106";
    if (op === 0xae || op === 0xaf) s.on = op === 0xaf;
    else if (op === 0x81) s.contrast = a[0]!;
    else if (op === 0xa4 || op === 0xa5) s.entireOn = op === 0xa5;
    else if (op === 0xa6 || op === 0xa7) s.inverted = op === 0xa7;
    else if (op === 0xa0 || op === 0xa1) s.segmentRemap = op === 0xa1;
    else if (op === 0xc0 || op === 0xc8) s.comReversed = op === 0xc8;
    else if (op >= 0x40 && op <= 0x7f) s.startLine = op & 0x3f;
    else if (op === 0xa8) s.multiplex = a[0]! & 0x3f;
    else if (op === 0xd3) s.offset = a[0]! & 0x3f;
    else if (op === 0xda) s.comPins = a[0]!;
    else if (op === 0xd5 || op === 0xd9 || op === 0xdb) {
      /* timing and voltage: no effect on the picture */
    } else if (!sh && op === 0x8d) s.chargePump = (a[0]! & 0x04) !== 0;
    else if (sh && op === 0xad) s.chargePump = (a[0]! & 0x01) !== 0;
    else if (!sh && op === 0x2e) {
      /* deactivate scroll */
    } else if (!sh && op === 0x20) {
      const m = a[0]! & 0x03;
      if (m === 3) this.problems.push("addressing mode 3 is invalid");
      s.mode = m === 0 ? "horizontal" : m === 1 ? "vertical" : "page";
    } else if (!sh && op === 0x21) {
      this.colStart = a[0]! & 0x7f;
      this.colEnd = a[1]! & 0x7f;
      this.col = this.colStart;
      if (s.mode === "page") this.problems.push("0x21 column window has no effect in page mode");
    } else if (!sh && op === 0x22) {
      this.pageStart = a[0]! & 0x07;
      this.pageEnd = a[1]! & 0x07;
      this.page = this.pageStart;
      if (s.mode === "page") this.problems.push("0x22 page window has no effect in page mode");
    } else if (op >= 0xb0 && op <= 0xb7) {
      if (!sh && s.mode !== "page") this.problems.push("0xB0 page start is for page mode only");
      this.page = op & 0x07;
    } else if (op <= 0x0f) {
      this.col = (this.col & 0xf0) | op;
      this.colStart = this.col;
    } else if (op >= 0x10 && op <= 0x1f) {
      this.col = ((op & 0x0f) << 4) | (this.col & 0x0f);
      this.colStart = this.col;
    } else this.problems.push(`unknown command 0x${op.toString(16)}`);
  }

  private data(b: number): void {
    this.dataBytes++;
    if (this.col < this.ramColumns) this.ram[this.page * this.ramColumns + this.col] = b;
    const s = this.state;
    if (s.mode === "page") {
      // Page mode: the column moves on, the page stays (SH1106: the column stops at the end).
      if (this.col < this.ramColumns - 1) this.col++;
      else if (this.controller === "ssd1306") this.col = this.colStart;
      return;
    }
    if (s.mode === "horizontal") {
      if (this.col < this.colEnd) this.col++;
      else {
        this.col = this.colStart;
        this.page = this.page < this.pageEnd ? this.page + 1 : this.pageStart;
      }
      return;
    }
    if (this.page < this.pageEnd) this.page++;
    else {
      this.page = this.pageStart;
      this.col = this.col < this.colEnd ? this.col + 1 : this.colStart;
    }
  }

  private ramPixel(col: number, row: number): boolean {
    if (col < 0 || col >= this.ramColumns) return false;
    return ((this.ram[(row >> 3) * this.ramColumns + col]! >> (row & 7)) & 1) === 1;
  }

  /**
   * The 128×64 picture as seen, 1 = lit. The module's glass is mounted rotated against the
   * controller (as on the common boards), so A1 + C8 show RAM upright; A0 + C0 show it rotated.
   */
  panel(): Uint8Array {
    const s = this.state;
    const out = new Uint8Array(128 * 64);
    if (!s.on || !s.chargePump) return out;
    const offsetCols = (this.ramColumns - 128) / 2;
    for (let y = 0; y < 64; y++) {
      const com = 63 - y;
      // COM line → RAM row: the scan direction, the display offset and the start line.
      const scanned = s.comReversed ? 63 - com : com;
      const row = (scanned + s.offset + s.startLine) & 63;
      for (let x = 0; x < 128; x++) {
        const seg = this.ramColumns - 1 - (x + offsetCols);
        const col = s.segmentRemap ? this.ramColumns - 1 - seg : seg;
        let lit = s.entireOn || this.ramPixel(col, row);
        if (s.inverted) lit = !lit;
        out[y * 128 + x] = lit ? 1 : 0;
      }
    }
    return out;
  }

  /** The panel as 8-bit grey (lit pixels brighter with higher contrast), for a PNG. */
  grey(): Uint8Array {
    const p = this.panel();
    const lit = 60 + Math.round((this.state.contrast * 195) / 255);
    return p.map((v) => (v ? lit : 0));
  }
}
