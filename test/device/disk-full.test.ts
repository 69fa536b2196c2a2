import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDevice, type TestDevice } from "../api/device-harness.js";

/*
 * A full disk, for real: the data dir is a 2 MiB tmpfs the test mounts (as root), the device is started
 * on it, and the rest of the space is filled with a file. Every write must answer 507 with plain words
 * and change nothing; once space is freed, writes work again.
 */

const canMount = process.getuid?.() === 0 && spawnSync("mount", ["--version"]).status === 0;
if (!canMount && process.env.CI) throw new Error("the disk-full test needs root and mount(8) in CI");

describe.runIf(canMount)("a full disk (a real tmpfs)", () => {
  const mountPoint = mkdtempSync(join(tmpdir(), "owts-full-"));
  let device: TestDevice;

  beforeAll(async () => {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mountPoint]);
    mkdirSync(join(mountPoint, "data"));
    device = await startTestDevice({ mode: "aircraft", dataDir: join(mountPoint, "data") });
  }, 60_000);

  afterAll(async () => {
    await device?.stop();
    spawnSync("umount", [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it("answers 507 insufficient_storage in plain words, changes nothing, and recovers when space is freed", async () => {
    const before = await device.call("GET", "/api/aircraft");
    const filesBefore = device.settingsFiles();
    // Fill what is left: dd stops with ENOSPC, which is the point.
    spawnSync("dd", ["if=/dev/zero", `of=${join(mountPoint, "filler")}`, "bs=4k"], { stdio: "ignore" });

    for (const [method, path, body] of [
      ["PATCH", "/api/aircraft", { v_opt: 110 }],
      ["PUT", "/api/mode", { mode: "winch" }],
      ["PATCH", "/api/radio", { tx_power_dbm: 10 }],
    ] as const) {
      const r = await device.call(method, path, { body });
      expect(r.status, `${method} ${path}`).toBe(507);
      expect(r.json).toEqual({
        error: "insufficient_storage",
        message: "the device's storage is full; nothing was changed",
      });
    }
    expect(device.settingsFiles()).toEqual(filesBefore);
    expect((await device.call("GET", "/api/aircraft")).json).toEqual(before.json);
    // The device keeps serving reads.
    expect((await device.call("GET", "/api/status")).status).toBe(200);

    rmSync(join(mountPoint, "filler"));
    const ok = await device.call("PATCH", "/api/aircraft", { body: { v_opt: 110 } });
    expect(ok.status).toBe(200);
    expect(
      JSON.parse(readFileSync(join(mountPoint, "data", "nvs", "aircraft.json"), "utf8")).value.v_opt,
    ).toBe(110);
    writeFileSync(join(mountPoint, "probe"), "ok");
  }, 60_000);
});
