import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readyUnits, spawnCli, type Unit } from "../helpers/device-process.js";
import { launchChromium } from "./browser.js";
import { call, collectPageErrors, newPage, screenshot } from "./harness.js";

/*
 * A full disk for real (a 2 MiB tmpfs the test mounts as root, filled with dd): saving a form in
 * Chromium shows the device's 507 in plain words next to that form, and keeps what was typed.
 */
const canMount = process.getuid?.() === 0 && spawnSync("mount", ["--version"]).status === 0;
if (!canMount && process.env.CI) throw new Error("the storage-full e2e test needs root and mount(8) in CI");

describe.runIf(canMount)("a save on a device whose storage is full", () => {
  const mountPoint = mkdtempSync(join(tmpdir(), "owts-e2e-full-"));
  let unit: Unit;
  let stop: () => Promise<unknown> = async () => {};
  let browser: Browser;

  beforeAll(async () => {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mountPoint]);
    const dataDir = join(mountPoint, "data");
    mkdirSync(dataDir);
    const p = spawnCli(
      [
        "start",
        "--mode",
        "aircraft",
        "--listen",
        "127.0.0.1",
        "--https-port",
        "0",
        "--http-port",
        "0",
      ].concat(["--no-mdns", "--data-dir", dataDir]),
    );
    stop = p.stop;
    [unit] = (await readyUnits(p.child, p.output, 1, () => join(dataDir, "owts.crt"), 30_000)) as [Unit];
    browser = await launchChromium(unit.certPath);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stop();
    spawnSync("umount", [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it("says the storage is full beside the aircraft form, nothing changed, the typed value kept", async () => {
    const before = (await call(unit.base, "GET", "/api/aircraft")).json as { v_opt: number };
    const { context, page } = await newPage(browser);
    const errors = collectPageErrors(page);
    await page.goto(`${unit.base}/`);
    const form = page.locator('[data-form="aircraft"]');
    await form.waitFor();
    // Fill what is left: dd stops with ENOSPC, which is the point.
    spawnSync("dd", ["if=/dev/zero", `of=${join(mountPoint, "filler")}`, "bs=4k"], { stdio: "ignore" });
    const typed = String(before.v_opt + 3);
    const vOpt = page.locator('[data-field="/v_opt"]').locator("input").first();
    await vOpt.fill(typed);
    await form.locator("button[type=submit]").click();

    // The refusal landed on the device (a real 507), and the page says so inside the form.
    const notice = form.locator('[data-failure="storage_full"]');
    await notice.waitFor({ timeout: 10_000 });
    const text = (await notice.textContent()) ?? "";
    expect(text).toContain("storage is full");
    expect(text).toContain("Nothing was changed");
    expect(text).not.toMatch(/507|insufficient_storage|\/api\//);
    expect(await vOpt.inputValue()).toBe(typed);
    expect((await call(unit.base, "GET", "/api/aircraft")).json).toEqual(before);
    await screenshot(page, "storage-full-aircraft");
    expect(errors).toEqual([]);
    await context.close();
    rmSync(join(mountPoint, "filler"));
  });
});
