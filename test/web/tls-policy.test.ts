import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTlsFixture } from "../helpers/tls-fixture.js";
import { fetchTls, type RunningApp, runTool, startApp } from "./harness.js";

let app: RunningApp;
let sessDir: string;

beforeAll(async () => {
  app = await startApp();
  sessDir = mkdtempSync(join(tmpdir(), "owts-sess-"));
});
afterAll(async () => {
  await app.close();
  rmSync(sessDir, { recursive: true, force: true });
});

const HTTP_GET = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

function sClient(...extra: string[]) {
  // -ign_eof: keep reading until the server closes, so TLS 1.3 tickets sent after the handshake arrive.
  return runTool(
    "openssl",
    ["s_client", "-connect", `127.0.0.1:${app.port}`, "-servername", "localhost", "-ign_eof", ...extra],
    HTTP_GET,
  );
}

/** Fingerprint of the certificate a fresh connection is shown. */
function peerFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: "127.0.0.1", port, servername: "localhost", rejectUnauthorized: false },
      () => {
        const fp = socket.getPeerCertificate().fingerprint256;
        socket.end();
        resolve(fp);
      },
    );
    socket.on("error", reject);
  });
}

describe("TLS policy (openssl s_client against the real server)", () => {
  it("refuses TLS 1.0 and 1.1 with a protocol_version alert from the server", async () => {
    for (const version of ["-tls1", "-tls1_1"]) {
      // SECLEVEL=0 lets this client offer the old protocol; the refusal must come from the server.
      const r = await sClient(version, "-cipher", "DEFAULT@SECLEVEL=0");
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/alert protocol version/);
    }
  });

  it("refuses TLS 1.2 suites without AEAD (CBC with SHA-1 or SHA-256)", async () => {
    for (const cipher of ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-SHA"]) {
      const r = await sClient("-tls1_2", "-cipher", cipher);
      expect(r.code, cipher).not.toBe(0);
      expect(r.stdout + r.stderr, cipher).toMatch(/alert handshake failure/);
    }
  });

  it("accepts TLS 1.2 with ECDHE + AES-GCM or CHACHA20-POLY1305 and TLS 1.3", async () => {
    const gcm = await sClient("-tls1_2");
    expect(gcm.stdout).toMatch(/Protocol\s*: TLSv1\.2/);
    expect(gcm.stdout).toMatch(/Cipher is ECDHE-ECDSA-AES128-GCM-SHA256/);
    expect(gcm.stdout).toContain("HTTP/1.1 200 OK");
    const chacha = await sClient("-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305");
    expect(chacha.stdout).toMatch(/Cipher is ECDHE-ECDSA-CHACHA20-POLY1305/);
    const v13 = await sClient("-tls1_3");
    expect(v13.stdout).toMatch(/New, TLSv1\.3, Cipher is TLS_AES_128_GCM_SHA256/);
    expect(v13.stdout).toContain("HTTP/1.1 200 OK");
  });

  it("resumes sessions (TLS 1.2 and 1.3) from a saved session", async () => {
    for (const version of ["-tls1_2", "-tls1_3"]) {
      const file = join(sessDir, `sess${version}.pem`);
      const first = await sClient(version, "-sess_out", file);
      expect(first.stdout, version).toMatch(/^New,/m);
      const second = await sClient(version, "-sess_in", file);
      expect(second.stdout, version).toMatch(/^Reused,/m);
      expect(second.stdout, version).toContain("HTTP/1.1 200 OK");
    }
  });
});

describe("certificate swap", () => {
  it("serves a re-issued certificate to new connections without a restart; sessions still resume", async () => {
    const before = await peerFingerprint(app.port);
    expect(before).toBe(new X509Certificate(app.tls.cert).fingerprint256);
    const sess = join(sessDir, "swap.pem");
    await sClient("-tls1_2", "-sess_out", sess);

    const next = makeTlsFixture();
    try {
      app.https.setCertificate(next.cert, next.key);
      const after = await peerFingerprint(app.port);
      expect(after).toBe(new X509Certificate(next.cert).fingerprint256);
      expect(after).not.toBe(before);
      const r = await fetchTls(app.port, next.cert, "/");
      expect(r.status).toBe(200);
      // Ticket keys outlive the swap: a client that knew the device does not pay a full handshake.
      expect((await sClient("-tls1_2", "-sess_in", sess)).stdout).toMatch(/^Reused,/m);
    } finally {
      app.https.setCertificate(app.tls.cert, app.tls.key);
      next.cleanup();
    }
  });

  it("rejects a key that does not belong to the certificate and keeps serving the old one", async () => {
    const other = makeTlsFixture();
    try {
      expect(() => app.https.setCertificate(app.tls.cert, other.key)).toThrow(
        /private key does not belong to the certificate/,
      );
      expect(() => app.https.setCertificate("not a pem", "nor this")).toThrow(/cannot be used/);
      expect(await peerFingerprint(app.port)).toBe(new X509Certificate(app.tls.cert).fingerprint256);
    } finally {
      other.cleanup();
    }
  });
});

describe("TLS garbage", () => {
  it("drops a connection that sends non-TLS bytes and keeps serving others", async () => {
    const closed = await new Promise<string>((resolve) => {
      const s = netConnect(app.port, "127.0.0.1", () => s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      let got = "";
      s.on("data", (d: Buffer) => {
        got += d.toString("latin1");
      });
      s.on("error", () => resolve(got));
      s.on("close", () => resolve(got));
    });
    expect(closed).not.toContain("HTTP/1.1");
    const r = await fetchTls(app.port, app.tls.cert, "/");
    expect(r.status).toBe(200);
  });

  it("drops a malformed TLS record that claims to be a handshake and keeps serving", async () => {
    const garbage = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40]), Buffer.alloc(64, 0xab)]);
    await new Promise<void>((resolve) => {
      const s = netConnect(app.port, "127.0.0.1", () => s.write(garbage));
      s.resume();
      s.on("error", () => resolve());
      s.on("close", () => resolve());
    });
    expect((await fetchTls(app.port, app.tls.cert, "/api/nope")).status).toBe(404);
  });
});
