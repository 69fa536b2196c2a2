import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureDeviceCertificate } from "../../src/certs/index.js";
import { brokerLabel, resolveMqttConfig } from "../../src/mqtt/config.js";

const dir = mkdtempSync(join(tmpdir(), "owts-mqtt-config-"));

describe("MQTT configuration", () => {
  it("accepts mqtt:// and mqtts:// with default ports, reads the password file without its newline", async () => {
    writeFileSync(join(dir, "pw"), "hunter2\n");
    const r = await resolveMqttConfig({
      url: "mqtt://broker.local",
      user: "u",
      passwordFile: join(dir, "pw"),
    });
    expect(r).toEqual({
      ok: true,
      config: {
        protocol: "mqtt",
        host: "broker.local",
        port: 1883,
        user: "u",
        password: "hunter2",
        caPem: null,
        prefix: "owts",
        discovery: true,
      },
    });
    const t = await resolveMqttConfig({ url: "mqtts://[::1]", prefix: "club/winches", discovery: false });
    expect(t.ok && t.config).toMatchObject({
      protocol: "mqtts",
      host: "::1",
      port: 8883,
      prefix: "club/winches",
      discovery: false,
    });
    expect(t.ok && brokerLabel(t.config)).toBe("mqtts://[::1]:8883");
  });

  it("takes a CA made by our own certificate code for mqtts", async () => {
    const cert = await ensureDeviceCertificate({ dataDir: join(dir, "ca"), hostname: "broker" });
    const r = await resolveMqttConfig({ url: "mqtts://broker:8883", caFile: join(dir, "ca", "owts.crt") });
    expect(r.ok && r.config.caPem).toBe(cert.certPem);
  });

  it.each([
    [{ url: "http://broker" }, "/url", /mqtt:\/\/ or mqtts:\/\//],
    [{ url: "not a url" }, "/url", /is not a URL/],
    [{ url: "mqtt://u:pw@broker" }, "/url", /must not carry a user or password/],
    [{ url: "mqtt://broker/path" }, "/url", /no path/],
    [
      { url: "mqtt://broker", user: "u", passwordFile: "/nonexistent/pw" },
      "/password_file",
      /cannot be read: \/nonexistent\/pw \(ENOENT\)/,
    ],
    [{ url: "mqtt://broker", password: "x" }, "/user", /needed with a password/],
    [{ url: "mqtts://broker", caFile: "/nonexistent/ca" }, "/ca_file", /cannot be read/],
    [{ url: "mqtt://broker", prefix: "owts/#" }, "/prefix", /wildcards/],
    [{ url: "mqtt://broker", prefix: "/owts" }, "/prefix", /must not start or end with \//],
    [{ url: "mqtt://broker", prefix: "$SYS" }, "/prefix", /reserved/],
  ])("refuses %j: %s", async (input, field, message) => {
    const r = await resolveMqttConfig(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.field).toBe(field);
    expect(r.problems[0]?.message).toMatch(message);
  });

  it("refuses a CA file that is not a certificate (a key, random text, a broken PEM)", async () => {
    const key = readFileSync(join(dir, "ca", "owts.key"), "utf8");
    for (const [name, text] of [
      ["key.pem", key],
      ["text.pem", "hello\n"],
      ["broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"],
    ] as const) {
      writeFileSync(join(dir, name), text);
      const r = await resolveMqttConfig({ url: "mqtts://broker", caFile: join(dir, name) });
      expect(r.ok ? null : r.problems[0]?.field).toBe("/ca_file");
    }
  });

  it("reports every problem at once", async () => {
    const r = await resolveMqttConfig({ url: "ftp://x", prefix: "" });
    expect(r.ok ? [] : r.problems.map((p) => p.field)).toEqual(["/url", "/prefix"]);
  });
});
