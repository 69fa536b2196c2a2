import { describe, expect, it } from "vitest";
import {
  type Advertisement,
  buildRecords,
  canonicalAddress,
  HOST_TTL,
  MdnsConfigError,
  OTHER_TTL,
  recordKey,
  txtStrings,
} from "../../src/mdns/records.js";

const ad = (over: Partial<Advertisement> = {}): Advertisement => ({
  hostname: "OWTS-winch-3A4F1C",
  httpPort: 80,
  httpsPort: 443,
  txt: { mode: "winch", id: "3A4F1C", version: "0.1.0" },
  addresses: ["192.168.4.1", "fe80::1"],
  ...over,
});

describe("mDNS records", () => {
  it("advertises both services on one host, with the name's case kept", () => {
    const records = buildRecords(ad());
    const summary = records.map((r) => [r.name, r.type, r.ttl, r.flush, r.data]);
    const txt = ["mode=winch", "id=3A4F1C", "version=0.1.0", "path=/"];
    expect(summary).toEqual([
      ["_services._dns-sd._udp.local", "PTR", OTHER_TTL, false, "_http._tcp.local"],
      ["_http._tcp.local", "PTR", OTHER_TTL, false, "OWTS-winch-3A4F1C._http._tcp.local"],
      [
        "OWTS-winch-3A4F1C._http._tcp.local",
        "SRV",
        HOST_TTL,
        true,
        { priority: 0, weight: 0, port: 80, target: "OWTS-winch-3A4F1C.local" },
      ],
      ["OWTS-winch-3A4F1C._http._tcp.local", "TXT", OTHER_TTL, true, txt],
      ["_services._dns-sd._udp.local", "PTR", OTHER_TTL, false, "_https._tcp.local"],
      ["_https._tcp.local", "PTR", OTHER_TTL, false, "OWTS-winch-3A4F1C._https._tcp.local"],
      [
        "OWTS-winch-3A4F1C._https._tcp.local",
        "SRV",
        HOST_TTL,
        true,
        { priority: 0, weight: 0, port: 443, target: "OWTS-winch-3A4F1C.local" },
      ],
      ["OWTS-winch-3A4F1C._https._tcp.local", "TXT", OTHER_TTL, true, txt],
      ["OWTS-winch-3A4F1C.local", "A", HOST_TTL, true, "192.168.4.1"],
      ["OWTS-winch-3A4F1C.local", "AAAA", HOST_TTL, true, "fe80::1"],
    ]);
  });

  it("keeps a caller's path and never duplicates it", () => {
    expect(txtStrings({ mode: "aircraft", path: "/ui" })).toEqual(["mode=aircraft", "path=/ui"]);
    expect(txtStrings({})).toEqual(["path=/"]);
  });

  it("deduplicates addresses written differently", () => {
    const records = buildRecords(ad({ addresses: ["::1", "0:0:0:0:0:0:0:1", "10.0.0.2", "10.0.0.2"] }));
    expect(records.filter((r) => r.type === "A" || r.type === "AAAA").map((r) => r.data)).toEqual([
      "::1",
      "10.0.0.2",
    ]);
    expect(canonicalAddress("FE80:0::0001")).toBe("fe80::1");
  });

  it.each([
    ["a dotted hostname", { hostname: "OWTS.winch" }, /single DNS label/],
    ["the .local suffix", { hostname: "OWTS-winch-3A4F1C.local" }, /single DNS label/],
    ["an empty hostname", { hostname: "" }, /single DNS label/],
    ["a 64-character label", { hostname: "a".repeat(64) }, /single DNS label/],
    ["a leading hyphen", { hostname: "-OWTS" }, /single DNS label/],
    ["a space", { hostname: "OWTS winch" }, /single DNS label/],
    ["HTTP port 0", { httpPort: 0 }, /HTTP port 0/],
    ["HTTPS port 70000", { httpsPort: 70000 }, /HTTPS port 70000/],
    ["a fractional port", { httpPort: 80.5 }, /HTTP port 80.5/],
    ["a TXT key with =", { txt: { "a=b": "c" } }, /TXT key "a=b"/],
    ["an empty TXT key", { txt: { "": "c" } }, /TXT key ""/],
    ["a TXT key twice", { txt: { mode: "a", MODE: "b" } }, /appears twice/],
    ["a TXT entry over 255 bytes", { txt: { id: "x".repeat(253) } }, /longer than 255 bytes/],
    ["a non-string TXT value", { txt: { id: 7 as unknown as string } }, /must be a string/],
    ["no addresses", { addresses: [] }, /at least one address/],
    ["a bad address", { addresses: ["192.168.4.300"] }, /"192.168.4.300" is not an IPv4 or IPv6/],
  ])("rejects %s with a clear error", (_what, over, message) => {
    expect(() => buildRecords(ad(over))).toThrow(MdnsConfigError);
    expect(() => buildRecords(ad(over))).toThrow(message);
  });

  it("accepts the longest valid label and a 255-byte TXT entry", () => {
    expect(buildRecords(ad({ hostname: "a".repeat(63) }))[1]!.data).toBe(
      `${"a".repeat(63)}._http._tcp.local`,
    );
    expect(() => buildRecords(ad({ txt: { id: "x".repeat(252) } }))).not.toThrow();
  });

  it("identifies records by name (any case), type and data, not TTL", () => {
    const srv = buildRecords(ad())[2];
    if (srv?.type !== "SRV") throw new Error("expected the SRV record third");
    expect(recordKey({ ...srv, name: srv.name.toUpperCase(), ttl: 1 })).toBe(recordKey(srv));
    expect(recordKey({ ...srv, data: { ...srv.data, port: 81 } })).not.toBe(recordKey(srv));
    expect(recordKey({ ...srv, data: { ...srv.data, target: "OWTS-WINCH-3A4F1C.LOCAL" } })).toBe(
      recordKey(srv),
    );
  });
});
