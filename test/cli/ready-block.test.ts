import type { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { demoFooter } from "../../src/cli/demo.js";
import { lanAddresses, type ReadyView, readyBlock } from "../../src/cli/start.js";

type Ifaces = ReturnType<typeof networkInterfaces>;
const iface = (address: string, internal = false) =>
  ({
    address,
    internal,
    family: address.includes(":") ? "IPv6" : "IPv4",
    netmask: "",
    mac: "00:00:00:00:00:00",
    cidr: null,
    ...(address.includes(":") ? { scopeid: 0 } : {}),
  }) as NonNullable<Ifaces[string]>[number];

/** A laptop on a club Wi-Fi: loopback, one IPv4, its link-local and a global IPv6. */
const LAPTOP: Ifaces = {
  lo: [iface("127.0.0.1", true), iface("::1", true)],
  wlan0: [iface("fe80::1c2:3ff:fe4:5"), iface("192.168.1.20"), iface("2001:db8::20")],
};
const OFFLINE: Ifaces = { lo: [iface("127.0.0.1", true)] };

function view(mdns: string | null): ReadyView {
  return {
    identity: () => ({ mode: "winch", esp_id: "DE0B01", hostname: "OWTS-winch-DE0B01" }),
    ports: { https: 8443, http: 8080 },
    certificate: () =>
      ({ fingerprintSha256: "AB:CD", notAfter: new Date("2036-01-01T00:00:00Z") }) as ReturnType<
        ReadyView["certificate"]
      >,
    mdnsName: () => mdns,
    ca: () => null,
  };
}

describe("the ready block", () => {
  it("lists phone-reachable addresses: IPv4 first, no loopback, no link-local", () => {
    expect(lanAddresses(LAPTOP)).toEqual(["192.168.1.20", "2001:db8::20"]);
    expect(lanAddresses(OFFLINE)).toEqual([]);
  });

  it("open to the network: a URL per LAN address with the HTTPS port, for a phone", () => {
    const out = readyBlock(view(null), "0.0.0.0", { ifaces: LAPTOP });
    expect(out).toContain("  HTTPS  https://127.0.0.1:8443/\n");
    expect(out).toContain("  HTTPS  https://192.168.1.20:8443/  (from a phone on this network)");
    expect(out).toContain("  HTTPS  https://[2001:db8::20]:8443/  (from a phone on this network)");
    expect(out).toContain("  HTTP   http://127.0.0.1:8080/  (redirects to HTTPS)");
    expect(out).not.toContain("fe80");
    expect(out).not.toContain("phone  only");
  });

  it("bound to loopback: says a phone cannot reach it and how to change that, with the LAN URL", () => {
    const out = readyBlock(view(null), "127.0.0.1", { ifaces: LAPTOP, command: "npx owts demo" });
    expect(out).toContain("  HTTPS  https://127.0.0.1:8443/\n");
    expect(out).toContain(
      "  phone  only this computer can open it (bound to 127.0.0.1); run `npx owts demo --listen 0.0.0.0` and open https://192.168.1.20:8443/ on a phone on the same network",
    );
    expect(out).not.toContain("(from a phone");
    expect(readyBlock(view(null), "127.0.0.1", { ifaces: OFFLINE })).toContain(
      "it has no network address a phone could use",
    );
    expect(readyBlock(view(null), "0.0.0.0", { ifaces: OFFLINE })).toContain(
      "no network address a phone could use: join it to the network first",
    );
  });

  it("prints a .local URL only when our mDNS responder advertises that name", () => {
    expect(readyBlock(view(null), "0.0.0.0", { ifaces: LAPTOP })).not.toContain(".local");
    const advertised = readyBlock(view("OWTS-winch-DE0B01.local"), "0.0.0.0", { ifaces: LAPTOP });
    expect(advertised).toContain("  HTTPS  https://OWTS-winch-DE0B01.local:8443/  (mDNS)");
    // After a conflict the responder may answer for another name: the block shows that one.
    expect(readyBlock(view("OWTS-winch-DE0B01-2.local"), "0.0.0.0", { ifaces: LAPTOP })).toContain(
      "https://OWTS-winch-DE0B01-2.local:8443/",
    );
  });

  it("keeps the fingerprint and expiry lines, and default ports without a suffix", () => {
    const v = { ...view(null), ports: { https: 443, http: 80 } };
    const out = readyBlock(v, "192.168.1.20", { ifaces: LAPTOP });
    expect(out).toMatch(
      /^OWTS winch DE0B01 ready\n {2}HTTPS {2}https:\/\/192\.168\.1\.20\/ {2}\(from a phone/,
    );
    expect(out).toContain("  HTTP   http://192.168.1.20/  (redirects to HTTPS)");
    expect(out).toContain("  certificate SHA-256 AB:CD\n  certificate expires 2036-01-01T00:00:00.000Z\n");
  });

  it("the demo's closing lines point to the winch monitor here or from a phone", () => {
    expect(demoFooter("127.0.0.1")).toMatch(/first HTTPS URL above/);
    expect(demoFooter("0.0.0.0")).toMatch(/from a phone on this network/);
    expect(demoFooter("0.0.0.0")).toContain("Ctrl-C stops both units.");
  });
});
