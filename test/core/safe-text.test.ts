import { describe, expect, it } from "vitest";
import { escapeUnsafe, hasUnsafeChars, quoted } from "../../src/core/safe-text.js";

describe("safe text for logs", () => {
  it.each([
    ["a\nI (1) api: API password cleared", "a\\nI (1) api: API password cleared"],
    ["\u001b[31mred\u001b[0m", "\\x1b[31mred\\x1b[0m"],
    ["cr\rlf", "cr\\rlf"],
    ["nul\u0000", "nul\\x00"],
    ["c1\u0085", "c1\\x85"],
    ["bidi\u202etxt", "bidi\\u202etxt"],
    ["iso\u2066x\u2069", "iso\\u2066x\\u2069"],
    ["zw\u200bsp", "zw\\u200bsp"],
    ["bom\ufeff", "bom\\ufeff"],
    ["sep\u2028", "sep\\u2028"],
  ])("escapes %j", (input, expected) => {
    expect(hasUnsafeChars(input)).toBe(true);
    expect(escapeUnsafe(input)).toBe(expected);
    expect(hasUnsafeChars(escapeUnsafe(input))).toBe(false);
  });

  it("leaves ordinary text alone, accents and symbols included", () => {
    for (const text of ["OWTS-winch-3A4F1C.local", "Zürich ▲ 105 km/h", "D-KÄBC", "日本語"]) {
      expect(hasUnsafeChars(text)).toBe(false);
      expect(escapeUnsafe(text)).toBe(text);
    }
  });

  it("quotes, escapes quotes and bounds length", () => {
    expect(quoted('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
    const long = "x".repeat(500);
    expect(quoted(long, 10)).toBe(`"${"x".repeat(10)}…"`);
  });
});
