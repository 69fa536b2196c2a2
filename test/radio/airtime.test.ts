import { describe, expect, it } from "vitest";
import {
  airtimeMs,
  GFSK_PRESET,
  LORA_PRESET,
  type LoraParams,
  lowDataRateOptimize,
  occupiedBandwidthHz,
} from "../../src/radio/modem.js";

const lora = (p: Partial<LoraParams>): LoraParams => ({ ...LORA_PRESET, ...p });

describe("air time", () => {
  it("LoRa SF7/125 kHz, CR 4/5, 8-symbol preamble, explicit header, CRC, 12 bytes = 41.216 ms", () => {
    // Tsym = 1.024 ms; preamble 12.25 sym; payload 8 + ceil((96+16-28+8+20)/28)·5 = 28 sym → 40.25 sym.
    expect(airtimeMs(lora({}), 12)).toBeCloseTo(41.216, 6);
  });

  it("LoRa SF5 uses the SX126x short-SF variant (6.25 preamble symbols, no +8 term) = 13.376 ms", () => {
    // Tsym = 0.256 ms; 8 + 6.25 + 8 + ceil((96+16-20+20)/20)·5 = 52.25 sym.
    expect(airtimeMs(lora({ spreading_factor: 5 }), 12)).toBeCloseTo(13.376, 6);
  });

  it("LoRa SF12/125 kHz switches low-data-rate optimisation on and gives 1155.072 ms for 13 bytes", () => {
    const m = lora({ spreading_factor: 12 });
    expect(lowDataRateOptimize(m)).toBe(true);
    expect(lowDataRateOptimize(lora({ spreading_factor: 10 }))).toBe(false);
    // Tsym = 32.768 ms; 12.25 + 8 + ceil(100/40)·5 = 35.25 sym.
    expect(airtimeMs(m, 13)).toBeCloseTo(1155.072, 6);
  });

  it("LoRa implicit header and no CRC shorten the frame", () => {
    expect(airtimeMs(lora({ explicit_header: false, crc: false }), 12)).toBeLessThan(airtimeMs(lora({}), 12));
  });

  it("GFSK counts every bit at the bit rate: 32 preamble + 8·(4 sync + 15 payload + 2 CRC) = 200 bits = 4 ms", () => {
    expect(airtimeMs(GFSK_PRESET, 15)).toBeCloseTo(4.0, 9);
    expect(airtimeMs({ ...GFSK_PRESET, length_field_bytes: 1 }, 15)).toBeCloseTo(4.16, 9);
  });

  it("grows monotonically with frame length", () => {
    for (const m of [GFSK_PRESET, LORA_PRESET]) {
      for (let n = 1; n < 97; n++) expect(airtimeMs(m, n + 1)).toBeGreaterThanOrEqual(airtimeMs(m, n));
    }
  });

  it("occupied bandwidth: Carson's rule for GFSK, BW for LoRa", () => {
    expect(occupiedBandwidthHz(GFSK_PRESET)).toBe(100_000);
    expect(occupiedBandwidthHz(LORA_PRESET)).toBe(125_000);
  });
});
