import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeviceProcess, startDevice } from "../helpers/device-process.js";

const run = promisify(execFile);

async function status(
  dev: DeviceProcess,
): Promise<{ displays: { name: string; state: string; reason?: string }[] }> {
  const { stdout } = await run("curl", [
    "-sS",
    "-k",
    "--max-time",
    "10",
    `https://127.0.0.1:${dev.httpsPort}/api/status`,
  ]);
  return JSON.parse(stdout);
}

/** Polls (bounded) until `check` passes; returns its last value. */
async function eventually<T>(get: () => Promise<T> | T, check: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await get();
  while (!check(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    v = await get();
  }
  return v;
}

describe("owts start --display (a real process)", () => {
  let dev: DeviceProcess;
  let consolePath: string;

  beforeAll(async () => {
    // An OLED on a bus this machine does not have: reported and retried; the console is a real file.
    consolePath = join(mkdtempSync(join(tmpdir(), "owts-console-")), "tty");
    writeFileSync(consolePath, "");
    dev = await startDevice([
      "--mode",
      "winch",
      "--id",
      "3A4F1C",
      "--display",
      "oled,tty",
      "--oled-bus",
      "250",
      "--tty-device",
      consolePath,
    ]);
  }, 30_000);

  afterAll(async () => {
    await dev?.stop();
  });

  it("a display that cannot be opened is reported in /api/status, and the device keeps serving", async () => {
    const s = await eventually(
      () => status(dev),
      (s) => s.displays.some((d) => d.name === "oled" && d.state === "error"),
    );
    expect(s.displays.find((d) => d.name === "oled")).toMatchObject({
      state: "error",
      reason: expect.stringMatching(/I2C bus 250|i2c-bus/),
    });
    expect(s.displays.find((d) => d.name === "tty")).toMatchObject({ state: "ok" });
  });

  it("the console shows the About screen: host name and certificate fingerprint", async () => {
    const text = await eventually(
      () => readFileSync(consolePath, "utf8"),
      (t) => /OWTS-winch-3A4F1C\.local/.test(t) && /SHA-256 [0-9A-F]{2}(:[0-9A-F]{2}){5}…/.test(t),
    );
    expect(text).toMatch(/OWTS-winch-3A4F1C\.local/);
    expect(text).toMatch(/address {6}127\.0\.0\.1/);
    // The same certificate the ready block names, its first six groups.
    const full = /SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(dev.output())?.[1];
    expect(full).toBeDefined();
    expect(text).toContain(`SHA-256 ${full!.split(":").slice(0, 6).join(":")}…`);
  });
});
