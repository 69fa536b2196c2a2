import type { Logger } from "../core/logger.js";
import { ensureDeviceCertificate } from "./device-certificate.js";
import type { DeviceCertificate } from "./inspect.js";
import { DEFAULT_KEY_TYPE } from "./key-type.js";
import type { KeyType } from "./keys.js";
import type { San } from "./names.js";
import { type WatchCertificateOptions, watchDeviceCertificate } from "./watch.js";

export interface LiveCertificateOptions {
  dataDir: string;
  /** The device hostname the certificate must name (`OWTS-<mode>-<esp_id>`). */
  hostname: string;
  /**
   * Extra names (`--san`).
   * @default []
   */
  extraSans?: readonly (string | San)[];
  /**
   * Key type used only when no key exists yet; an existing key is never replaced here.
   * @default DEFAULT_KEY_TYPE ("ecdsa")
   */
  keyType?: KeyType;
  logger: Logger;
  /**
   * Tuning of the file watcher (tests shorten its debounce).
   * @default {} (the watcher's defaults: debounce 300 ms, retry 1000 ms, poll 2000 ms)
   */
  watch?: Omit<WatchCertificateOptions, "current">;
}

/** Called with the pair that is now current; a listener that throws is logged and the others still run. */
export type CertificateListener = (cert: DeviceCertificate) => void;

/**
 * The one owner of the certificate a running device serves. It makes sure a usable pair exists at
 * start, re-issues it when the hostname changes (a mode switch), follows `owts certs` re-issuing the
 * files behind its back, and tells its subscribers once per new fingerprint — whichever of the three
 * produced it. Every path uses the same options, so a re-issue can never quietly change the key type
 * or drop a `--san`.
 */
export interface LiveCertificate {
  current(): DeviceCertificate;
  /** Makes the certificate name `hostname` (re-issued with the same key if needed) and notifies on change. */
  setHostname(hostname: string): Promise<DeviceCertificate>;
  /** Returns the function that unsubscribes. */
  onChange(listener: CertificateListener): () => void;
  /** Stops watching the files. Idempotent. */
  close(): void;
}

export async function openLiveCertificate(opts: LiveCertificateOptions): Promise<LiveCertificate> {
  const log = opts.logger.child({ tag: "certs" });
  const ensure = (hostname: string) =>
    ensureDeviceCertificate({
      dataDir: opts.dataDir,
      hostname,
      extraSans: opts.extraSans ?? [],
      keyType: opts.keyType ?? DEFAULT_KEY_TYPE,
      logger: opts.logger,
    });

  let current = await ensure(opts.hostname);
  const listeners = new Set<CertificateListener>();

  // Both the watcher and a hostname change land here; the fingerprint decides whether anything changed,
  // so our own re-issue, seen again by the watcher a moment later, is not announced twice.
  const adopt = (cert: DeviceCertificate): void => {
    if (cert.fingerprintSha256 === current.fingerprintSha256) return;
    current = cert;
    for (const listener of listeners) {
      try {
        listener(cert);
      } catch (err) {
        log.error(`applying the new certificate failed: ${(err as Error).message}`);
      }
    }
  };

  const watcher = watchDeviceCertificate(opts.dataDir, adopt, opts.logger, { ...opts.watch, current });

  return {
    current: () => current,
    async setHostname(hostname) {
      adopt(await ensure(hostname));
      return current;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => watcher.close(),
  };
}
