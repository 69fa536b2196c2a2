import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MARKER_RGB,
  markerIndex,
  STALE_BLINK_MS,
  TEST_PATTERN,
  TEST_STEP_MS,
  ZONE_RGB,
} from "../../src/display/strip-layout.js";
import { stripSink } from "../../src/display/strip-sink.js";
import { encodeWs2812, MAX_LEDS, parseSpiDevice, RESET_BYTES } from "../../src/display/ws2812.js";
import { encodePng, writeArtifact } from "./png.js";
import { BAND, live, NO_SIGNAL, SCREENS, STALE } from "./screens.js";
import { decodeWs2812, Ws2812StripModel } from "./ws2812-model.js";

const LEDS = 30;
const CAP = 64;
const AFTER_TEST = TEST_PATTERN.length * TEST_STEP_MS;

async function rig(leds = LEDS, brightness = CAP) {
  const strip = new Ws2812StripModel(leds);
  const sink = stripSink({ openWriter: async () => strip, leds, brightness });
  await sink.open();
  return { strip, sink };
}

const scale = (c: readonly number[], level: number) => c.map((v) => Math.round((v * level * CAP) / 255));

describe("WS2812 SPI encoding", () => {
  it("three SPI bits per WS2812 bit: 1 → 110, 0 → 100, GRB, MSB first, then the reset latch", () => {
    const bytes = encodeWs2812(new Uint8Array([0xff, 0x00, 0x80]));
    expect(bytes).toHaveLength(9 + RESET_BYTES);
    // G = 0x00: eight 100 symbols = 24 bits = 0x92 0x49 0x24.
    expect([...bytes.subarray(0, 3)]).toEqual([0x92, 0x49, 0x24]);
    // R = 0xff: eight 110 symbols = 0xdb 0x6d 0xb6.
    expect([...bytes.subarray(3, 6)]).toEqual([0xdb, 0x6d, 0xb6]);
    // B = 0x80: 110 then seven 100.
    expect([...bytes.subarray(6, 9)]).toEqual([0xd2, 0x49, 0x24]);
    expect(bytes.subarray(9).every((b) => b === 0)).toBe(true);
  });

  it("decodes back to the same colours for any strip (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 3, maxLength: 3 * 40 }), (raw) => {
        const rgb = raw.subarray(0, raw.length - (raw.length % 3));
        fc.pre(rgb.length > 0);
        const f = decodeWs2812(encodeWs2812(rgb));
        expect([...f.rgb]).toEqual([...rgb]);
        expect(f.resetBytes).toBeGreaterThanOrEqual(84);
      }),
    );
  });

  it("a frame for the largest strip fits one spidev transfer (4096 bytes)", () => {
    expect(encodeWs2812(new Uint8Array(MAX_LEDS * 3)).length).toBeLessThanOrEqual(4096);
  });

  it("names the SPI device from its path, and refuses what is not a spidev node", () => {
    expect(parseSpiDevice("/dev/spidev0.0")).toEqual([0, 0]);
    expect(parseSpiDevice("/dev/spidev1.2")).toEqual([1, 2]);
    for (const bad of ["/dev/spidev0", "spidev0.0", "/dev/i2c-1", "/dev/spidev0.0x", ""])
      expect(parseSpiDevice(bad), bad).toBeNull();
  });
});

