import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { encode, renderUnicodeCompact } from "uqr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, type DeviceProcess, startDevice } from "../helpers/device-process.js";

const run = promisify(execFile);

async function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("curl", ["-sS", "--max-time", "10", ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("owts start (a real process on loopback)", () => {
  let dev: DeviceProcess;
  const host = "OWTS-winch-3A4F1C.local";

  beforeAll(async () => {
    dev = await startDevice(["--mode", "winch", "--id", "3a4f1c"]);
  });
  afterAll(async () => {
    await dev?.stop();
  });

  it("prints its URLs and the certificate fingerprint once ready", async () => {
    expect(dev.output()).toMatch(/OWTS winch 3A4F1C ready/);
    expect(dev.output()).toContain(`https://127.0.0.1:${dev.httpsPort}/`);
    // Started with --no-mdns: nothing answers for the .local name, so the block does not offer it.
    const block = dev.output().slice(dev.output().indexOf("OWTS winch 3A4F1C ready"));
    expect(block).not.toContain(".local");
    expect(dev.output()).toMatch(/phone {2}only this computer can open it \(bound to 127\.0\.0\.1\)/);
    const fp = /certificate SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(dev.output())?.[1];
    const { stdout } = await run("openssl", [
      "x509",
      "-in",
      join(dev.dataDir, "owts.crt"),
      "-noout",
      "-fingerprint",
      "-sha256",
    ]);
    expect(stdout.trim()).toBe(`sha256 Fingerprint=${fp}`);
  });

  it("prints a QR code of the device URL in text, to scan from a board's console", () => {
    // Bound to loopback without mDNS: the one URL that works is this machine's.
    const url = `https://127.0.0.1:${dev.httpsPort}/`;
    expect(dev.output()).toContain(`scan to open ${url}`);
    // Every module row of the URL's code, as uqr draws it (two module rows per text line).
    const rows = renderUnicodeCompact(url, { ecc: "M", border: 2 }).split("\n");
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(dev.output()).toContain(`  ${row}\n`);
    expect(encode(url, { ecc: "M" }).size).toBeGreaterThanOrEqual(25);
  });

  it("serves a certificate that curl verifies for the exact and the lowercase hostname", async () => {
    for (const name of [host, host.toLowerCase()]) {
      const r = await curl([
        "--cacert",
        join(dev.dataDir, "owts.crt"),
        "--resolve",
        `${name}:${dev.httpsPort}:127.0.0.1`,
        `https://${name}:${dev.httpsPort}/api/about`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ mode: "winch", esp_id: "3A4F1C", hostname: host });
    }
    const wrong = await curl([
      "--cacert",
      join(dev.dataDir, "owts.crt"),
      "--resolve",
      `evil.example:${dev.httpsPort}:127.0.0.1`,
      `https://evil.example:${dev.httpsPort}/`,
    ]);
    expect(wrong.code).toBe(60);
  });

  it("carries the SoftAP IP, *.local and the hostname in the certificate", async () => {
    const { stdout } = await run("openssl", [
      "x509",
      "-in",
      join(dev.dataDir, "owts.crt"),
      "-noout",
      "-ext",
      "subjectAltName",
    ]);
    for (const san of ["IP Address:192.168.4.1", "DNS:*.local", `DNS:${host}`, `DNS:${host.toLowerCase()}`])
      expect(stdout).toContain(san);
  });

  it("redirects HTTP to HTTPS with the path and query, never to a foreign host", async () => {
    const own = await curl(["-si", `http://127.0.0.1:${dev.httpPort}/aircraft/live?x=1`]);
    expect(own.stdout).toMatch(/^HTTP\/1\.1 302/);
    expect(own.stdout).toMatch(
      new RegExp(`Location: https://127\\.0\\.0\\.1:${dev.httpsPort}/aircraft/live\\?x=1\\r\\n`),
    );
    const evil = await curl([
      "-si",
      "-H",
      "Host: evil.example",
      `http://127.0.0.1:${dev.httpPort}/api/about`,
    ]);
    expect(evil.stdout).toMatch(new RegExp(`Location: https://${host}:${dev.httpsPort}/api/about\\r\\n`));
  });

  it("keeps serving after garbage on both ports", async () => {
    // Plain HTTP to the TLS port, and the start of a TLS ClientHello to the HTTP port.
    const garbage: [number, Buffer][] = [
      [dev.httpsPort, Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")],
      [dev.httpPort, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])],
    ];
    for (const [port, bytes] of garbage) {
      await new Promise<void>((resolve) => {
        const s = connect(port, "127.0.0.1", () => s.write(bytes));
        const timer = setTimeout(() => s.destroy(), 5_000);
        s.on("close", () => {
          clearTimeout(timer);
          resolve();
        });
        s.on("error", () => {});
      });
    }
    const r = await curl(["-k", `https://127.0.0.1:${dev.httpsPort}/api/status`]);
    expect(JSON.parse(r.stdout).tls_failures.protocol_mismatch).toBeGreaterThanOrEqual(1);
  });
});

describe("owts start refuses bad input before binding anything", () => {
  it.each([
    [["--https-port", "70000"], /--https-port: 70000 is out of range/],
    [["--id", "nothex"], /--id: "nothex" is not 6 hex digits/],
    [["--frobnicate"], /Unknown option '--frobnicate'/],
    [["--sensor", "replay", "--replay", "/nonexistent/launch.csv"], /--replay: .*launch\.csv/],
  ])("%j → exit 2, one line", (argv, pattern) => {
    const dataDir = mkdtempSync(join(tmpdir(), "owts-bad-"));
    const r = spawnSync(
      process.execPath,
      [CLI, "start", "--data-dir", dataDir, "--https-port", "0", "--http-port", "0", ...argv],
      {
        encoding: "utf8",
        timeout: 15_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("names a bad line of a replay file", () => {
    const dir = mkdtempSync(join(tmpdir(), "owts-replay-"));
    const file = join(dir, "launch.csv");
    writeFileSync(file, "t_ms,ias_kmh\n0,0\n100,abc\n");
    const r = spawnSync(
      process.execPath,
      [CLI, "start", "--data-dir", dir, "--sensor", "replay", "--replay", file],
      { encoding: "utf8", timeout: 15_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/line 3/);
  });

  it("says what to do when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dataDir = mkdtempSync(join(tmpdir(), "owts-busy-"));
      const r = spawnSync(
        process.execPath,
        [
          CLI,
          "start",
          "--data-dir",
          dataDir,
          "--listen",
          "127.0.0.1",
          "--no-mdns",
          "--https-port",
          String(port),
          "--http-port",
          "0",
        ],
        {
          encoding: "utf8",
          timeout: 20_000,
        },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`port ${port} is already in use .* --https-port`));
      expect(readFileSync(join(dataDir, "owts.crt"), "utf8")).toContain("BEGIN CERTIFICATE");
    } finally {
      blocker.close();
    }
  });
});

describe("owts start shuts down cleanly", () => {
  it("exits 0 on SIGTERM and on SIGINT, releasing its ports", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const dev = await startDevice([]);
      expect(await dev.stop(signal)).toBe(0);
      const probe = createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once("error", reject);
        probe.listen(dev.httpsPort, "127.0.0.1", () => resolve());
      });
      probe.close();
    }
  });
});

