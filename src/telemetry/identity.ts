import { createHash } from "node:crypto";

/**
 * The identity hash carried by delta frames: the first 4 bytes (big-endian) of
 * SHA-256(UTF-8(registration) || 0x00 || UTF-8(type)), as documented in the .proto.
 * SHA-256 rather than a hand-rolled 32-bit hash: it is in node:crypto (and mbedTLS on the ESP32),
 * and its first 32 bits are as collision-resistant as any 32-bit digest can be.
 */
export function identityHash(registration: string, type: string): number {
  const digest = createHash("sha256").update(registration, "utf8").update("\0").update(type, "utf8").digest();
  return digest.readUInt32BE(0);
}