describe("WS2812 strip display", () => {
  it("plays the test pattern (red, green, blue, white at the cap) first, then shows the content", async () => {
    const { strip, sink } = await rig();
    for (let step = 0; step < TEST_PATTERN.length; step++) {
      await sink.show(live(104, "inside"), 1000 + step * TEST_STEP_MS);
      expect(strip.led(0)).toEqual(scale(TEST_PATTERN[step]!, 1));
      expect(strip.led(LEDS - 1)).toEqual(scale(TEST_PATTERN[step]!, 1));
    }
    await sink.show(live(104, "inside"), 1000 + AFTER_TEST);
    expect(strip.led(0)).toEqual(scale(ZONE_RGB.inside, 0.5));
    expect(strip.problems).toEqual([]);
  });

  it("live: the zone colour over the whole strip, the white marker where the IAS sits in the band", async () => {
    const rows: Uint8Array[] = [];
    for (const [ias, zone] of [
      [82, "below"],
      [90, "inside"],
      [110, "inside"],
      [130, "inside"],
      [137, "above"],
    ] as const) {
      const { strip, sink } = await rig();
      await sink.show(live(ias, zone), 0);
      await sink.show(live(ias, zone), AFTER_TEST);
      const m = markerIndex(ias, BAND, LEDS);
      for (let i = 0; i < LEDS; i++)
        expect(strip.led(i), `${ias} led ${i}`).toEqual(
          scale(i === m ? MARKER_RGB : ZONE_RGB[zone], i === m ? 1 : 0.5),
        );
      rows.push(strip.shown.slice());
    }
    // v_min → first LED, v_max → last, 110 half-way; outside the band no marker at all.
    expect(markerIndex(90, BAND, LEDS)).toBe(0);
    expect(markerIndex(130, BAND, LEDS)).toBe(LEDS - 1);
    expect(markerIndex(110, BAND, LEDS)).toBe(15);
    expect(markerIndex(82, BAND, LEDS)).toBeNull();
    expect(markerIndex(137, BAND, LEDS)).toBeNull();
    // Drawn at full scale (÷ the cap) so the PNG is legible; rows: 82, 90, 110, 130, 137 km/h.
    const legible = concat(rows).map((v) => Math.min(255, Math.round((v * 255) / CAP)));
    writeArtifact("strip-live.png", encodePng(LEDS, rows.length, legible, 12));
  });

  it("stale blinks neutral white slowly, with no zone colour and no marker; no signal is dark", async () => {
    const { strip, sink } = await rig();
    await sink.show(STALE, 0);
    const seen: string[] = [];
    for (let t = 2 * STALE_BLINK_MS; t < 6 * STALE_BLINK_MS; t += 100) {
      await sink.show(STALE, t);
      const first = strip.led(0);
      for (let i = 1; i < LEDS; i++) expect(strip.led(i)).toEqual(first);
      expect(first[0] === first[1] && first[1] === first[2], "neutral grey").toBe(true);
      seen.push(first[0]! > 0 ? "on" : "off");
    }
    // 1 s on, 1 s off: ten 100 ms ticks in each state, four changes in four seconds.
    expect(seen.filter((s) => s === "on")).toHaveLength(20);
    const changes = seen.filter((s, i) => i > 0 && s !== seen[i - 1]).length;
    expect(changes).toBe(3);
    await sink.show(NO_SIGNAL, 10_000);
    expect(strip.shown.every((v) => v === 0)).toBe(true);
    for (const s of ["start", "aircraft-airborne"] as const) {
      await sink.show(live(104, "inside"), 11_000);
      await sink.show(SCREENS[s], 11_100);
      expect(
        strip.shown.every((v) => v === 0),
        s,
      ).toBe(true);
    }
    expect(strip.problems).toEqual([]);
  });

  it("no channel ever exceeds the brightness cap", async () => {
    for (const cap of [1, 16, 64, 255]) {
      const { strip, sink } = await rig(LEDS, cap);
      for (const [i, content] of Object.values(SCREENS).entries()) await sink.show(content, i * TEST_STEP_MS);
      for (const t of strip.transfers)
        expect(Math.max(...decodeWs2812(t).rgb), `cap ${cap}`).toBeLessThanOrEqual(cap);
    }
  });

  it("sends nothing while the colours stay the same", async () => {
    const { strip, sink } = await rig();
    await sink.show(live(104, "inside"), AFTER_TEST);
    await sink.show(live(104, "inside"), AFTER_TEST);
    const n = strip.transfers.length;
    await sink.show(live(104, "inside"), AFTER_TEST + 100);
    await sink.show(live(104.2, "inside"), AFTER_TEST + 200); // same LED for the marker
    expect(strip.transfers.length).toBe(n);
    await sink.show(live(120, "inside"), AFTER_TEST + 300);
    expect(strip.transfers.length).toBe(n + 1);
  });

  it("goes dark when closed", async () => {
    const { strip, sink } = await rig();
    await sink.show(live(104, "inside"), AFTER_TEST);
    await sink.close();
    expect(strip.shown.every((v) => v === 0)).toBe(true);
    expect(strip.closed).toBe(true);
  });

  it("refuses zero, fractional or absurd LED counts and brightness before opening anything", () => {
    let opened = 0;
    const openWriter = async () => {
      opened++;
      return new Ws2812StripModel(1);
    };
    for (const leds of [0, -1, 1.5, MAX_LEDS + 1, 100_000, Number.NaN])
      expect(() => stripSink({ openWriter, leds }), String(leds)).toThrow(RangeError);
    for (const brightness of [0, 256, 3.5])
      expect(() => stripSink({ openWriter, leds: 8, brightness }), String(brightness)).toThrow(RangeError);
    expect(opened).toBe(0);
  });
});

function concat(rows: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(rows.reduce((n, r) => n + r.length, 0));
  let o = 0;
  for (const r of rows) {
    out.set(r, o);
    o += r.length;
  }
  return out;
}
