import { createPrivateKey, createPublicKey, type KeyObject, webcrypto } from "node:crypto";
import { CertificateError } from "./errors.js";

export type KeyType = "ecdsa" | "rsa";
export const KEY_TYPES: readonly KeyType[] = ["ecdsa", "rsa"];

export function isKeyType(value: unknown): value is KeyType {
  return typeof value === "string" && (KEY_TYPES as readonly string[]).includes(value);
}

/** A private key read from disk, with what WebCrypto needs to sign with it. */
export interface DeviceKey {
  keyType: KeyType;
  /** "ECDSA P-256", "RSA 2048": for logs and the CLI. */
  description: string;
  object: KeyObject;
  /** The algorithm for importKey and for the certificate signature. */
  algorithm: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  signing: { name: string; hash?: string };
}

const CURVES: Record<string, { webName: string; hash: string }> = {
  prime256v1: { webName: "P-256", hash: "SHA-256" },
  secp384r1: { webName: "P-384", hash: "SHA-384" },
  secp521r1: { webName: "P-521", hash: "SHA-512" },
};

/**
 * Generates the per-device key: ECDSA P-256 by default (small, fast handshakes, what every client
 * supports), RSA 2048 for clients that cannot do ECDSA. Returns PKCS#8 PEM.
 */
export async function generateKeyPem(keyType: KeyType): Promise<string> {
  const params =
    keyType === "ecdsa"
      ? { name: "ECDSA", namedCurve: "P-256" }
      : {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        };
  const pair = (await webcrypto.subtle.generateKey(params, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", pair.privateKey));
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" }).export({
    type: "pkcs8",
    format: "pem",
  }) as string;
}

/**
 * Reads a private key PEM (PKCS#8, or the older PKCS#1 / SEC1 forms a user may bring). Throws a
 * CertificateError naming `file` when it is not a key, is encrypted, or is a kind OWTS cannot sign with.
 */
export function parsePrivateKey(pem: string, file: string): DeviceKey {
  let object: KeyObject;
  try {
    object = createPrivateKey({ key: pem, format: "pem" });
  } catch (err) {
    // OpenSSL reports an encrypted key only as "interrupted or cancelled" (no passphrase callback).
    const reason = /BEGIN ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED|passphrase/i.test(
      `${pem}\n${(err as Error).message}`,
    )
      ? "it is encrypted with a passphrase, which a device cannot type at start"
      : "it is not a PEM private key";
    throw new CertificateError("damaged-key", `${file} cannot be read: ${reason}`);
  }
  const details = object.asymmetricKeyDetails ?? {};
  if (object.asymmetricKeyType === "ec") {
    const curve = CURVES[details.namedCurve ?? ""];
    if (!curve)
      throw new CertificateError(
        "unsupported-key",
        `${file} is an EC key on curve ${details.namedCurve ?? "?"}; OWTS signs with P-256, P-384 or P-521`,
      );
    return {
      keyType: "ecdsa",
      description: `ECDSA ${curve.webName}`,
      object,
      algorithm: { name: "ECDSA", namedCurve: curve.webName },
      signing: { name: "ECDSA", hash: curve.hash },
    };
  }
  if (object.asymmetricKeyType === "rsa") {
    const bits = details.modulusLength ?? 0;
    if (bits < 2048)
      throw new CertificateError(
        "unsupported-key",
        `${file} is an RSA ${bits} key; clients refuse keys under 2048 bits`,
      );
    return {
      keyType: "rsa",
      description: `RSA ${bits}`,
      object,
      algorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      signing: { name: "RSASSA-PKCS1-v1_5" },
    };
  }
  throw new CertificateError(
    "unsupported-key",
    `${file} holds an unsupported ${object.asymmetricKeyType ?? "unknown"} key; OWTS signs with ECDSA or RSA keys`,
  );
}

/** The key's public half as DER SubjectPublicKeyInfo, for comparing with a certificate. */
export function publicKeyDer(key: DeviceKey): Buffer {
  return createPublicKey(key.object).export({ type: "spki", format: "der" });
}

/** The key as a WebCrypto pair, which is what the certificate generator signs with. */
export async function toCryptoKeyPair(key: DeviceKey): Promise<webcrypto.CryptoKeyPair> {
  const pkcs8 = key.object.export({ type: "pkcs8", format: "der" });
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey("pkcs8", pkcs8, key.algorithm, false, ["sign"]),
    webcrypto.subtle.importKey("spki", publicKeyDer(key), key.algorithm, true, ["verify"]),
  ]);
  return { privateKey, publicKey };
}
