import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPairingCode, parsePairingCode } from "../../src/telemetry/pairing-code.js";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const keyArb = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe("pairing code", () => {
  it("looks like OWTS- and 7 groups of 5 Crockford characters, and reads back to the same key", () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        const code = formatPairingCode(key);
        expect(code).toMatch(/^OWTS(-[0-9A-HJKMNP-TV-Z]{5}){7}$/);
        const r = parsePairingCode(code);
        expect(r.ok && Buffer.from(r.key).equals(Buffer.from(key))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("reads the code however it is typed: case, spaces instead of hyphens, no prefix, I/L/O for 1/1/0", () => {
    const key = randomBytes(16);
    const code = formatPairingCode(key);
    const groups = code.split("-").slice(1);
    const variants = [
      code.toLowerCase(),
      ` ${groups.join(" ")} `,
      groups.join(""),
      code.replace(/1/g, "l").replace(/0/g, "O"),
      code.replace(/1/g, "I"),
    ];
    for (const v of variants) {
      const r = parsePairingCode(v);
      expect(r.ok, v).toBe(true);
      if (r.ok) expect(Buffer.from(r.key).equals(key)).toBe(true);
    }
  });

  it("catches every single mistyped character, naming the group it is in", () => {
    fc.assert(
      fc.property(keyArb, fc.nat(34), fc.integer({ min: 1, max: 31 }), (key, pos, delta) => {
        const chars = formatPairingCode(key).split("-").slice(1).join("").split("");
        const old = ALPHABET.indexOf(chars[pos] ?? "0");
        chars[pos] = ALPHABET[(old + delta) % 32] ?? "0";
        const r = parsePairingCode(chars.join(""));
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.problem).toBe("typo");
          expect(r.message).toContain(`group ${Math.floor(pos / 5) + 1}`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("catches two neighbouring characters swapped (Luhn mod 32 misses only 0 and Z)", () => {
    fc.assert(
      fc.property(keyArb, fc.nat(33), (key, pos) => {
        const chars = formatPairingCode(key).split("-").slice(1).join("").split("");
        const pair = `${chars[pos]}${chars[pos + 1]}`;
        // Luhn mod N cannot see 0 <-> N-1 swapped; the whole-code digest catches those 255 times in 256.
        fc.pre(chars[pos] !== chars[pos + 1] && pair !== "0Z" && pair !== "Z0");
        [chars[pos], chars[pos + 1]] = [chars[pos + 1] ?? "", chars[pos] ?? ""];
        expect(parsePairingCode(chars.join("")).ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it("catches groups swapped or taken from two codes", () => {
    const a = formatPairingCode(randomBytes(16)).split("-");
    const b = formatPairingCode(randomBytes(16)).split("-");
    const swapped = [a[0], a[2], a[1], ...a.slice(3)].join("-");
    const mixed = [...a.slice(0, 4), ...b.slice(4)].join("-");
    for (const code of [swapped, mixed]) {
      const r = parsePairingCode(code);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(["typo", "damaged"]).toContain(r.problem);
    }
  });

  it("says what is wrong with truncated, overlong, foreign and empty input", () => {
    const code = formatPairingCode(randomBytes(16));
    const cases: [unknown, string, RegExp][] = [
      ["", "empty", /empty/],
      ["   ", "empty", /empty/],
      [42, "empty", /text/],
      [code.slice(0, -3), "too_short", /32 of 35/],
      [`${code}-ABCDE`, "too_long", /40 characters/],
      ["https://meshtastic.org/e/#CgMSAQESCDgBQANIAVAe", "not_owts", /not an OWTS pairing code/],
      ["OWTS-UUUUU-…", "not_owts", /"U"/],
      ["x".repeat(500), "too_long", /longer/],
    ];
    for (const [input, problem, message] of cases) {
      const r = parsePairingCode(input);
      expect(r.ok, String(input)).toBe(false);
      if (!r.ok) {
        expect(r.problem, String(input)).toBe(problem);
        expect(r.message).toMatch(message);
      }
    }
  });

  it("refuses another format version", () => {
    // Build a code whose version nibble is 2 but whose checks are right: only the version is wrong.
    const good = formatPairingCode(randomBytes(16));
    const r = parsePairingCode(good);
    expect(r.ok).toBe(true);
    // First data character holds version (4 bits) + 1 key bit; bump the version and fix the group check.
    const chars = good.split("-").slice(1).join("").split("");
    const v0 = ALPHABET.indexOf(chars[0] ?? "0");
    const v = ((2 << 1) | (v0 & 1)) & 31;
    chars[0] = ALPHABET[v] ?? "0";
    for (const c of ALPHABET) {
      chars[4] = c;
      const out = parsePairingCode(chars.join(""));
      if (!out.ok && out.problem !== "typo") {
        expect(out.problem).toBe("unsupported_version");
        expect(out.message).toMatch(/format 2/);
        return;
      }
    }
    throw new Error("no check character made group 1 consistent");
  });

  it("never throws and never accepts random text (fuzz)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...ALPHABET, "-", " ") })), (s) => {
        const r = parsePairingCode(s);
        if (r.ok)
          expect(formatPairingCode(r.key).replace(/-/g, "")).toBe(
            `OWTS${s.replace(/[-\s]/g, "").toUpperCase().replace(/^OWTS/, "")}`,
          );
      }),
      { numRuns: 3000 },
    );
  });
});
