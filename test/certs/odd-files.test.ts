import { execFileSync } from "node:child_process";
import { lstatSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CertificateError, ensureDeviceCertificate, MAX_PEM_BYTES } from "../../src/certs/index.js";
import { HOST, silentLogger, tempDir } from "./helpers.js";

/** What is in `dir`, by lstat: links stay links, nothing is opened (a FIFO would block a read). */
function entries(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const st = lstatSync(join(dir, name));
    out[name] = st.isSymbolicLink()
      ? `link -> ${readlinkSync(join(dir, name))}`
      : `${st.mode.toString(8)} ${st.size}`;
  }
  return out;
}

async function refusal(dir: string, message: RegExp): Promise<void> {
  const before = entries(dir);
  const started = performance.now();
  const err = await ensureDeviceCertificate({
    dataDir: dir,
    hostname: HOST,
    logger: silentLogger().logger,
  }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CertificateError);
  expect((err as Error).message).toMatch(message);
  expect(entries(dir)).toEqual(before);
  // Bounded by reading nothing unbounded, not by speed: a FIFO or /dev/zero would take forever.
  expect(performance.now() - started).toBeLessThan(5_000);
}

describe("certificate files from odd places are refused, never read without bound or replaced", () => {
  it("a FIFO as the key: refused at once (start-up does not hang)", async () => {
    const dir = tempDir();
    await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
    execFileSync("rm", [join(dir, "owts.key")]);
    execFileSync("mkfifo", [join(dir, "owts.key")]);
    await refusal(dir, /owts\.key is not a regular file \(a FIFO\)/);
  });

  it("the certificate pointing at /dev/zero: refused without reading it", async () => {
    const dir = tempDir();
    await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
    execFileSync("rm", [join(dir, "owts.crt")]);
    symlinkSync("/dev/zero", join(dir, "owts.crt"));
    await refusal(dir, /owts\.crt is not a regular file \(a device\)/);
  });

  it("a certificate file larger than any PEM: refused with its size", async () => {
    const dir = tempDir();
    await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
    writeFileSync(join(dir, "owts.crt"), "x".repeat(MAX_PEM_BYTES + 1));
    await refusal(
      dir,
      new RegExp(`owts\\.crt is ${MAX_PEM_BYTES + 1} bytes; .* at most ${MAX_PEM_BYTES} bytes`),
    );
  });

  it("dangling links for both files: an error naming the target, the links kept", async () => {
    const dir = tempDir();
    symlinkSync("/nonexistent/owts.crt", join(dir, "owts.crt"));
    symlinkSync("missing.key", join(dir, "owts.key"));
    await refusal(
      dir,
      /owts\.(crt|key) is a link to (\/nonexistent\/owts\.crt|missing\.key), which does not exist/,
    );
    expect(lstatSync(join(dir, "owts.crt")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, "owts.key")).isSymbolicLink()).toBe(true);
  });

  it("links to a good pair elsewhere are followed (the other half of the rule)", async () => {
    const real = tempDir();
    const first = await ensureDeviceCertificate({ dataDir: real, hostname: HOST });
    const dir = tempDir();
    symlinkSync(join(real, "owts.crt"), join(dir, "owts.crt"));
    symlinkSync(join(real, "owts.key"), join(dir, "owts.key"));
    const again = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
    expect(again.fingerprintSha256).toBe(first.fingerprintSha256);
  });
});
