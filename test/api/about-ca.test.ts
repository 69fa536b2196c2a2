import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initClubCa } from "../../src/certs/index.js";
import { startTestDevice, type TestDevice } from "./device-harness.js";

const run = promisify(execFile);
const ID = "3A4F1C";
const NAME = `OWTS-winch-${ID}.local`;

let caDir: string;
let withCa: TestDevice;
let plain: TestDevice;

beforeAll(async () => {
  caDir = join(mkdtempSync(join(tmpdir(), "owts-about-ca-")), "ca");
  await initClubCa({ dir: caDir, name: "Gliding Club <Nord> & Co" });
  withCa = await startTestDevice({ mode: "winch", espId: ID, caDir });
  plain = await startTestDevice({ mode: "winch", espId: "00BEEF" });
});

afterAll(async () => {
  await withCa?.device.stop();
  await plain?.device.stop();
});

/** curl trusting only the club CA, the unit's mDNS name resolved to loopback; never `-k`. */
async function curl(
  port: number,
  extra: string[],
  path = "/api/about",
): Promise<{ code: number; out: string; version: string }> {
  try {
    const { stdout } = await run(
      "curl",
      [
        "-sS",
        "--max-time",
        "10",
        "--cacert",
        join(caDir, "ca.crt"),
        "--resolve",
        `${NAME}:${port}:127.0.0.1`,
        "-w",
        "\n%{http_version}",
        ...extra,
        `https://${NAME}:${port}${path}`,
      ],
      { encoding: "utf8" },
    );
    const cut = stdout.lastIndexOf("\n");
    return { code: 0, out: stdout.slice(0, cut), version: stdout.slice(cut + 1) };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, out: e.stderr, version: "" };
  }
}

describe("a unit started with --ca", () => {
  it("verifies with curl --cacert ca.crt over HTTP/1.1, without -k", async () => {
    const r = await curl(withCa.port, ["--http1.1"]);
    expect(r).toMatchObject({ code: 0, version: "1.1" });
    expect(JSON.parse(r.out)).toMatchObject({ hostname: NAME });
  });

  it("verifies over HTTP/2 too when the server offers it (ALPN h2), else over HTTP/1.1", async () => {
    const offered = await new Promise<string | false | null>((resolve, reject) => {
      const socket = connect(
        {
          host: "127.0.0.1",
          port: withCa.port,
          servername: NAME,
          ALPNProtocols: ["h2", "http/1.1"],
          ca: readFileSync(join(caDir, "ca.crt")),
        },
        () => {
          resolve(socket.alpnProtocol);
          socket.end();
        },
      );
      socket.on("error", reject);
    });
    const r = await curl(withCa.port, ["--http2"]);
    expect(r.code).toBe(0);
    expect(r.version).toBe(offered === "h2" ? "2" : "1.1");
  });

  it("fails curl's verification with the unit's own trust anchor missing (the CA is what makes it pass)", async () => {
    const other = join(mkdtempSync(join(tmpdir(), "owts-other-ca-")), "ca");
    await initClubCa({ dir: other });
    const { code } = await run("curl", [
      "-sS",
      "--max-time",
      "10",
      "--cacert",
      join(other, "ca.crt"),
      "--resolve",
      `${NAME}:${withCa.port}:127.0.0.1`,
      `https://${NAME}:${withCa.port}/api/about`,
    ]).then(
      () => ({ code: 0 }),
      (err: { code: number }) => ({ code: err.code }),
    );
    expect(code).toBe(60); // peer certificate cannot be authenticated with given CA certificates
  });

  it("reports the CA in /api/about and serves it as PEM and as an Apple profile, never a private key", async () => {
    const about = await withCa.call("GET", "/api/about");
    const ca = new X509Certificate(readFileSync(join(caDir, "ca.crt"), "utf8"));
    expect(about.json).toMatchObject({
      ca: { name: "Gliding Club <Nord> & Co", sha256: ca.fingerprint256, not_after: expect.any(String) },
    });

    const pem = await withCa.call("GET", "/api/about/ca");
    expect(pem.status).toBe(200);
    expect(pem.headers["content-type"]).toMatch(/^application\/x-pem-file/);
    expect(pem.headers["content-disposition"]).toBe('attachment; filename="owts-club-ca.crt"');
    expect(new X509Certificate(pem.text).fingerprint256).toBe(ca.fingerprint256);

    const profile = await withCa.call("GET", "/api/about/ca.mobileconfig");
    expect(profile.status).toBe(200);
    expect(profile.headers["content-type"]).toMatch(/^application\/x-apple-aspen-config/);
    const body = profile.text;
    expect(body).toContain("<string>com.apple.security.root</string>");
    expect(body).toContain("<string>Configuration</string>");
    expect(body).toContain("<string>Gliding Club &lt;Nord&gt; &amp; Co</string>"); // escaped, still well-formed
    const der = /<data>\s*([A-Za-z0-9+/=\s]+?)\s*<\/data>/.exec(body)?.[1]?.replace(/\s+/g, "");
    expect(new X509Certificate(Buffer.from(der ?? "", "base64")).fingerprint256).toBe(ca.fingerprint256);
    // The same profile each time (stable UUIDs), so installing it again replaces it.
    expect((await withCa.call("GET", "/api/about/ca.mobileconfig")).text).toBe(body);

    for (const r of [about, pem, profile]) expect(r.text).not.toMatch(/PRIVATE KEY/);
  });
});

describe("a self-signed unit (no --ca)", () => {
  it("answers 404 not_found for both downloads and reports ca: null", async () => {
    for (const path of ["/api/about/ca", "/api/about/ca.mobileconfig"]) {
      const r = await plain.call("GET", path);
      expect(r.status).toBe(404);
      expect(r.json).toMatchObject({ error: "not_found" });
    }
    expect((await plain.call("GET", "/api/about")).json).toMatchObject({ ca: null });
    expect(plain.device.certificate().selfSigned).toBe(true);
    const days = (plain.device.certificate().notAfter.getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(3650);
  });
});
