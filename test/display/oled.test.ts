import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createCanvas, getPixel, type MonoCanvas } from "../../src/display/mono-canvas.js";
import { renderOled } from "../../src/display/oled-layout.js";
import { CMD, createOled, type OledController } from "../../src/display/ssd1306.js";
import { decodePng, encodePng, greyToRgb, writeArtifact } from "./png.js";
import { live, SCREENS, STALE } from "./screens.js";
import { Ssd1306Model } from "./ssd1306-model.js";

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "oled");

async function rig(controller: OledController = "ssd1306", rotate180 = false) {
  const chip = new Ssd1306Model(0x3c, controller);
  const oled = createOled({ controller, rotate180, openBus: async () => chip.reopen() });
  await oled.open();
  return { chip, oled };
}

function canvasBits(c: MonoCanvas): Uint8Array {
  const out = new Uint8Array(c.width * c.height);
  for (let y = 0; y < c.height; y++)
    for (let x = 0; x < c.width; x++) out[y * c.width + x] = getPixel(c, x, y) ? 1 : 0;
  return out;
}

function asText(bits: Uint8Array): string {
  const rows: string[] = [];
  for (let y = 0; y < 64; y++)
    rows.push([...bits.subarray(y * 128, y * 128 + 128)].map((b) => (b ? "#" : ".")).join(""));
  return `${rows.join("\n")}\n`;
}

/** Lit pixels inside a rectangle of the panel. */
function litIn(bits: Uint8Array, x0: number, y0: number, w: number, h: number): number {
  let n = 0;
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) n += bits[y * 128 + x]!;
  return n;
}

