import { isIP } from "node:net";
import type { Answer, SrvAnswer, StringAnswer, TxtAnswer } from "dns-packet";

/** A record we own and advertise. `flush` marks a unique record (RFC 6762 §10.2 cache-flush bit). */
export type MdnsRecord = (StringAnswer | SrvAnswer | TxtAnswer) & { ttl: number; flush: boolean };

/** RFC 6762 §10: records naming a host (A, AAAA, SRV) live 120 s in caches, the others 75 minutes. */
export const HOST_TTL = 120;
export const OTHER_TTL = 4500;

export const HTTP_SERVICE = "_http._tcp.local";
export const HTTPS_SERVICE = "_https._tcp.local";
/** RFC 6763 §9: browsers enumerate the service types present on the link through this name. */
export const SERVICE_ENUMERATION = "_services._dns-sd._udp.local";

export class MdnsConfigError extends Error {
  override name = "MdnsConfigError";
}

export interface Advertisement {
  /** The host label, e.g. `OWTS-winch-3A4F1C` (`.local` is added). Also the service instance name. */
  hostname: string;
  httpPort: number;
  httpsPort: number;
  /** TXT key/value pairs; `path=/` is added when absent. */
  txt: Record<string, string>;
  /** A/AAAA data: the addresses the hostname resolves to. */
  addresses: string[];
}

// A DNS label of letters, digits and inner hyphens: what `OWTS-<mode>-<esp_id>` always is, and what every
// resolver and browser accepts in a URL. A dot would silently create a sub-domain.
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function validateHostname(hostname: string): string {
  if (typeof hostname !== "string" || !LABEL.test(hostname)) {
    throw new MdnsConfigError(
      `mDNS hostname "${String(hostname)}" is not a single DNS label (1-63 letters, digits or inner hyphens, without ".local")`,
    );
  }
  return hostname;
}

function validatePort(what: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MdnsConfigError(
      `mDNS ${what} port ${String(port)} is not a port number 1-65535 (advertise the bound port)`,
    );
  }
  return port;
}

/** `k=v` strings in insertion order, `path=/` appended when the caller gave none (RFC 6763 §6.3 limits). */
export function txtStrings(txt: Record<string, string>): string[] {
  if (typeof txt !== "object" || txt === null)
    throw new MdnsConfigError("mDNS TXT must be an object of strings");
  const entries = Object.entries(txt);
  if (!entries.some(([k]) => k.toLowerCase() === "path")) entries.push(["path", "/"]);
  const seen = new Set<string>();
  return entries.map(([key, value]) => {
    if (!/^[\x20-\x3c\x3e-\x7e]+$/.test(key)) {
      throw new MdnsConfigError(`mDNS TXT key "${key}" must be printable ASCII without "="`);
    }
    if (seen.has(key.toLowerCase())) throw new MdnsConfigError(`mDNS TXT key "${key}" appears twice`);
    seen.add(key.toLowerCase());
    if (typeof value !== "string") throw new MdnsConfigError(`mDNS TXT value of "${key}" must be a string`);
    const entry = `${key}=${value}`;
    if (Buffer.byteLength(entry) > 255)
      throw new MdnsConfigError(`mDNS TXT entry "${key}" is longer than 255 bytes`);
    return entry;
  });
}

/** Canonical text form of an address, so `0:0::1` and `::1` compare equal. */
export function canonicalAddress(address: string): string {
  const family = isIP(address);
  if (family === 4) return address;
  if (family === 6) return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  throw new MdnsConfigError(`mDNS address "${address}" is not an IPv4 or IPv6 address`);
}

export function hostFqdn(hostname: string): string {
  return `${hostname}.local`;
}

export function instanceFqdn(hostname: string, service: string): string {
  return `${hostname}.${service}`;
}

/**
 * Every record of one advertisement: the two services share one SRV target host, so a browser that
 * resolves either finds the same A/AAAA records. Throws MdnsConfigError on any bad field.
 */
export function buildRecords(ad: Advertisement): MdnsRecord[] {
  const hostname = validateHostname(ad.hostname);
  const httpPort = validatePort("HTTP", ad.httpPort);
  const httpsPort = validatePort("HTTPS", ad.httpsPort);
  const txt = txtStrings(ad.txt);
  if (!Array.isArray(ad.addresses) || ad.addresses.length === 0) {
    throw new MdnsConfigError("mDNS needs at least one address to advertise");
  }
  const addresses = [...new Set(ad.addresses.map(canonicalAddress))];
  const host = hostFqdn(hostname);
  const records: MdnsRecord[] = [];
  for (const [service, port] of [
    [HTTP_SERVICE, httpPort],
    [HTTPS_SERVICE, httpsPort],
  ] as const) {
    const instance = instanceFqdn(hostname, service);
    records.push(
      { name: SERVICE_ENUMERATION, type: "PTR", ttl: OTHER_TTL, flush: false, data: service },
      { name: service, type: "PTR", ttl: OTHER_TTL, flush: false, data: instance },
      {
        name: instance,
        type: "SRV",
        ttl: HOST_TTL,
        flush: true,
        data: { priority: 0, weight: 0, port, target: host },
      },
      { name: instance, type: "TXT", ttl: OTHER_TTL, flush: true, data: txt },
    );
  }
  for (const address of addresses) {
    records.push({
      name: host,
      type: isIP(address) === 4 ? "A" : "AAAA",
      ttl: HOST_TTL,
      flush: true,
      data: address,
    });
  }
  return records;
}

export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function txtKey(data: unknown): string {
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((p) => Buffer.from(p as string | Buffer).toString("hex")).join(",");
}

/** The record's rdata in a canonical form: equal keys mean the same record content (RFC 6762 §9). */
export function rdataKey(record: Answer): string {
  switch (record.type) {
    case "A":
    case "AAAA":
      try {
        return canonicalAddress(record.data);
      } catch {
        return String(record.data);
      }
    case "PTR":
      return String(record.data).toLowerCase();
    case "SRV":
      return `${record.data.priority ?? 0} ${record.data.weight ?? 0} ${record.data.port} ${record.data.target.toLowerCase()}`;
    case "TXT":
      return txtKey(record.data);
    default:
      return JSON.stringify("data" in record ? record.data : null);
  }
}

/** Identity of a record regardless of TTL: owner name, type and rdata. */
export function recordKey(record: Answer): string {
  return `${record.name.toLowerCase()}|${record.type}|${rdataKey(record)}`;
}
