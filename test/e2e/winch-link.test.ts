import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import {
  call,
  collectPageErrors,
  type Demo,
  newPage,
  pollOnly,
  screenshot,
  sleep,
  startDemo,
} from "./harness.js";

/** What the winch driver sees when the aircraft stops sending: old data marked stale, then no signal. */
describe("winch monitor when the aircraft stops", () => {
  let demo: Demo;
  let browser: Browser;

  beforeAll(async () => {
    demo = await startDemo({ timeScale: 2 });
    browser = await launchChromium([demo.winch.certPath, demo.aircraft.certPath]);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("shows stale (greyed, with its age, no current speed), then no signal, then live again", async () => {
    const { context, page } = await newPage(browser);
    await pollOnly(page);
    const errors = collectPageErrors(page);
    const statuses: number[] = [];
    page.on("response", (r) => {
      if (new URL(r.url()).pathname === "/api/winch") statuses.push(r.status());
    });
    await page.goto(`${demo.winch.base}/`);
    await page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: 45_000 });

    // The aircraft unit stops transmitting: it becomes a winch (its transmitter shuts down).
    const put = await call(demo.aircraft.base, "PUT", "/api/mode", { body: { mode: "winch" } });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ mode: "winch", restarting: true });

    const stale = page.locator('.zone-panel[data-state="stale"]');
    await stale.waitFor({ timeout: 10_000 });
    // Never shown as a current speed: no big digits, the last value struck through with its age.
    expect(await stale.locator('[data-testid="ias"]').count()).toBe(0);
    expect(await stale.locator(".band-marker").count()).toBe(0);
    expect(await stale.getAttribute("data-zone")).toBeNull();
    expect(await stale.locator(".stale-value s").count()).toBe(1);
    expect(await stale.locator(".stale-value").textContent()).toMatch(/^last \d+ km\/h$/);
    const age1 = await stale.locator('[data-testid="stale-age"]').textContent();
    expect(age1).toMatch(/^\d+(\.\d)? s ago$/);
    expect(await page.locator('[data-testid="telemetry-facts"]').getAttribute("class")).toMatch(/muted/);
    await screenshot(page, "winch-monitor-stale");

    // While stale, the device answers 304 and the RX light stays grey; the age keeps counting.
    statuses.length = 0;
    await sleep(1500);
    expect(statuses.filter((s) => s === 304).length).toBeGreaterThanOrEqual(2);
    expect(await page.locator(".rx").getAttribute("data-rx")).toBe("idle");
    const age2 = await stale.locator('[data-testid="stale-age"]').textContent();
    expect(Number.parseFloat(age2 ?? "")).toBeGreaterThan(Number.parseFloat(age1 ?? ""));

    const none = page.locator('.zone-panel[data-state="no_signal"]');
    await none.waitFor({ timeout: 20_000 });
    expect(await none.textContent()).toContain("NO SIGNAL");
    // No number at all: nothing a driver could take for a speed.
    expect(await none.textContent()).not.toMatch(/\d/);
    expect(await page.locator('[data-testid="ias"], .band-marker, .stale-value').count()).toBe(0);
    expect(await page.locator('[data-testid="telemetry-facts"]').count()).toBe(0);
    await screenshot(page, "winch-monitor-no-signal");

    // The aircraft comes back: live data again, without a reload.
    const back = await call(demo.aircraft.base, "PUT", "/api/mode", { body: { mode: "aircraft" } });
    expect(back.status).toBe(200);
    await page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: 60_000 });
    expect(errors).toEqual([]);
    await context.close();
  });
});
