import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import { collectPageErrors, newPage, screenshot, sleep, startUnit } from "./harness.js";

type Unit = Awaited<ReturnType<typeof startUnit>>;

/** The API explorer: served by the device itself, linked from About, loaded only on its page. */
describe("API explorer", () => {
  let unit: Unit;
  let browser: Browser;

  beforeAll(async () => {
    unit = await startUnit("winch");
    browser = await launchChromium(unit.certPath);
  });
  afterAll(async () => {
    await browser?.close();
    await unit?.stop();
  });

  it("renders the device's own OpenAPI description from About, with nothing fetched from elsewhere", async () => {
    const { context, page } = await newPage(browser, { width: 1280, height: 800 });
    const errors = collectPageErrors(page);
    const urls: string[] = [];
    page.on("request", (r) => urls.push(r.url()));
    await page.goto(`${unit.base}/about`);
    await page.locator('[data-testid="api-explorer"]').waitFor();
    await sleep(500);
    // The app's own pages never load the explorer.
    expect(urls.filter((u) => new URL(u).pathname.startsWith("/explorer/"))).toEqual([]);

    await page.locator('[data-testid="api-explorer"]').click();
    await page.waitForURL((u) => u.pathname === "/explorer/index.html");
    await page.locator(".swagger-ui .opblock").first().waitFor({ timeout: 30_000 });
    expect(await page.locator(".swagger-ui .opblock").count()).toBeGreaterThan(10);
    expect(await page.locator(".swagger-ui").textContent()).toContain("/api/winch");
    expect(await page.title()).toBe("API explorer · OWTS");
    expect(urls.some((u) => new URL(u).pathname === "/api/openapi.json")).toBe(true);
    // Everything came from the device.
    expect(urls.filter((u) => !u.startsWith(unit.base) && !u.startsWith("data:"))).toEqual([]);
    await screenshot(page, "api-explorer");
    expect(errors).toEqual([]);
    await context.close();
  });
});
