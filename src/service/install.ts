/**
 * Puts the units and /etc/default/owts in place (under a prefix when asked, for tests and image
 * builds), removes them again, and asks systemd and the user database what a unit needs. The data
 * directory is never touched: uninstalling keeps settings, certificate and key.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENV_FILE, SERVICE_NAME } from "./unit.js";

/** The files of an installed service, relative to the root (/ unless --root). */
export const UNIT_DIR = "/etc/systemd/system";
export const SERVICE_FILE = `${UNIT_DIR}/${SERVICE_NAME}.service`;
export const SOCKET_FILE = `${UNIT_DIR}/${SERVICE_NAME}.socket`;

export interface ServiceFiles {
  unit: string;
  /** The .socket unit; absent: any earlier one is removed. */
  socket?: string;
  env: string;
}

/** Writes the files under `root`; returns the paths written. */
export function writeServiceFiles(root: string, files: ServiceFiles): string[] {
  const out: string[] = [];
  const put = (path: string, text: string) => {
    const abs = join(root, path);
    mkdirSync(join(abs, ".."), { recursive: true });
    writeFileSync(abs, text, { mode: 0o644 });
    out.push(abs);
  };
  put(SERVICE_FILE, files.unit);
  if (files.socket !== undefined) put(SOCKET_FILE, files.socket);
  else rmSync(join(root, SOCKET_FILE), { force: true });
  put(ENV_FILE, files.env);
  return out;
}

/** Removes the units and /etc/default/owts under `root`; returns the paths that were there. */
export function removeServiceFiles(root: string): string[] {
  const out: string[] = [];
  for (const path of [SERVICE_FILE, SOCKET_FILE, ENV_FILE]) {
    const abs = join(root, path);
    if (!existsSync(abs)) continue;
    rmSync(abs);
    out.push(abs);
  }
  return out;
}

/** sd_booted(): systemd is the running init (systemctl alone may be installed in a container). */
export function systemdRunning(): boolean {
  return existsSync("/run/systemd/system");
}

export function systemctl(args: string[]): void {
  execFileSync("systemctl", args, { stdio: ["ignore", "inherit", "inherit"] });
}

/** Whether the user database (NSS: files, LDAP, …) knows `name`. */
export function userExists(name: string): boolean {
  try {
    execFileSync("getent", ["passwd", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The dedicated system user: no login, no home of its own beyond the state directory. */
export function createSystemUser(name: string): void {
  execFileSync(
    "useradd",
    [
      "--system",
      "--user-group",
      "--no-create-home",
      "--home-dir",
      `/var/lib/${SERVICE_NAME}`,
      "--shell",
      "/usr/sbin/nologin",
      name,
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
}

/** Those of `names` that are groups in `<root>/etc/group` (a board image has i2c/spi/gpio, a PC usually not). */
export function existingGroups(root: string, names: readonly string[]): string[] {
  let text: string;
  try {
    text = readFileSync(join(root, "/etc/group"), "utf8");
  } catch {
    return [];
  }
  const have = new Set(text.split("\n").map((l) => l.split(":")[0]));
  return names.filter((n) => have.has(n));
}
