import { writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { connect } from "node:tls";
import { describe, expect, it, vi } from "vitest";
import {
  type DeviceCertificate,
  ensureDeviceCertificate,
  issueCertificate,
  watchDeviceCertificate,
} from "../../src/certs/index.js";
import { HOST, logText, silentLogger, tempDir } from "./helpers.js";

const FAST = { debounceMs: 50, retryMs: 150 };
const WAIT = { timeout: 10_000, interval: 25 };

function peerFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername: HOST, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on("error", reject);
  });
}

describe("watching the certificate files", () => {
  it("hands a re-issued pair to onChange, and a running HTTPS server serves it without a restart", async () => {
    const dir = tempDir();
    const { logger, ring } = silentLogger();
    const current = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
    const server = createServer({ cert: current.certPem, key: current.keyPem }, (_q, r) => r.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const seen: DeviceCertificate[] = [];
    const watcher = watchDeviceCertificate(
      dir,
      (cert) => {
        seen.push(cert);
        server.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
      },
      logger,
      { current, ...FAST },
    );
    try {
      expect(await peerFingerprint(port)).toBe(current.fingerprintSha256);
      const next = await issueCertificate({ dataDir: dir, hostname: HOST, regenKey: true, days: 30 });
      await vi.waitFor(
        () => expect(seen.map((c) => c.fingerprintSha256)).toEqual([next.fingerprintSha256]),
        WAIT,
      );
      expect(await peerFingerprint(port)).toBe(next.fingerprintSha256);
      expect(logText(ring)).toContain(
        `serving the new certificate from ${dir}: SHA-256 ${next.fingerprintSha256}`,
      );
    } finally {
      watcher.close();
      await new Promise((r) => server.close(r));
    }
  });

  it("keeps the previous certificate when the new files are broken, and takes the next good pair", async () => {
    const dir = tempDir();
    const { logger, ring } = silentLogger();
    const current = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
    const seen: string[] = [];
    const watcher = watchDeviceCertificate(dir, (c) => seen.push(c.fingerprintSha256), logger, {
      current,
      ...FAST,
    });
    try {
      writeFileSync(
        join(dir, "owts.crt"),
        "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n",
      );
      await vi.waitFor(
        () =>
          expect(logText(ring)).toMatch(
            /the certificate files changed but cannot be used \(.*owts.crt cannot be read/,
          ),
        WAIT,
      );
      expect(logText(ring)).toContain("the previous certificate stays in service");
      expect(seen).toEqual([]);

      const fixed = await issueCertificate({ dataDir: dir, hostname: HOST });
      await vi.waitFor(() => expect(seen).toEqual([fixed.fingerprintSha256]), WAIT);
    } finally {
      watcher.close();
    }
  });

  it("calls nothing after close()", async () => {
    const dir = tempDir();
    const { logger } = silentLogger();
    const current = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
    const seen: string[] = [];
    const watcher = watchDeviceCertificate(dir, (c) => seen.push(c.fingerprintSha256), logger, {
      current,
      ...FAST,
    });
    // A second watcher on the same dir proves the change was noticeable while the first one was closed.
    const probe: string[] = [];
    const witness = watchDeviceCertificate(dir, (c) => probe.push(c.fingerprintSha256), logger, {
      current,
      ...FAST,
    });
    watcher.close();
    const next = await issueCertificate({ dataDir: dir, hostname: HOST });
    await vi.waitFor(() => expect(probe).toEqual([next.fingerprintSha256]), WAIT);
    witness.close();
    expect(seen).toEqual([]);
  });

  it("falls back to polling when the directory cannot be watched", async () => {
    const dir = join(tempDir(), "not-yet");
    const { logger, ring } = silentLogger();
    const seen: string[] = [];
    const watcher = watchDeviceCertificate(dir, (c) => seen.push(c.fingerprintSha256), logger, {
      ...FAST,
      pollMs: 100,
    });
    try {
      expect(logText(ring)).toMatch(
        /cannot watch .*not-yet \(ENOENT\); checking the certificate files every 100 ms instead/,
      );
      const cert = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
      await vi.waitFor(() => expect(seen).toEqual([cert.fingerprintSha256]), WAIT);
    } finally {
      watcher.close();
    }
  });
});
