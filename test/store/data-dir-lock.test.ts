import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataDirLockedError, LOCK_FILE, lockDataDir } from "../../src/store/settings-store.js";
import { CLI, startDevice } from "../helpers/device-process.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "owts-lock-"));

/** The pid of a process that has exited: nothing runs under it now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
  return Number(r.stdout.trim());
}

describe("data dir lock", () => {
  it("a second holder is refused while the first holds it, and admitted after release", async () => {
    const dir = tempDir();
    const first = await lockDataDir(dir);
    const err = await lockDataDir(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as Error).message).toBe(
      `cannot use data directory ${dir}: it is in use by another owts (pid ${process.pid}); stop that one first, or give this one its own --data-dir`,
    );
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toContain(`"pid":${process.pid}`);
    await first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const second = await lockDataDir(dir);
    await second.release();
  });

  it("takes over a lock left by a crashed holder (its pid gone)", async () => {
    const dir = tempDir();
    const pid = deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, started: "1", host: hostname(), since: "x" }));
    const lock = await lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    await lock.release();
  });

  it("takes over a lock whose pid was reused by a process that started later", async () => {
    const dir = tempDir();
    // Our own pid, but not our start time: the holder that wrote it is gone.
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, started: "1", host: hostname(), since: "x" }),
    );
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it("takes over a lock file a crash left empty or torn", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), '{"pid":12');
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it("release leaves a lock that is no longer ours alone", async () => {
    const dir = tempDir();
    const lock = await lockDataDir(dir);
    const other = JSON.stringify({ pid: 1, started: null, host: hostname(), since: "x" });
    writeFileSync(join(dir, LOCK_FILE), other);
    await lock.release();
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(other);
  });
});

describe("two real owts processes on one data dir", () => {
  it("the second is refused with one clear line and exit 1; after SIGKILL of the first a new one starts", async () => {
    const dir = tempDir();
    const first = await startDevice(["--mode", "aircraft", "--id", "3a4f1c"], { dataDir: dir });
    try {
      const settingsBefore = readFileSync(join(dir, "nvs", "device.json"), "utf8");
      const second = spawn(
        process.execPath,
        [
          CLI,
          "start",
          "--listen",
          "127.0.0.1",
          "--https-port",
          "0",
          "--http-port",
          "0",
          "--no-mdns",
          "--data-dir",
          dir,
          "--mode",
          "aircraft",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let err = "";
      second.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      const code = await new Promise<number | null>((r) => second.on("exit", r));
      expect(code).toBe(1);
      expect(err.trim().split("\n").at(-1)).toMatch(
        new RegExp(
          `in use by another owts \\(pid ${first.child.pid}\\); stop that one first, or give this one its own --data-dir`,
        ),
      );
      // The refused one changed nothing: the stored mode is still the first one's.
      expect(readFileSync(join(dir, "nvs", "device.json"), "utf8")).toBe(settingsBefore);
    } catch (err) {
      await first.stop("SIGKILL");
      throw err;
    }
    await first.stop("SIGKILL");
    const third = await startDevice(["--id", "3a4f1c"], { dataDir: dir });
    expect(third.output()).toMatch(/OWTS aircraft 3A4F1C ready/);
    expect(await third.stop()).toBe(0);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 60_000);
});
