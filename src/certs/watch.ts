import { type FSWatcher, watch } from "node:fs";
import { stat } from "node:fs/promises";
import type { Logger } from "../core/logger.js";
import { loadDeviceCertificate } from "./device-certificate.js";
import { CERT_FILE, certPaths, KEY_FILE } from "./files.js";
import type { DeviceCertificate } from "./inspect.js";

export interface CertificateWatcher {
  close(): void;
}

export interface WatchCertificateOptions {
  /**
   * The pair being served now; without it the watcher reads the files once at start.
   * @default undefined (the files are read once at start)
   */
  current?: DeviceCertificate;
  /**
   * Quiet time after the last file event before the pair is read (a re-issue renames two files).
   * @default 300
   */
  debounceMs?: number;
  /**
   * A pair that fails its check is read once more after this long before it is reported.
   * @default 1000
   */
  retryMs?: number;
  /**
   * Interval of the stat-polling fallback, used only when the directory cannot be watched.
   * @default 2000
   */
  pollMs?: number;
}

/**
 * Calls `onChange` with the new pair whenever `owts.crt`/`owts.key` in `dataDir` are replaced by a valid
 * pair with a new fingerprint (the running server hands it to `setSecureContext`). A pair that fails its
 * check (half-written, mismatched, damaged) is reported in the log and ignored, so the server keeps the
 * certificate it has. The directory is watched, not the files, because the files are replaced by rename.
 */
export function watchDeviceCertificate(
  dataDir: string,
  onChange: (cert: DeviceCertificate) => void,
  logger: Logger,
  opts: WatchCertificateOptions = {},
): CertificateWatcher {
  const log = logger.child({ tag: "certs" });
  const debounceMs = opts.debounceMs ?? 300;
  const retryMs = opts.retryMs ?? 1000;
  let known = opts.current?.fingerprintSha256 ?? null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let lastProblem: string | null = null;

  const schedule = (delay: number, attempt: number) => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void check(attempt), delay);
  };

  async function check(attempt: number): Promise<void> {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const cert = await loadDeviceCertificate(dataDir);
      lastProblem = null;
      if (!closed && cert.fingerprintSha256 !== known) {
        known = cert.fingerprintSha256;
        log.info(
          `serving the new certificate from ${dataDir}: SHA-256 ${cert.fingerprintSha256}, valid until ${cert.notAfter.toISOString()}`,
        );
        try {
          onChange(cert);
        } catch (err) {
          log.error(`applying the new certificate failed: ${(err as Error).message}`);
        }
      }
    } catch (err) {
      const problem = (err as Error).message;
      if (attempt === 0) schedule(retryMs, 1);
      else if (problem !== lastProblem && !closed) {
        lastProblem = problem;
        log.warn(
          `the certificate files changed but cannot be used (${problem}); the previous certificate stays in service`,
        );
      }
    } finally {
      running = false;
      if (again && !closed) {
        again = false;
        schedule(debounceMs, 0);
      }
    }
  }

  const onEvent = (filename: string | null) => {
    if (filename === null || filename === CERT_FILE || filename === KEY_FILE) schedule(debounceMs, 0);
  };

  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;
  const startPolling = (why: string) => {
    log.warn(
      `cannot watch ${dataDir} (${why}); checking the certificate files every ${opts.pollMs ?? 2000} ms instead`,
    );
    const paths = certPaths(dataDir);
    let signature = "";
    const sign = async () => {
      const parts = await Promise.all(
        [paths.cert, paths.key].map((p) =>
          stat(p).then(
            (s) => `${s.ino}:${s.size}:${s.mtimeMs}`,
            () => "-",
          ),
        ),
      );
      return parts.join("|");
    };
    void sign().then((s) => {
      signature = s;
    });
    poller = setInterval(() => {
      void sign().then((s) => {
        if (s !== signature) {
          signature = s;
          onEvent(null);
        }
      });
    }, opts.pollMs ?? 2000);
    poller.unref();
  };

  try {
    watcher = watch(dataDir, { persistent: false }, (_event, filename) =>
      onEvent(filename ? String(filename) : null),
    );
    watcher.on("error", (err) => {
      watcher?.close();
      watcher = undefined;
      if (!closed) startPolling(err.message);
    });
  } catch (err) {
    startPolling((err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }

  if (known === null)
    void loadDeviceCertificate(dataDir).then(
      (cert) => {
        known ??= cert.fingerprintSha256;
      },
      () => undefined,
    );

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poller);
      watcher?.close();
    },
  };
}