describe("SSD1306 driver against the chip model", () => {
  it("initialises the way the datasheet asks: charge pump, horizontal mode, remap, contrast, display on", async () => {
    const { chip } = await rig();
    expect(chip.problems).toEqual([]);
    expect(chip.state).toMatchObject({
      on: true,
      chargePump: true,
      mode: "horizontal",
      segmentRemap: true,
      comReversed: true,
      multiplex: 63,
      comPins: 0x12,
      contrast: 0xcf,
      inverted: false,
      entireOn: false,
    });
    // One write of commands only (control byte 0x00, Co = 0).
    expect(chip.writes).toHaveLength(1);
    expect(chip.writes[0]![0]).toBe(0x00);
  });

  it("renders each key state to the panel pixel for pixel; PNGs in test-artifacts/display", async () => {
    for (const [name, content] of Object.entries(SCREENS)) {
      const { chip, oled } = await rig();
      const canvas = renderOled(content);
      await oled.draw(canvas);
      expect(chip.problems).toEqual([]);
      const panel = chip.panel();
      expect(asText(panel), name).toBe(asText(canvasBits(canvas)));
      const png = encodePng(128, 64, greyToRgb(chip.grey()), 4);
      writeArtifact(`oled-${name}.png`, png);
      expect(decodePng(png).width).toBe(512);
      // Expected pixels: the golden picture checked in beside the tests (looked at as PNG first).
      const golden = join(GOLDEN, `${name}.txt`);
      if (process.env.UPDATE_GOLDEN === "1") {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(golden, asText(panel));
      }
      expect(existsSync(golden), `golden ${golden}`).toBe(true);
      expect(asText(panel), name).toBe(readFileSync(golden, "utf8"));
    }
  });

  it("never draws big digits when the link is stale or lost, and marks stale with a lit banner", async () => {
    const digits = (content: Parameters<typeof renderOled>[0]) => {
      const bits = canvasBits(renderOled(content));
      return { digits: litIn(bits, 0, 10, 72, 28), banner: litIn(bits, 0, 10, 128, 27) };
    };
    expect(digits(live(104, "inside")).digits).toBeGreaterThan(200);
    expect(digits(live(104, "inside")).banner).toBeLessThan(0.5 * 128 * 27);
    // Stale: the banner is mostly lit (dark letters on it), the old value only small further down.
    expect(digits(STALE).banner).toBeGreaterThan(0.6 * 128 * 27);
    // No signal: below the heading, where the speed would be, only the three dashes.
    expect(litIn(canvasBits(renderOled(SCREENS["winch-no-signal"])), 0, 20, 128, 18)).toBeLessThan(40);
  });

  it("sends nothing when the picture is unchanged, and only the changed pages and columns otherwise", async () => {
    const { chip, oled } = await rig();
    expect(await oled.draw(renderOled(live(104, "inside", false)))).toBe(1024);
    chip.resetCounters();
    expect(await oled.draw(renderOled(live(104, "inside", false)))).toBe(0);
    expect(chip.writes).toHaveLength(0);
    // The RX mark alone: the top page, six columns.
    expect(await oled.draw(renderOled(live(104, "inside", true)))).toBe(6);
    expect(chip.dataBytes).toBe(6);
    chip.resetCounters();
    // 104 → 105: only the last digit's columns of the digit pages.
    const sent = await oled.draw(renderOled(live(105, "inside", true)));
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(4 * 24);
    expect(asText(chip.panel())).toBe(asText(canvasBits(renderOled(live(105, "inside", true)))));
  });

  it("after re-opening (a bus came back) the whole screen goes out again", async () => {
    const { chip, oled } = await rig();
    await oled.draw(renderOled(live(104, "inside")));
    await oled.close();
    expect(chip.state.on).toBe(false);
    await oled.open();
    chip.resetCounters();
    expect(await oled.draw(renderOled(live(104, "inside")))).toBe(1024);
  });

  it("SH1106: page addressing with the two-column offset gives the same picture", async () => {
    const { chip, oled } = await rig("sh1106");
    const canvas = renderOled(live(137, "above"));
    await oled.draw(canvas);
    expect(chip.problems).toEqual([]);
    expect(chip.state).toMatchObject({ on: true, chargePump: true, mode: "page" });
    expect(asText(chip.panel())).toBe(asText(canvasBits(canvas)));
    writeArtifact("oled-sh1106-winch-above.png", encodePng(128, 64, greyToRgb(chip.grey())));
  });

  it("rotate180 turns the picture upside down on the glass", async () => {
    const { chip, oled } = await rig("ssd1306", true);
    const canvas = renderOled(SCREENS.start);
    await oled.draw(canvas);
    const want = canvasBits(canvas).reverse();
    expect(asText(chip.panel())).toBe(asText(want));
  });

  it("contrast and display on/off reach the chip", async () => {
    const { chip, oled } = await rig();
    await oled.draw(renderOled(live(104, "inside")));
    await oled.setContrast(0x10);
    expect(chip.state.contrast).toBe(0x10);
    await oled.setOn(false);
    expect(litIn(chip.panel(), 0, 0, 128, 64)).toBe(0);
    await oled.setOn(true);
    expect(litIn(chip.panel(), 0, 0, 128, 64)).toBeGreaterThan(0);
    await expect(oled.setContrast(256)).rejects.toThrow(/0–255/);
    expect(chip.state.contrast).toBe(0x10);
  });

  it("the model itself follows the datasheet: vertical mode and windows wrap as specified", async () => {
    const chip = new Ssd1306Model();
    const cmd = (...b: number[]) => chip.i2cWrite(0x3c, b.length + 1, Buffer.from([0x00, ...b]));
    const data = (...b: number[]) => chip.i2cWrite(0x3c, b.length + 1, Buffer.from([0x40, ...b]));
    await cmd(CMD.addressingMode, 1, CMD.columnWindow, 10, 11, CMD.pageWindow, 2, 3);
    await data(1, 2, 3, 4, 5);
    // Vertical: page 2 then 3 of column 10, then column 11, then wrap to column 10 page 2.
    expect(chip.ram[2 * 128 + 10]).toBe(5);
    expect(chip.ram[3 * 128 + 10]).toBe(2);
    expect(chip.ram[2 * 128 + 11]).toBe(3);
    expect(chip.ram[3 * 128 + 11]).toBe(4);
    await cmd(0xff);
    expect(chip.problems).toEqual(["unknown command 0xff"]);
    // Co = 1: one command byte, then a new control byte (here: data up to the end).
    await chip.i2cWrite(0x3c, 4, Buffer.from([0x80, 0xa7, 0x40, 0x55]));
    expect(chip.state.inverted).toBe(true);
    expect(chip.ram[3 * 128 + 10]).toBe(0x55);
    expect(chip.problems).toEqual(["unknown command 0xff"]);
  });

  it("refuses an I2C address outside 0x03–0x77 before touching the bus", () => {
    let opened = 0;
    const openBus = async () => {
      opened++;
      return new Ssd1306Model();
    };
    for (const address of [0x00, 0x02, 0x78, 0x7f, 0x3c + 0.5, 300])
      expect(() => createOled({ address, openBus }), String(address)).toThrow(RangeError);
    expect(opened).toBe(0);
  });

  it("a chip that does not answer at its address fails open() with the bus error", async () => {
    const chip = new Ssd1306Model(0x3d);
    const oled = createOled({ address: 0x3c, openBus: async () => chip });
    await expect(oled.open()).rejects.toThrow(/no ACK from 0x3c/);
    expect(chip.closed).toBe(true);
    await expect(oled.draw(createCanvas())).rejects.toThrow(/not open/);
  });
});
