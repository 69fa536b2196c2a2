import { spawn } from "node:child_process";
import { fstatSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI } from "../helpers/device-process.js";

/**
 * Runs `owts start` with stderr on a file the test opened, and JOURNAL_STREAM set from that file's
 * fstat (as systemd sets it from journald's socket) or from another file; returns what it logged.
 */
async function logOf(matching: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "owts-journal-"));
  const errFd = openSync(join(dir, "stderr"), "w");
  const other = fstatSync(openSync(join(dir, "other"), "w"));
  const st = matching ? fstatSync(errFd) : other;
  const args = ["start", "--listen", "127.0.0.1", "--https-port", "0", "--http-port", "0", "--no-mdns"];
  const child = spawn(process.execPath, [CLI, ...args, "--data-dir", join(dir, "data"), "--mode", "winch"], {
    stdio: ["ignore", "pipe", errFd],
    env: { ...process.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` },
  });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready block: ${out}`)), 20_000);
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  return readFileSync(join(dir, "stderr"), "utf8");
}

describe("logs under journald (JOURNAL_STREAM matches stderr)", () => {
  it("carry <N> syslog priorities and no timestamp of their own", async () => {
    const lines = (await logOf(true)).trim().split("\n");
    const logged = lines.filter((l) => !l.startsWith("owts: SIGTERM"));
    expect(logged.length).toBeGreaterThan(2);
    for (const l of logged) expect(l).toMatch(/^<[2-7]>[a-z[]/);
    expect(logged.some((l) => /^<6>device: /.test(l))).toBe(true);
    expect(logged.join("\n")).not.toMatch(/^[VDIWE] \(\d+\)/m);
  });

  it("keep the ESP-IDF console form when the variable names another file", async () => {
    const lines = (await logOf(false)).trim().split("\n");
    expect(lines.some((l) => /^I \(\d+\) device: /.test(l))).toBe(true);
    expect(lines.join("\n")).not.toMatch(/^<\d>/m);
  });
});
