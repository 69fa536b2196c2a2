import { execFile } from "node:child_process";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { connect } from "node:tls";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { type DeviceCertificate, ensureDeviceCertificate } from "../../src/certs/index.js";
import { HOST, tempDir } from "./helpers.js";

const run = promisify(execFile);
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(cert: DeviceCertificate): Promise<number> {
  const server = createServer(
    { cert: cert.certPem, key: cert.keyPem, minVersion: "TLSv1.2" },
    (_req, res) => {
      res.end("owts ok\n");
    },
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** curl trusting only the device certificate, with the name resolved to loopback. */
async function curl(dir: string, name: string, port: number): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(
      "curl",
      [
        "--silent",
        "--show-error",
        "--max-time",
        "10",
        "--cacert",
        join(dir, "owts.crt"),
        "--resolve",
        `${name}:${port}:127.0.0.1`,
        `https://${name}:${port}/`,
      ],
      { timeout: 15_000 },
    );
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, out: e.stderr };
  }
}

describe.each(["ecdsa", "rsa"] as const)("a real TLS client accepts the %s device certificate", (keyType) => {
  it("by the exact hostname and its lower case, and refuses another name", async () => {
    const dir = tempDir();
    const cert = await ensureDeviceCertificate({
      dataDir: dir,
      hostname: HOST,
      keyType,
      extraSans: ["winch.club.lan"],
    });
    const port = await serve(cert);

    expect(await curl(dir, HOST, port)).toEqual({ code: 0, out: "owts ok\n" });
    expect(await curl(dir, HOST.toLowerCase(), port)).toEqual({ code: 0, out: "owts ok\n" });
    expect(await curl(dir, "winch.club.lan", port)).toEqual({ code: 0, out: "owts ok\n" });
    // The check is real: a name the certificate does not carry fails verification (curl exit 60).
    const other = await curl(dir, "OWTS-winch-000000.example", port);
    expect(other.code).toBe(60);
    expect(other.out).toMatch(/certificate|subject name/i);
  });
});

it("Node's TLS client verifies the hostname against the certificate too", async () => {
  const dir = tempDir();
  const cert = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
  const port = await serve(cert);
  const handshake = (servername: string) =>
    new Promise<string>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port, servername, ca: cert.certPem }, () => {
        resolve(`ok ${socket.getPeerCertificate().fingerprint256}`);
        socket.end();
      });
      socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
  expect(await handshake(HOST)).toBe(`ok ${cert.fingerprintSha256}`);
  expect(await handshake("owts-winch-3a4f1c.local")).toBe(`ok ${cert.fingerprintSha256}`);
  expect(await handshake("elsewhere.local")).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
});
