import { randomBytes } from "node:crypto";
import { createSecureContext, type SecureContextOptions, type TlsOptions } from "node:tls";

/**
 * TLS 1.2 suites: ECDHE key exchange (forward secrecy) with AEAD ciphers only, fastest first for
 * devices without AES instructions (CHACHA20 after AES-GCM: a Pi 4 has no ARMv8 crypto extensions,
 * but clients with AES-NI prefer AES and we honour our order). TLS 1.3 suites are all AEAD.
 */
export const TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
] as const;
export const TLS13_CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_AES_256_GCM_SHA384",
] as const;
export const CIPHER_LIST = [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(":");

/** Resumed sessions skip the expensive key exchange: on a small board that is most of a handshake's cost. */
const SESSION_LIFETIME_S = 3600;
const SESSION_ID_CONTEXT = "owts";

export interface CertificatePair {
  certPem: string | Buffer;
  keyPem: string | Buffer;
}

/**
 * Ticket keys live for the process: tickets issued before a certificate swap still resume after it,
 * and a restart (new keys) simply costs one full handshake per client.
 */
const PROCESS_TICKET_KEYS = randomBytes(48);

function contextOptions(pair: CertificatePair): SecureContextOptions {
  return {
    cert: pair.certPem,
    key: pair.keyPem,
    minVersion: "TLSv1.2",
    ciphers: CIPHER_LIST,
    honorCipherOrder: true,
    sessionIdContext: SESSION_ID_CONTEXT,
    sessionTimeout: SESSION_LIFETIME_S,
    ticketKeys: PROCESS_TICKET_KEYS,
  };
}

/** Options for the TLS server (and for `setSecureContext` when the certificate changes): `h2` first, then `http/1.1`. */
export function tlsServerOptions(pair: CertificatePair): TlsOptions {
  return { ...contextOptions(pair), ALPNProtocols: ["h2", "http/1.1"] };
}

/**
 * Builds a secure context once to prove the pair is usable (PEM parses, key matches certificate)
 * before anything is swapped; throws an Error that says what is wrong in plain words.
 */
export function checkCertificatePair(pair: CertificatePair): void {
  try {
    createSecureContext(contextOptions(pair));
  } catch (err) {
    const reason = (err as Error).message;
    if (/KEY_VALUES_MISMATCH|key values mismatch/i.test(reason)) {
      throw new Error("the private key does not belong to the certificate");
    }
    throw new Error(`the certificate or key cannot be used: ${reason}`);
  }
}
