import { createHash } from "node:crypto";

/**
 * The pairing code a person scans (QR) or types on the winch to trust one aircraft unit's link key.
 *
 * Layout: `OWTS-` then 7 groups of 5 Crockford base32 characters, each group 4 data characters and
 * 1 check character. The 28 data characters are 140 bits: a 4-bit format version (1), the 128-bit
 * key, and 8 bits of SHA-256 over version+key (catches groups swapped or copied from two codes).
 * Each group's check character is Luhn mod 32 over the group number and its 4 data characters, so
 * any single mistyped character and any swap of two neighbours is caught in the group where it
 * happened and reported there. Crockford's alphabet has no I, L, O or U; I and L are read as 1 and
 * O as 0, as Crockford specifies, and case, spaces and hyphens do not matter.
 */
export const PAIRING_CODE_PREFIX = "OWTS";
export const PAIRING_CODE_VERSION = 1;
export const LINK_KEY_BYTES = 16;
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUPS = 7;
const DATA_PER_GROUP = 4;
const DATA_CHARS = GROUPS * DATA_PER_GROUP;
const CODE_CHARS = GROUPS * (DATA_PER_GROUP + 1);

/** Why a text is not a usable pairing code. */
export type PairingCodeProblem =
  | "empty"
  | "not_owts"
  | "too_short"
  | "too_long"
  | "typo"
  | "unsupported_version"
  | "damaged";

export type PairingCodeResult =
  | { ok: true; key: Uint8Array }
  | { ok: false; problem: PairingCodeProblem; message: string };

const VALUE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));
for (const [alias, digit] of [
  ["I", "1"],
  ["L", "1"],
  ["O", "0"],
] as const) {
  VALUE.set(alias, VALUE.get(digit) ?? 0);
}

/** Luhn mod N (N = 32) over code points: catches every single substitution and adjacent swap. */
function luhnCheck(values: number[]): number {
  const n = ALPHABET.length;
  let factor = 2;
  let sum = 0;
  for (let i = values.length - 1; i >= 0; i--) {
    let addend = factor * (values[i] ?? 0);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / n) + (addend % n);
    sum += addend;
  }
  return (n - (sum % n)) % n;
}

function groupCheck(group: number, data: number[]): number {
  return luhnCheck([group, ...data]);
}

function digest8(version: number, key: Uint8Array): number {
  return createHash("sha256").update(Uint8Array.of(version)).update(key).digest()[0] ?? 0;
}

/** The 140 data bits (version nibble, key, digest byte) as 28 five-bit values. */
function toFiveBit(version: number, key: Uint8Array): number[] {
  const bits: number[] = [];
  const push = (value: number, count: number) => {
    for (let i = count - 1; i >= 0; i--) bits.push((value >> i) & 1);
  };
  push(version, 4);
  for (const b of key) push(b, 8);
  push(digest8(version, key), 8);
  const out: number[] = [];
  for (let i = 0; i < DATA_CHARS; i++) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = (v << 1) | (bits[i * 5 + j] ?? 0);
    out.push(v);
  }
  return out;
}

function fromFiveBit(values: number[]): { version: number; key: Uint8Array; digest: number } {
  const bits: number[] = [];
  for (const v of values) for (let j = 4; j >= 0; j--) bits.push((v >> j) & 1);
  const read = (start: number, count: number) => {
    let v = 0;
    for (let i = 0; i < count; i++) v = (v << 1) | (bits[start + i] ?? 0);
    return v;
  };
  const key = new Uint8Array(LINK_KEY_BYTES);
  for (let i = 0; i < LINK_KEY_BYTES; i++) key[i] = read(4 + i * 8, 8);
  return { version: read(0, 4), key, digest: read(4 + LINK_KEY_BYTES * 8, 8) };
}

/** The pairing code for a 16-byte key, e.g. `OWTS-0G4TR-…` (7 groups). */
export function formatPairingCode(key: Uint8Array): string {
  if (key.length !== LINK_KEY_BYTES) throw new RangeError(`a link key is ${LINK_KEY_BYTES} bytes`);
  const data = toFiveBit(PAIRING_CODE_VERSION, key);
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const part = data.slice(g * DATA_PER_GROUP, (g + 1) * DATA_PER_GROUP);
    groups.push([...part, groupCheck(g, part)].map((v) => ALPHABET[v]).join(""));
  }
  return `${PAIRING_CODE_PREFIX}-${groups.join("-")}`;
}

function fail(problem: PairingCodeProblem, message: string): PairingCodeResult {
  return { ok: false, problem, message };
}

/**
 * Reads a pairing code as typed or scanned. Every input gets a verdict with a reason a person can
 * act on ("group 3 has a typo"); nothing here throws.
 */
export function parsePairingCode(text: unknown): PairingCodeResult {
  if (typeof text !== "string") return fail("empty", "the pairing code must be text");
  let s = text.trim().toUpperCase();
  if (s.length === 0) return fail("empty", "the pairing code is empty");
  if (s.length > 200) return fail("too_long", "this is far longer than an OWTS pairing code");
  const hasPrefix = s.startsWith(PAIRING_CODE_PREFIX);
  if (hasPrefix) s = s.slice(PAIRING_CODE_PREFIX.length);
  const compact = s.replace(/[\s-]+/g, "");
  const values: number[] = [];
  for (const ch of compact) {
    const v = VALUE.get(ch);
    if (v === undefined) {
      const shown = JSON.stringify(ch);
      return fail(
        "not_owts",
        `not an OWTS pairing code: ${shown} is not one of its characters (0-9 and A-Z without U)`,
      );
    }
    values.push(v);
  }
  if (!hasPrefix && values.length !== CODE_CHARS && /[:/.?=]/.test(text)) {
    return fail("not_owts", "not an OWTS pairing code");
  }
  if (values.length < CODE_CHARS) {
    return fail(
      "too_short",
      `the code is incomplete: ${values.length} of ${CODE_CHARS} characters (7 groups of 5)`,
    );
  }
  if (values.length > CODE_CHARS) {
    return fail("too_long", `the code has ${values.length} characters, an OWTS code has ${CODE_CHARS}`);
  }
  const data: number[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const group = values.slice(g * (DATA_PER_GROUP + 1), (g + 1) * (DATA_PER_GROUP + 1));
    const part = group.slice(0, DATA_PER_GROUP);
    if (groupCheck(g, part) !== group[DATA_PER_GROUP]) {
      return fail("typo", `group ${g + 1} has a typo: its check character does not match`);
    }
    data.push(...part);
  }
  const { version, key, digest } = fromFiveBit(data);
  if (version !== PAIRING_CODE_VERSION) {
    return fail(
      "unsupported_version",
      `pairing code format ${version} is not supported (this device reads format ${PAIRING_CODE_VERSION})`,
    );
  }
  if (digest !== digest8(version, key)) {
    return fail("damaged", "the groups do not belong together (swapped, or mixed from two codes)");
  }
  return { ok: true, key };
}
