import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { detectEspId, deviceHostname, isMode, parseEspId } from "../../src/device/identity.js";

const nic = (mac: string, internal = false): NetworkInterfaceInfo => ({
  address: "10.0.0.2",
  netmask: "255.255.255.0",
  family: "IPv4",
  mac,
  internal,
  cidr: "10.0.0.2/24",
});

const routeTable = [
  "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
  "eth1\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
  "wlan0\t00000000\t0104A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0",
].join("\n");

describe("identity", () => {
  it("takes the last three MAC bytes of the default-route interface", () => {
    const ifaces = {
      lo: [nic("00:00:00:00:00:00", true)],
      eth1: [nic("aa:bb:cc:11:22:33")],
      wlan0: [nic("de:ad:be:3a:4f:1c")],
    };
    const got = detectEspId(ifaces, (p) => {
      if (p === "/proc/net/route") return routeTable;
      throw new Error("no file");
    });
    expect(got.espId).toBe("3A4F1C");
    expect(got.from).toContain("wlan0");
  });

  it("falls back to the first interface with a MAC, then to machine-id", () => {
    const noRoute = (p: string) => {
      if (p === "/etc/machine-id") return "0123456789abcdef0123456789abcdef\n";
      throw new Error("no file");
    };
    expect(detectEspId({ eth0: [nic("02:42:ac:11:00:02")] }, noRoute).espId).toBe("110002");
    const fromMachineId = detectEspId({ lo: [nic("00:00:00:00:00:00", true)] }, noRoute);
    expect(fromMachineId.espId).toMatch(/^[0-9A-F]{6}$/);
    expect(detectEspId({}, noRoute).espId).toBe(fromMachineId.espId);
  });

  it("parses ids and modes strictly", () => {
    expect(parseEspId("3a4f1c")).toBe("3A4F1C");
    for (const bad of ["3A4F1", "3A4F1CD", "GGGGGG", "", "3A 4F1"]) expect(parseEspId(bad)).toBeNull();
    expect(isMode("winch")).toBe(true);
    expect(isMode("glider")).toBe(false);
    expect(deviceHostname("winch", "3A4F1C")).toBe("OWTS-winch-3A4F1C");
  });
});
