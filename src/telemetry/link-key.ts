import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { inspect } from "node:util";
import { formatPairingCode, LINK_KEY_BYTES } from "./pairing-code.js";

/** Bytes of the truncated frame MAC (32 bits, as LoRaWAN's MIC). */
export const MAC_BYTES = 4;

/** A key id as the API shows it: 8 lowercase hex digits. */
export function keyIdHex(id: number): string {
  return id.toString(16).padStart(8, "0");
}

/** Parses 8 hex digits (any case) into a key id, or null. */
export function parseKeyIdHex(text: string): number | null {
  return /^[0-9a-fA-F]{8}$/.test(text) ? Number.parseInt(text, 16) : null;
}

/**
 * One aircraft unit's 128-bit link key. The secret stays inside: the object hands out frame MACs,
 * the key id, the pairing code (to show a person on purpose) and its stored form, and nothing that
 * prints it by accident — `JSON.stringify` and `util.inspect` give only the key id and the date.
 *
 * Two keys are derived so one use cannot leak into the other: the key id is the first 32 bits of
 * HMAC-SHA-256(key, "owts key id"), the frame MAC key is HMAC-SHA-256(key, "owts frame mac v1").
 */
export class LinkKey {
  /** 32-bit id carried in every frame so the winch knows which pairing to verify against; never 0. */
  readonly key_id: number;
  /** ISO 8601 time the key was made. */
  readonly created: string;
  readonly #key: Buffer;
  readonly #macKey: Buffer;

  private constructor(key: Uint8Array, created: string) {
    if (key.length !== LINK_KEY_BYTES) throw new RangeError(`a link key is ${LINK_KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
    this.key_id = keyIdOf(key);
    this.#macKey = createHmac("sha256", this.#key).update("owts frame mac v1").digest();
    this.created = created;
  }

  /** A fresh key from the system's CSPRNG (one whose key id would be 0 is drawn again). */
  static generate(now: Date = new Date()): LinkKey {
    for (;;) {
      const key = randomBytes(LINK_KEY_BYTES);
      if (keyIdOf(key) !== 0) return new LinkKey(key, now.toISOString());
    }
  }

  /** A key read from a pairing code or from its own settings namespace. */
  static fromBytes(key: Uint8Array, created: string): LinkKey {
    return new LinkKey(key, created);
  }

  /** `{ key: base64, created }` for the key's own settings namespace, nowhere else. */
  static fromStored(s: StoredLinkKey): LinkKey | null {
    const key = Buffer.from(s.key, "base64");
    if (key.length !== LINK_KEY_BYTES || keyIdOf(key) === 0) return null;
    return new LinkKey(key, s.created);
  }

  toStored(): StoredLinkKey {
    return { key: this.#key.toString("base64"), created: this.created };
  }

  /** The code a person scans or types on the winch. */
  pairingCode(): string {
    return formatPairingCode(this.#key);
  }

  /** The truncated MAC: the first 4 bytes of HMAC-SHA-256 over `bytes`, read big-endian. */
  mac(bytes: Uint8Array): number {
    return createHmac("sha256", this.#macKey).update(bytes).digest().readUInt32BE(0);
  }

  /** Whether `mac` is this key's MAC over `bytes` (compared in constant time). */
  verify(bytes: Uint8Array, mac: number): boolean {
    const want = Buffer.alloc(MAC_BYTES);
    want.writeUInt32BE(this.mac(bytes));
    const got = Buffer.alloc(MAC_BYTES);
    got.writeUInt32BE(mac >>> 0);
    return timingSafeEqual(want, got);
  }

  /** Same key (compared in constant time). */
  equals(other: LinkKey): boolean {
    return timingSafeEqual(this.#key, other.#key);
  }

  toJSON(): { key_id: string; created: string } {
    return { key_id: keyIdHex(this.key_id), created: this.created };
  }

  [inspect.custom](): string {
    return `LinkKey { key_id: ${keyIdHex(this.key_id)}, created: ${this.created} }`;
  }
}

/** A link key as its settings namespace keeps it. */
export interface StoredLinkKey {
  /** The 16 key bytes, base64. */
  key: string;
  created: string;
}

function keyIdOf(key: Uint8Array): number {
  return createHmac("sha256", key).update("owts key id").digest().readUInt32BE(0);
}
