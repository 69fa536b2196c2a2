import { readFileSync } from "node:fs";
import { isIPv4 } from "node:net";
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";
import { MdnsConfigError } from "./records.js";

export interface MdnsInterface {
  /** Kernel name, e.g. `wlan0`. */
  name: string;
  /** The IPv4 address multicast membership and sends go through. */
  address: string;
  netmask: string;
  /** Every address of the interface, the chosen IPv4 first: the default A/AAAA data. */
  addresses: string[];
}

export interface InterfaceSelection {
  interfaceName?: string | undefined;
  interfaceAddress?: string | undefined;
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

function defaultRouteInterface(readText: (path: string) => string): string | null {
  let table = "";
  try {
    table = readText("/proc/net/route");
  } catch {
    return null;
  }
  for (const line of table.split("\n").slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === "00000000" && mask === "00000000") return iface;
  }
  return null;
}

function describe(name: string, infos: NetworkInterfaceInfo[], address: string): MdnsInterface {
  const chosen = infos.find((i) => i.address === address)!;
  const rest = infos.map((i) => i.address).filter((a) => a !== address);
  return { name, address, netmask: chosen.netmask, addresses: [address, ...new Set(rest)] };
}

/**
 * The one interface mDNS runs on. `--mdns-interface NAME` names it; an explicit IPv4 address (tests use
 * 127.0.0.1 inside a private namespace) picks the interface that holds it; otherwise the interface with
 * the default route, else the first non-internal one with IPv4. Every miss is a clear MdnsConfigError.
 */
export function resolveMdnsInterface(
  selection: InterfaceSelection,
  ifaces: Interfaces = networkInterfaces(),
  readText: (path: string) => string = (p) => readFileSync(p, "utf8"),
): MdnsInterface {
  const names = Object.keys(ifaces);
  const { interfaceName, interfaceAddress } = selection;
  if (interfaceAddress !== undefined && !isIPv4(interfaceAddress)) {
    throw new MdnsConfigError(`mDNS interface address "${interfaceAddress}" is not an IPv4 address`);
  }
  if (interfaceName !== undefined) {
    const infos = ifaces[interfaceName];
    if (!infos) {
      throw new MdnsConfigError(
        `mDNS interface "${interfaceName}" does not exist (this machine has: ${names.join(", ") || "none"})`,
      );
    }
    const v4 = infos.filter((i) => i.family === "IPv4");
    if (v4.length === 0) {
      throw new MdnsConfigError(
        `mDNS interface "${interfaceName}" has no IPv4 address; bring it up or choose another`,
      );
    }
    if (interfaceAddress !== undefined && !v4.some((i) => i.address === interfaceAddress)) {
      throw new MdnsConfigError(
        `mDNS interface "${interfaceName}" does not hold the address ${interfaceAddress}`,
      );
    }
    return describe(interfaceName, infos, interfaceAddress ?? v4[0]!.address);
  }
  if (interfaceAddress !== undefined) {
    for (const name of names) {
      const infos = ifaces[name] ?? [];
      if (infos.some((i) => i.address === interfaceAddress)) return describe(name, infos, interfaceAddress);
    }
    throw new MdnsConfigError(`no network interface holds the mDNS address ${interfaceAddress}`);
  }
  const primary = defaultRouteInterface(readText);
  const ordered = [...names].sort((a, b) => (a === primary ? -1 : b === primary ? 1 : 0));
  for (const name of ordered) {
    const infos = ifaces[name] ?? [];
    const v4 = infos.find((i) => i.family === "IPv4" && !i.internal);
    if (v4) return describe(name, infos, v4.address);
  }
  throw new MdnsConfigError(
    "no network interface with an IPv4 address to advertise mDNS on; pass --mdns-interface NAME or --no-mdns",
  );
}

/** Whether `address` lies in the interface's IPv4 subnet: only queriers on our link get answers (RFC 6762 §11). */
export function onLink(iface: Pick<MdnsInterface, "address" | "netmask">, address: string): boolean {
  if (!isIPv4(address)) return false;
  const toInt = (a: string) => a.split(".").reduce((n, o) => (n << 8) | Number(o), 0) >>> 0;
  const mask = toInt(iface.netmask);
  return (toInt(address) & mask) >>> 0 === (toInt(iface.address) & mask) >>> 0;
}
