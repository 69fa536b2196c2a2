import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import { collectPageErrors, DESKTOP, type Demo, newPage, PHONE, screenshot, startDemo } from "./harness.js";

/** Every page of both modes renders with live data from `owts demo`, at phone and desktop width. */
describe("pages with live data from the demo", () => {
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

  const navLabels = (page: Page) => page.locator("nav.main-nav a").allTextContents();
  const go = async (page: Page, href: string) => {
    await page.locator(`nav.main-nav a[href="${href}"]`).click();
    await page.waitForURL((u) => u.pathname === href);
  };
  const tab = async (page: Page, href: string) => {
    await page.locator(`nav.tabs a[href="${href}"]`).click();
    await page.waitForURL((u) => u.pathname === href);
  };

  for (const viewport of [PHONE, DESKTOP]) {
    it(`winch mode at ${viewport.width} px: monitor, graph, history, config, logs, about`, async () => {
      const { context, page } = await newPage(browser, viewport);
      const errors = collectPageErrors(page);
      await page.goto(`${demo.winch.base}/`);

      // Navigation offers the winch pages only.
      await page.waitForSelector(".mode-chip[data-mode=winch]");
      expect(await navLabels(page)).toEqual(["Monitor", "History", "Config", "Logs", "About"]);

      // Live telemetry from the simulated aircraft: zone panel with IAS, identity and RSSI.
      const panel = page.locator('.zone-panel[data-state="live"]');
      await panel.waitFor({ timeout: 45_000 });
      expect(["below", "inside", "above"]).toContain(await panel.getAttribute("data-zone"));
      expect(await page.locator('[data-testid="ias"]').textContent()).toMatch(/^\d+\.\d$/);
      expect(await page.locator(".zone-label").textContent()).toMatch(/TOO SLOW|IN BAND|TOO FAST/);
      expect(await page.locator(".registration").textContent()).toBe("D-1234");
      expect(await page.locator(".type").textContent()).toBe("ASK 21");
      expect(await page.locator(".rssi").textContent()).toMatch(/^-?\d+ dBm$/);
      await screenshot(page, "winch-monitor");

      await page.locator(".graph-toggle").click();
      await page.locator(".graph canvas").first().waitFor();
      await page.waitForTimeout(2500);
      expect(await page.locator(".graph").getAttribute("aria-label")).not.toMatch(/, 0 samples/);
      await screenshot(page, "winch-monitor-graph");

      await go(page, "/history");
      await page.locator('[data-testid="history-empty"], [data-testid="history-table"]').first().waitFor();
      await screenshot(page, "history");

      await go(page, "/config");
      expect(await page.locator('[data-testid="current-mode"]').textContent()).toBe("winch");
      await screenshot(page, "config-device");
      await tab(page, "/config/radio");
      await page.locator('[data-form="radio"]').waitFor();
      expect(await page.locator('[data-testid="duty"]').textContent()).toMatch(/of the hour used/);
      await screenshot(page, "config-radio");
      await tab(page, "/config/wifi");
      await page.locator('[data-form="wifi"]').waitFor();
      await screenshot(page, "config-wifi");
      await tab(page, "/config/security");
      await page.locator('[data-testid="password-state"]').waitFor();
      await screenshot(page, "config-security");

      await go(page, "/logs");
      await page.locator(".log-line").first().waitFor();
      expect(await page.locator(".log-line").count()).toBeGreaterThan(0);
      await screenshot(page, "logs");

      await go(page, "/about");
      const fp = page.locator('[data-testid="fingerprint"]');
      await fp.waitFor();
      expect((await fp.textContent())?.replace(/\s+/g, ":")).toBe(demo.winch.fingerprint);
      expect(await page.locator('[data-testid="certificate-download"]').getAttribute("href")).toBe(
        "/api/about/certificate",
      );
      await page.locator('[data-testid="status-facts"]').waitFor();
      await screenshot(page, "about");

      expect(errors).toEqual([]);
      await context.close();
    });

    it(`aircraft mode at ${viewport.width} px: settings home and live page`, async () => {
      const { context, page } = await newPage(browser, viewport);
      const errors = collectPageErrors(page);
      await page.goto(`${demo.aircraft.base}/`);
      await page.waitForSelector(".mode-chip[data-mode=aircraft]");
      expect(await navLabels(page)).toEqual(["Aircraft", "Live", "Config", "Logs", "About"]);

      const form = page.locator('[data-form="aircraft"]');
      await form.waitFor();
      expect(await page.locator('[data-field="/registration"] input').inputValue()).toBe("D-1234");
      expect(await page.locator('[data-field="/unit"] select').inputValue()).toBe("kmh");
      expect(await page.locator('[data-field="/v_opt"] input').inputValue()).toBe("105");
      await screenshot(page, "aircraft-settings");

      await go(page, "/aircraft/live");
      const live = page.locator('.live-panel[data-state="live"]');
      await live.waitFor();
      expect(["airborne", "landing_hold", "landed"]).toContain(await live.getAttribute("data-phase"));
      expect(await page.locator('[data-testid="ias"]').textContent()).toMatch(/^\d+\.\d$/);
      await page.locator("[data-tx]").waitFor();
      await page.waitForTimeout(2500);
      await screenshot(page, "aircraft-live");

      await go(page, "/config");
      expect(await page.locator('[data-testid="current-mode"]').textContent()).toBe("aircraft");
      await screenshot(page, "config-device-aircraft");

      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it("the dark theme follows the system setting and the toggle", async () => {
    const context = await browser.newContext({ viewport: PHONE, colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto(`${demo.winch.base}/`);
    await page.locator(".zone-panel").first().waitFor();
    const bg = () => page.evaluate("getComputedStyle(document.body).backgroundColor");
    expect(await bg()).not.toBe("rgb(255, 255, 255)");
    await page.waitForTimeout(1000);
    await screenshot(page, "winch-monitor-dark");
    // A labelled choice: system → light → sunlight → dark.
    const theme = page.locator('[data-testid="theme"]');
    expect(await theme.inputValue()).toBe("system");
    await theme.selectOption("light");
    expect(await bg()).toBe("rgb(255, 255, 255)");
    await theme.selectOption("sunlight");
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("sunlight");
    expect(await bg()).toBe("rgb(255, 255, 255)");
    await theme.selectOption("dark");
    expect(await bg()).not.toBe("rgb(255, 255, 255)");
    // The choice survives a reload.
    await page.reload();
    await page.locator(".zone-panel").first().waitFor();
    expect(await theme.inputValue()).toBe("dark");
    await context.close();
  });
});
