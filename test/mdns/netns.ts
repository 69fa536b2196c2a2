import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";
import { skipWithout } from "../helpers/prerequisites.js";

// The mDNS socket tests run inside a private network namespace made by ../shared/tools/in-mdns-netns:
// multicast on its own loopback, never on this machine's real interfaces.
const REPO = resolve(import.meta.dirname, "../..");
const NETNS = resolve(REPO, "../shared/tools/in-mdns-netns");
const SCENARIO = resolve(REPO, "test/mdns/netns-scenario.mjs");
const ADVERTISER = resolve(REPO, "dist/src/mdns/advertiser.js");

export const WINCH = "OWTS-winch-3A4F1C";
export const AIRCRAFT = "OWTS-aircraft-3A4F1C";

const isRoot = process.getuid?.() === 0;
const canUnshare = spawnSync("unshare", ["-n", "true"]).status === 0;
/** Only a machine where namespaces are impossible (not root) skips; CI runs as root and must run these. */
export const skipNetns = skipWithout(
  canUnshare || isRoot,
  "a private network namespace (`unshare -n`)",
  "run as root (CI does)",
);

export interface DigResult {
  code: number | string;
  stdout: string;
}
export interface Rr {
  name: string;
  ttl: number;
  type: string;
  data: string;
}
export interface PyRecord {
  name: string;
  type: string;
  flush: boolean;
  ttl: number;
  data: unknown;
}
export interface PyPacket {
  id: number;
  qr: boolean;
  src: string;
  port: number;
  t: number;
  questions: { name: string; type: string }[];
  answers: PyRecord[];
  additionals: PyRecord[];
  authorities: PyRecord[];
}
export interface LogLine {
  level: number;
  msg: string;
}

/** The records of one section of dig's text output ("ANSWER", "ADDITIONAL"). */
function section(out: string, name: string): Rr[] {
  const start = out.indexOf(`;; ${name} SECTION:\n`);
  if (start < 0) return [];
  const rrs: Rr[] = [];
  for (const line of out.slice(start).split("\n").slice(1)) {
    if (line.trim() === "" || line.startsWith(";")) break;
    const [owner, ttl, , type, ...rest] = line.split(/\s+/);
    rrs.push({ name: owner!.replace(/\.$/, ""), ttl: Number(ttl), type: type!, data: rest.join(" ") });
  }
  return rrs;
}

export const answers = (d: DigResult) => section(d.stdout, "ANSWER");
export const additionals = (d: DigResult) => section(d.stdout, "ADDITIONAL");

export function checkPrerequisites(): void {
  expect(existsSync(NETNS), `${NETNS} is missing (CI keeps ../shared beside the repo)`).toBe(true);
  expect(existsSync(ADVERTISER), "build first: npx tsc -p tsconfig.json (npm test does)").toBe(true);
  expect(spawnSync("dig", ["-v"]).error, "dig is missing: apt-get install bind9-dnsutils").toBeUndefined();
  expect(spawnSync("python3", ["--version"]).error, "python3 is missing").toBeUndefined();
}

/** Runs one scenario of netns-scenario.mjs in a fresh namespace and returns its observations. */
export async function runScenario<T>(name: "advertise" | "conflict" | "browse" | "avahi"): Promise<T> {
  const { stdout } = await promisify(execFile)(NETNS, [process.execPath, SCENARIO, name], {
    cwd: REPO,
    timeout: 90_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as T;
}
