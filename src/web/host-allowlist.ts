import { isIPv4, isIPv6 } from "node:net";
import { networkInterfaces } from "node:os";

export interface ParsedHost {
  /** Host without port and without a trailing dot; IPv6 without brackets, in canonical form. */
  host: string;
  kind: "name" | "ipv4" | "ipv6";
  port?: number;
}

const MAX_HOST_LENGTH = 255;
const IPV6_LITERAL = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/;
// Letters, digits, hyphens and dots only: rejects userinfo (`a@b`), paths, spaces, percent-escapes.
const NAME_OR_IPV4 = /^([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?)(?::(\d{1,5}))?$/;

function parsePort(text: string | undefined): number | undefined | null {
  if (text === undefined) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

function canonicalIPv6(address: string): string {
  // The URL parser compresses and lower-cases IPv6 (`::0001` → `::1`), so equal addresses compare equal.
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** Parses a Host header strictly (RFC 9110 host[:port]); null for anything else. */
export function parseHostHeader(value: string | undefined): ParsedHost | null {
  if (value === undefined || value.length === 0 || value.length > MAX_HOST_LENGTH) return null;
  const v6 = IPV6_LITERAL.exec(value);
  if (v6) {
    const address = v6[1]!;
    const port = parsePort(v6[2]);
    if (!isIPv6(address) || port === null) return null;
    return { host: canonicalIPv6(address), kind: "ipv6", ...(port === undefined ? {} : { port }) };
  }
  const named = NAME_OR_IPV4.exec(value);
  if (!named) return null;
  const host = named[1]!.replace(/\.$/, "");
  const port = parsePort(named[2]);
  if (host.length === 0 || port === null) return null;
  return { host, kind: isIPv4(host) ? "ipv4" : "name", ...(port === undefined ? {} : { port }) };
}

/** Canonical text of an address as sockets report it (`::ffff:192.168.4.1` → `192.168.4.1`). */
function canonicalAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  return isIPv6(address) ? canonicalIPv6(address.replace(/%.*$/, "")) : address;
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((info) => (info ? [info.address] : []));
}

export interface HostAllowlistOptions {
  /** The device's host label (`OWTS-winch-3A4F1C`); a function because it follows a mode change. */
  hostname: () => string;
  /**
   * This device's addresses; default: every interface address, read at each call (DHCP may change them).
   * @default every interface address, read at each call
   */
  addresses?: () => readonly string[];
}

/**
 * Decides which host a redirect may point at. The request's Host is trusted only when it names
 * this device — one of its addresses (including the one the request arrived on), its mDNS name
 * or `localhost` — so the HTTP port can never be used as an open redirect to another site.
 */
export class HostAllowlist {
  private readonly hostname: () => string;
  private readonly addresses: () => readonly string[];

  constructor(opts: HostAllowlistOptions) {
    this.hostname = opts.hostname;
    this.addresses = opts.addresses ?? interfaceAddresses;
  }

  /** The device's own name, used whenever the request's Host cannot be trusted. */
  ownName(): string {
    return `${this.hostname()}.local`;
  }

  /** True when `parsed` names this device; `localAddress` is the socket address the request came in on. */
  namesDevice(parsed: ParsedHost, localAddress?: string): boolean {
    if (parsed.kind === "name") {
      const name = parsed.host.toLowerCase();
      return name === "localhost" || name === this.ownName().toLowerCase();
    }
    const mine = new Set(this.addresses().map(canonicalAddress));
    if (localAddress) mine.add(canonicalAddress(localAddress));
    return mine.has(parsed.host);
  }

  /**
   * The host (for a URL: IPv6 in brackets, no port) to put into a redirect for a request that
   * carried `hostHeader`.
   */
  redirectHost(hostHeader: string | undefined, localAddress?: string): string {
    const parsed = parseHostHeader(hostHeader);
    if (!parsed || !this.namesDevice(parsed, localAddress)) return this.ownName();
    return parsed.kind === "ipv6" ? `[${parsed.host}]` : parsed.host;
  }
}
