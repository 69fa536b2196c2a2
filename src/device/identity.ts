import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import type { Mode } from "../core/mode.js";

export { isMode, MODES, type Mode } from "../core/mode.js";

const ESP_ID = /^[0-9A-F]{6}$/;

/** Normalises a user-given id ("3a4f1c") to the device form ("3A4F1C"); null when it is not 6 hex digits. */
export function parseEspId(value: string): string | null {
  const id = value.trim().toUpperCase();
  return ESP_ID.test(id) ? id : null;
}

/** `OWTS-<mode>-<esp_id>`, the mDNS host label (without `.local`). */
export function deviceHostname(mode: Mode, espId: string): string {
  return `OWTS-${mode}-${espId}`;
}

/**
 * The other mode's hostname for a device hostname (`OWTS-winch-3A4F1C[.local]` ->
 * `OWTS-aircraft-3A4F1C[.local]`); none for a name that is not a mode hostname. The certificate names
 * both, so switching modes never changes the certificate a user compared or installed.
 */
export function otherModeHostnames(hostname: string): string[] {
  const m = /^OWTS-(aircraft|winch)-([^.]+)(\..*)?$/i.exec(hostname);
  if (!m) return [];
  const other = m[1]?.toLowerCase() === "winch" ? "aircraft" : "winch";
  return [`OWTS-${other}-${m[2]}${m[3] ?? ""}`];
}

/** The interface that carries the default route, read from the kernel's routing table (Linux). */
function defaultRouteInterface(routeTable: string): string | null {
  for (const line of routeTable.split("\n").slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === "00000000" && mask === "00000000") return iface;
  }
  return null;
}

function macToEspId(mac: string): string | null {
  const bytes = mac.split(":");
  if (bytes.length !== 6 || /^(00:){5}00$/.test(mac)) return null;
  return parseEspId(bytes.slice(3).join(""));
}

export interface EspIdSource {
  espId: string;
  /** How the id was found, for the start-up log. */
  from: string;
}

/**
 * The ESP derives its id from the Wi-Fi MAC; we take the MAC of the primary interface (the one with
 * the default route, else the first non-internal one) and keep its last three bytes. A machine with
 * no usable MAC (a container with only loopback) falls back to a hash of /etc/machine-id so the id is
 * still stable across restarts.
 */
export function detectEspId(
  ifaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
  readText: (path: string) => string = (p) => readFileSync(p, "utf8"),
): EspIdSource {
  let routeTable = "";
  try {
    routeTable = readText("/proc/net/route");
  } catch {
    // Not Linux, or /proc is hidden: fall through to the first interface with a MAC.
  }
  const primary = defaultRouteInterface(routeTable);
  const ordered = Object.entries(ifaces).sort(([a], [b]) => (a === primary ? -1 : b === primary ? 1 : 0));
  for (const [name, addrs] of ordered) {
    for (const addr of addrs ?? []) {
      if (addr.internal) continue;
      const id = macToEspId(addr.mac);
      if (id) return { espId: id, from: `MAC of ${name}${name === primary ? " (default route)" : ""}` };
    }
  }
  for (const path of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    try {
      const machineId = readText(path).trim();
      if (machineId) {
        const digest = createHash("sha256").update(machineId).digest("hex");
        return { espId: digest.slice(-6).toUpperCase(), from: `hash of ${path} (no network MAC found)` };
      }
    } catch {
      // try the next one
    }
  }
  return { espId: "000001", from: "fallback (no MAC and no machine-id); pass --id to set one" };
}

/** IPv4 addresses of this machine, for the redirect allow-list and the printed URLs. */
export function localAddresses(ifaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const out = new Set<string>(["127.0.0.1", "::1"]);
  for (const addrs of Object.values(ifaces)) for (const a of addrs ?? []) out.add(a.address);
  return [...out];
}
