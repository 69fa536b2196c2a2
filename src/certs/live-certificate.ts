import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { ClubCa } from "./ca.js";
import { ensureDeviceCertificate, renewalDue, type SiblingHostnames } from "./device-certificate.js";
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
  /** See EnsureCertificateOptions.siblingHostnames. @default () => [] */
  siblingHostnames?: SiblingHostnames;
  /**
   * The club CA (`--ca`): the certificate is issued by it and renewed, while running, once a third of
   * its life is left.
   * @default undefined (self-signed; no renewal, as the original)
   */
  ca?: ClubCa;
  /**
   * Wall-clock time and timers for renewal: `now()` is read as milliseconds since the epoch (tests pass
   * a ManualClock started at a date).
   * @default Date.now with the system's timers
   */
  clock?: Clock;
  logger: Logger;
  /**
   * Tuning of the file watcher (tests shorten its debounce).
   * @default {} (the watcher's defaults: debounce 300 ms, retry 1000 ms, poll 2000 ms)
   */
  watch?: Omit<WatchCertificateOptions, "current">;
}

/** Longest single wait between renewal checks: Node's timers overflow past 24.8 days, and a board's clock may jump. */
const RENEWAL_CHECK_MAX_MS = 6 * 3_600_000;
/** After a failed renewal (full disk), the next try. */
const RENEWAL_RETRY_MS = 3_600_000;

const wallClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => clearTimeout(t);
  },
};

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
  /** The club CA that issues it, or null when the certificate is self-signed. */
  readonly ca: ClubCa | null;
  /** Makes the certificate name `hostname` (re-issued with the same key if needed) and notifies on change. */
  setHostname(hostname: string): Promise<DeviceCertificate>;
  /** Returns the function that unsubscribes. */
  onChange(listener: CertificateListener): () => void;
  /** Stops watching the files. Idempotent. */
  close(): void;
}

export async function openLiveCertificate(opts: LiveCertificateOptions): Promise<LiveCertificate> {
  const log = opts.logger.child({ tag: "certs" });
  const clock = opts.clock ?? wallClock;
  let hostname = opts.hostname;
  const ensure = (name: string) =>
    ensureDeviceCertificate({
      dataDir: opts.dataDir,
      hostname: name,
      extraSans: opts.extraSans ?? [],
      keyType: opts.keyType ?? DEFAULT_KEY_TYPE,
      logger: opts.logger,
      now: new Date(clock.now()),
      ...(opts.siblingHostnames ? { siblingHostnames: opts.siblingHostnames } : {}),
      ...(opts.ca ? { ca: opts.ca } : {}),
    });

  let current = await ensure(hostname);
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

  const watcher = watchDeviceCertificate(
    opts.dataDir,
    (cert) => {
      adopt(cert);
      scheduleRenewal();
    },
    opts.logger,
    { ...opts.watch, current },
  );

  // Renewal runs through `ensure` like every other path: it decides (a third of life left) and logs why.
  let cancelRenewal: (() => void) | null = null;
  let closed = false;
  function scheduleRenewal(delayMs?: number): void {
    cancelRenewal?.();
    cancelRenewal = null;
    if (!opts.ca || closed) return;
    const wait = delayMs ?? Math.max(0, renewalDue(current).getTime() - clock.now());
    cancelRenewal = clock.setTimeout(
      () => {
        cancelRenewal = null;
        if (renewalDue(current).getTime() > clock.now()) return scheduleRenewal();
        ensure(hostname).then(
          (cert) => {
            adopt(cert);
            scheduleRenewal();
          },
          (err: Error) => {
            log.error(`renewing the certificate failed: ${err.message}; trying again in an hour`);
            scheduleRenewal(RENEWAL_RETRY_MS);
          },
        );
      },
      Math.min(wait, RENEWAL_CHECK_MAX_MS),
    );
  }
  scheduleRenewal();

  return {
    current: () => current,
    ca: opts.ca ?? null,
    async setHostname(name) {
      hostname = name;
      adopt(await ensure(name));
      scheduleRenewal();
      return current;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      closed = true;
      cancelRenewal?.();
      watcher.close();
    },
  };
}
