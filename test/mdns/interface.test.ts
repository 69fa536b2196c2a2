import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { onLink, resolveMdnsInterface } from "../../src/mdns/interface.js";
import { MdnsConfigError } from "../../src/mdns/records.js";

const v4 = (address: string, netmask = "255.255.255.0", internal = false): NetworkInterfaceInfo => ({
  address,
  netmask,
  family: "IPv4",
  mac: "02:00:00:00:00:01",
  internal,
  cidr: `${address}/24`,
});
const v6 = (address: string): NetworkInterfaceInfo => ({
  address,
  netmask: "ffff:ffff:ffff:ffff::",
  family: "IPv6",
  mac: "02:00:00:00:00:01",
  internal: false,
  cidr: `${address}/64`,
  scopeid: 2,
});

const ifaces = {
  lo: [v4("127.0.0.1", "255.0.0.0", true)],
  eth0: [v4("10.0.0.5"), v6("fe80::5")],
  wlan0: [v4("192.168.4.1"), v4("192.168.4.2"), v6("fe80::1")],
  can0: [v6("fe80::9")],
};
const route = (iface: string) => () =>
  `Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n${iface}\t00000000\t0104A8C0\t0003\t0\t0\t600\t00000000\n`;
const noRoute = () => {
  throw new Error("no /proc");
};

describe("mDNS interface choice", () => {
  it("resolves --mdns-interface NAME to its IPv4 address and all its addresses", () => {
    expect(resolveMdnsInterface({ interfaceName: "wlan0" }, ifaces, noRoute)).toEqual({
      name: "wlan0",
      address: "192.168.4.1",
      netmask: "255.255.255.0",
      addresses: ["192.168.4.1", "192.168.4.2", "fe80::1"],
    });
  });

  it("finds the interface that holds an explicit address, loopback included", () => {
    expect(resolveMdnsInterface({ interfaceAddress: "192.168.4.2" }, ifaces, noRoute).addresses[0]).toBe(
      "192.168.4.2",
    );
    expect(resolveMdnsInterface({ interfaceAddress: "127.0.0.1" }, ifaces, noRoute)).toMatchObject({
      name: "lo",
      addresses: ["127.0.0.1"],
    });
  });

  it("defaults to the default-route interface, else the first external IPv4 one", () => {
    expect(resolveMdnsInterface({}, ifaces, route("wlan0")).name).toBe("wlan0");
    expect(resolveMdnsInterface({}, ifaces, noRoute).name).toBe("eth0");
  });

  it.each([
    [{ interfaceName: "wlan9" }, /"wlan9" does not exist \(this machine has: lo, eth0, wlan0, can0\)/],
    [{ interfaceName: "can0" }, /"can0" has no IPv4 address/],
    [
      { interfaceName: "eth0", interfaceAddress: "192.168.4.1" },
      /"eth0" does not hold the address 192.168.4.1/,
    ],
    [{ interfaceAddress: "10.1.1.1" }, /no network interface holds the mDNS address 10.1.1.1/],
    [{ interfaceAddress: "fe80::1" }, /"fe80::1" is not an IPv4 address/],
  ])("rejects %o with a clear error", (selection, message) => {
    expect(() => resolveMdnsInterface(selection, ifaces, noRoute)).toThrow(MdnsConfigError);
    expect(() => resolveMdnsInterface(selection, ifaces, noRoute)).toThrow(message);
  });

  it("says what to do when no interface can carry mDNS", () => {
    expect(() => resolveMdnsInterface({}, { lo: ifaces.lo, can0: ifaces.can0 }, noRoute)).toThrow(
      /pass --mdns-interface NAME or --no-mdns/,
    );
  });

  it("tells on-link queriers from others", () => {
    const wlan = { address: "192.168.4.1", netmask: "255.255.255.0" };
    expect(onLink(wlan, "192.168.4.77")).toBe(true);
    expect(onLink(wlan, "192.168.5.77")).toBe(false);
    expect(onLink(wlan, "0.0.0.0")).toBe(false);
    expect(onLink(wlan, "fe80::1")).toBe(false);
    expect(onLink({ address: "127.0.0.1", netmask: "255.0.0.0" }, "127.3.2.1")).toBe(true);
  });
});
