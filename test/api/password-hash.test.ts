import { describe, expect, it } from "vitest";
import {
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  isStoredHash,
  type StoredHash,
  verifyPassword,
} from "../../src/api/password-hash.js";

const FAST = { N: 1024, r: 8, p: 1 };
const PASSWORD = "winch-2025!";

/** Every form in which a careless implementation could leak the password into storage. */
function leakForms(password: string): string[] {
  const b = Buffer.from(password, "utf8");
  return [
    password,
    b.toString("base64"),
    b.toString("hex"),
    b.toString("base64url"),
    encodeURIComponent(password),
  ];
}

describe("password hashing", () => {
  it("stores salt, digest and parameters, never the password in any encoding", async () => {
    const h = await hashPassword(PASSWORD, FAST);
    expect(h).toMatchObject({ alg: "scrypt", N: 1024, r: 8, p: 1 });
    expect(Buffer.from(h.salt, "base64")).toHaveLength(16);
    expect(Buffer.from(h.hash, "base64")).toHaveLength(32);
    const text = JSON.stringify(h);
    for (const form of leakForms(PASSWORD)) expect(text).not.toContain(form);
    expect(isStoredHash(h)).toBe(true);
  });

  it("defaults to scrypt N=2^14, r=8, p=1", async () => {
    const h = await hashPassword(PASSWORD);
    expect({ N: h.N, r: h.r, p: h.p }).toEqual(DEFAULT_SCRYPT_PARAMS);
    expect(await verifyPassword(PASSWORD, h)).toBe(true);
  });

  it("verifies the right password and refuses near misses", async () => {
    const h = await hashPassword(PASSWORD, FAST);
    expect(await verifyPassword(PASSWORD, h)).toBe(true);
    for (const wrong of ["winch-2025", "winch-2025!!", "Winch-2025!", "", "x".repeat(5000)])
      expect(await verifyPassword(wrong, h)).toBe(false);
  });

  it("salts: the same password hashes differently each time", async () => {
    const [a, b] = await Promise.all([hashPassword(PASSWORD, FAST), hashPassword(PASSWORD, FAST)]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
  });

  it("verifies with the parameters stored alongside the hash", async () => {
    const h = await hashPassword(PASSWORD, { N: 2048, r: 4, p: 2 });
    expect(await verifyPassword(PASSWORD, h)).toBe(true);
    expect(await verifyPassword(PASSWORD, { ...h, N: 1024 })).toBe(false);
  });

  it("a digest of another length never matches (and does not throw)", async () => {
    const h = await hashPassword(PASSWORD, FAST);
    const short: StoredHash = {
      ...h,
      hash: Buffer.from(h.hash, "base64").subarray(0, 16).toString("base64"),
    };
    expect(await verifyPassword(PASSWORD, short)).toBe(false);
  });

  it("recognises damaged or hostile stored hashes", async () => {
    const h = await hashPassword(PASSWORD, FAST);
    expect(isStoredHash({ ...h, N: 1000 })).toBe(false); // not a power of two
    expect(isStoredHash({ ...h, N: 2 ** 24 })).toBe(false); // a memory bomb
    expect(isStoredHash({ ...h, alg: "md5" })).toBe(false);
    expect(isStoredHash({ ...h, password: PASSWORD })).toBe(false);
    expect(isStoredHash({ ...h, salt: "" })).toBe(false);
    expect(isStoredHash(null)).toBe(false);
    expect(isStoredHash("scrypt")).toBe(false);
  });

  it("refuses a cost that is not a power of two", async () => {
    await expect(hashPassword(PASSWORD, { N: 1000, r: 8, p: 1 })).rejects.toThrow(/power of two/);
  });
});
