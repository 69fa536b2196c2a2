import { isIP } from "node:net";
import { CertificateError } from "./errors.js";

/** One subject alternative name, as it goes into the certificate. */
export interface San {
  type: "dns" | "ip";
  value: string;
}

/** The names the firmware's certificate carries: the SoftAP address and the mDNS wildcard. */
export const STANDARD_SANS: readonly San[] = [
  { type: "ip", value: "192.168.4.1" },
  { type: "dns", value: "*.local" },
];

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** `DNS:name` / `IP:addr`, the notation openssl prints and `--san` accepts. */
export function formatSan(san: San): string {
  return `${san.type === "ip" ? "IP" : "DNS"}:${san.value}`;
}

/** IPv6 has many spellings; the URL parser gives the canonical compressed lower-case one. */
export function canonicalIp(raw: string): string | null {
  if (raw.includes("%")) return null; // a zone id (fe80::1%eth0) cannot go into a certificate
  const family = isIP(raw);
  if (family === 4) return raw;
  if (family === 6) return new URL(`http://[${raw}]/`).hostname.slice(1, -1);
  return null;
}

/** Why `name` is not a DNS name, or null when it is one. */
function dnsProblem(name: string, allowWildcard: boolean): string | null {
  if (name.length === 0) return "it is empty";
  if (name.length > 253) return "it is longer than 253 characters";
  const labels = name.split(".");
  const [first, ...rest] = labels;
  if (first === "*") {
    if (!allowWildcard) return "a wildcard is not allowed here";
    // Browsers, curl and Node all refuse `*.tld`; a wildcard needs a registrable name under it.
    if (rest.length < 2) return "a wildcard directly under a top-level label is rejected by every client";
  }
  for (const label of first === "*" ? rest : labels) {
    if (!LABEL.test(label))
      return label === ""
        ? "it has an empty label (two dots, or a leading or trailing dot)"
        : `"${label}" is not a valid label (letters, digits and inner hyphens, at most 63)`;
  }
  if (/^\d+$/.test(labels[labels.length - 1] ?? "")) return "it looks like an IP address but is not one";
  return null;
}

/**
 * Reads a user-given extra name: an IP address, a DNS name (a leftmost `*` wildcard allowed), or
 * either with an explicit `IP:` / `DNS:` prefix. Anything else throws a CertificateError that quotes it.
 */
export function parseSan(raw: string): San {
  const text = raw.trim();
  const prefixed = /^(dns|ip):(.*)$/i.exec(text);
  const kind = prefixed?.[1]?.toLowerCase();
  const value = (prefixed?.[2] ?? text).trim();
  const ip = canonicalIp(value);
  if (ip !== null && kind !== "dns") return { type: "ip", value: ip };
  if (kind === "ip")
    throw new CertificateError("bad-name", `SAN "${raw}": "${value}" is not an IPv4 or IPv6 address`);
  const problem = ip !== null ? `it is an IP address; write it as IP:${value}` : dnsProblem(value, true);
  if (problem)
    throw new CertificateError("bad-name", `SAN "${raw}" is not a DNS name or IP address: ${problem}`);
  return { type: "dns", value };
}

/**
 * The device's host name for the certificate: a bare mDNS label (`OWTS-winch-3A4F1C`) gets `.local`
 * appended, a dotted name is kept as given. Case is kept, because the exact spelling is a SAN too.
 */
export function normalizeHostname(raw: string): string {
  const name = raw.trim().replace(/\.$/, "");
  const problem =
    canonicalIp(name) !== null ? "it is an IP address, not a host name" : dnsProblem(name, false);
  if (problem) throw new CertificateError("bad-name", `hostname "${raw}" cannot be used: ${problem}`);
  return name.includes(".") ? name : `${name}.local`;
}

function sanKey(san: San): string {
  // DNS matching is case-insensitive for clients, but the spec wants both spellings of the hostname,
  // so only exact duplicates are dropped.
  return `${san.type}:${san.value}`;
}

/** Appends `more` to `list`, skipping exact duplicates, keeping first-seen order. */
export function mergeSans(list: readonly San[], more: readonly San[]): San[] {
  const seen = new Set(list.map(sanKey));
  const out = [...list];
  for (const san of more) {
    if (seen.has(sanKey(san))) continue;
    seen.add(sanKey(san));
    out.push(san);
  }
  return out;
}

/** Every name a device certificate carries: standard ones, the hostname in both spellings, extras. */
export function deviceSans(hostname: string, extras: readonly San[] = []): San[] {
  const host: San[] = [
    { type: "dns", value: hostname },
    { type: "dns", value: hostname.toLowerCase() },
  ];
  return mergeSans(mergeSans(STANDARD_SANS, host), extras);
}

/** True when every name of `required` is in `present` (exact spelling). */
export function coversSans(present: readonly San[], required: readonly San[]): boolean {
  const have = new Set(present.map(sanKey));
  return required.every((san) => have.has(sanKey(san)));
}
