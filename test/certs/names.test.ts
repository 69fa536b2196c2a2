import { describe, expect, it } from "vitest";
import { CertificateError } from "../../src/certs/errors.js";
import { deviceSans, formatSan, mergeSans, normalizeHostname, parseSan } from "../../src/certs/names.js";

describe("extra SAN parsing", () => {
  it.each([
    ["10.0.0.5", "IP:10.0.0.5"],
    [" 192.168.1.20 ", "IP:192.168.1.20"],
    ["FE80:0:0::1", "IP:fe80::1"],
    ["ip:::1", "IP:::1"],
    ["winch.club.lan", "DNS:winch.club.lan"],
    ["DNS:Winch-2.Club.Lan", "DNS:Winch-2.Club.Lan"],
    ["*.club.lan", "DNS:*.club.lan"],
    ["localhost", "DNS:localhost"],
  ])("accepts %j as %s", (raw, expected) => {
    expect(formatSan(parseSan(raw))).toBe(expected);
  });

  it.each([
    ["", /is not a DNS name or IP address: it is empty/],
    ["bad name!", /"bad name!" is not a valid label/],
    ["*.lan", /wildcard directly under a top-level label/],
    ["*", /wildcard directly under a top-level label/],
    ["a.*.lan", /"\*" is not a valid label/],
    ["foo..lan", /empty label/],
    [".foo.lan", /empty label/],
    ["-foo.lan", /"-foo" is not a valid label/],
    ["under_score.lan", /"under_score" is not a valid label/],
    ["https://winch.lan/", /is not a DNS name or IP address/],
    ["1.2.3", /looks like an IP address but is not one/],
    ["256.1.1.1", /looks like an IP address/],
    ["IP:winch.lan", /"winch.lan" is not an IPv4 or IPv6 address/],
    ["DNS:10.0.0.1", /it is an IP address; write it as IP:10.0.0.1/],
    ["fe80::1%eth0", /is not a DNS name or IP address/],
    [`${"a".repeat(64)}.lan`, /at most 63/],
    [`${"abcdefghi.".repeat(26)}lan`, /longer than 253/],
  ])("rejects %j with a clear message", (raw, message) => {
    let caught: unknown;
    try {
      parseSan(raw);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CertificateError);
    expect((caught as CertificateError).code).toBe("bad-name");
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toContain(`"${raw}"`);
  });
});

describe("hostname", () => {
  it("adds .local to a bare mDNS label and keeps the case", () => {
    expect(normalizeHostname("OWTS-winch-3A4F1C")).toBe("OWTS-winch-3A4F1C.local");
    expect(normalizeHostname("OWTS-winch-3A4F1C.local.")).toBe("OWTS-winch-3A4F1C.local");
    expect(normalizeHostname("winch.club.lan")).toBe("winch.club.lan");
  });

  it.each(["*.local", "10.0.0.1", "", "bad host", "a..local"])("rejects %j", (raw) => {
    expect(() => normalizeHostname(raw)).toThrow(/hostname ".*" cannot be used/);
  });
});

describe("device SAN list", () => {
  it("has the firmware names, the exact hostname and its lower case, then the extras", () => {
    const sans = deviceSans("OWTS-winch-3A4F1C.local", [
      parseSan("10.0.0.5"),
      { type: "dns", value: "*.local" },
    ]);
    expect(sans.map(formatSan)).toEqual([
      "IP:192.168.4.1",
      "DNS:*.local",
      "DNS:OWTS-winch-3A4F1C.local",
      "DNS:owts-winch-3a4f1c.local",
      "IP:10.0.0.5",
    ]);
  });

  it("lists a hostname that is already lower case once", () => {
    expect(deviceSans("winch.lan").map(formatSan)).toEqual([
      "IP:192.168.4.1",
      "DNS:*.local",
      "DNS:winch.lan",
    ]);
  });

  it("drops exact duplicates only", () => {
    const merged = mergeSans([parseSan("a.lan")], [parseSan("a.lan"), parseSan("A.lan"), parseSan("::1")]);
    expect(merged.map(formatSan)).toEqual(["DNS:a.lan", "DNS:A.lan", "IP:::1"]);
  });
});