describe("owts certs against a running device", () => {
  it("re-issues the certificate and the running device serves it without a restart", async () => {
    const dev = await startDevice(["--mode", "aircraft", "--id", "0A0B0C"]);
    try {
      const fingerprint = async () => {
        const r = await curl(["-k", `https://127.0.0.1:${dev.httpsPort}/api/about`]);
        return (JSON.parse(r.stdout) as { certificate: { sha256: string } }).certificate.sha256;
      };
      const served = async () => {
        const { stdout } = await run("sh", [
          "-c",
          `openssl s_client -connect 127.0.0.1:${dev.httpsPort} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
        ]);
        return stdout.trim().replace("sha256 Fingerprint=", "");
      };
      const before = await served();
      expect(await fingerprint()).toBe(before);
      const certs = spawnSync(
        process.execPath,
        [CLI, "certs", "--data-dir", dev.dataDir, "--days", "30", "--yes"],
        {
          encoding: "utf8",
          timeout: 20_000,
        },
      );
      expect(certs.status, certs.stderr).toBe(0);
      let after = before;
      for (let i = 0; i < 50 && after === before; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await served();
      }
      expect(after).not.toBe(before);
      expect(await fingerprint()).toBe(after);
      const { stdout } = await run("openssl", [
        "x509",
        "-in",
        join(dev.dataDir, "owts.crt"),
        "-noout",
        "-enddate",
      ]);
      const days = (Date.parse(stdout.split("=")[1] as string) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29);
      expect(days).toBeLessThan(31);
    } finally {
      await dev.stop();
    }
  });
});
