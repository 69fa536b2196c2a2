import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";

/**
 * How the API password is kept: only a salted scrypt digest plus the parameters that made it, so a
 * stored hash stays verifiable if the defaults change later. Salt and digest are base64.
 */
export const StoredHashSchema = Type.Object(
  {
    alg: Type.Literal("scrypt"),
    // Bounds keep a tampered settings file from turning every verification into a memory or CPU bomb.
    N: Type.Integer({ minimum: 1024, maximum: 1_048_576 }),
    r: Type.Integer({ minimum: 1, maximum: 32 }),
    p: Type.Integer({ minimum: 1, maximum: 16 }),
    salt: Type.String({ minLength: 16, maxLength: 64 }),
    hash: Type.String({ minLength: 16, maxLength: 128 }),
  },
  { additionalProperties: false },
);
export type StoredHash = Static<typeof StoredHashSchema>;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt floor (2^14, 8, 1): 16 MiB and tens of milliseconds per check on a Pi-class CPU. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = { N: 16_384, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

export function isStoredHash(value: unknown): value is StoredHash {
  return Value.Check(StoredHashSchema, value) && isPowerOfTwo((value as StoredHash).N);
}

function derive(password: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; leave headroom so allowed parameters never hit Node's default cap.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, KEY_BYTES, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<StoredHash> {
  if (!isPowerOfTwo(params.N)) throw new RangeError("scrypt N must be a power of two");
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return {
    alg: "scrypt",
    N: params.N,
    r: params.r,
    p: params.p,
    salt: salt.toString("base64"),
    hash: key.toString("base64"),
  };
}

/**
 * True when `password` matches. The digest of the candidate is always computed and compared in
 * constant time against the stored one (both are KEY_BYTES long), so neither the candidate's length nor
 * where it differs shows in the timing.
 */
export async function verifyPassword(password: string, stored: StoredHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, "base64");
  const actual = await derive(password, Buffer.from(stored.salt, "base64"), stored);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
