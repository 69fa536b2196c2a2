import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import { collectPageErrors, type Demo, sleep, startDemo } from "./harness.js";

const WINCH_PAGES = [
  "/",
  "/history",
  "/config",
  "/config/radio",
  "/config/wifi",
  "/config/security",
  "/logs",
  "/about",
];
const AIRCRAFT_PAGES = [
  "/",
  "/aircraft/live",
  "/config",
  "/config/radio",
  "/config/wifi",
  "/config/security",
  "/logs",
  "/about",
];
const VIEWPORTS = [
  { width: 360, height: 740 },
  { width: 740, height: 360 },
  { width: 1280, height: 800 },
];

/** Opens `path` and waits until the page shows its content (its h1) and the first answers arrived. */
async function open(page: Page, base: string, path: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.locator("main h1").first().waitFor();
  await page.waitForLoadState("networkidle").catch(() => undefined);
  await sleep(400);
}

const widths = (page: Page) =>
  page.evaluate(
    "({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, vw: window.innerWidth })",
  ) as Promise<{ doc: number; body: number; vw: number }>;

/** Every page of both modes at phone, landscape phone and desktop sizes. */
describe("every page at every size", () => {
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

  for (const viewport of VIEWPORTS) {
    it(`no horizontal overflow at ${viewport.width}x${viewport.height}: document width = viewport width`, async () => {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      for (const [base, paths] of [
        [demo.winch.base, WINCH_PAGES],
        [demo.aircraft.base, AIRCRAFT_PAGES],
      ] as const) {
        for (const path of paths) {
          await open(page, base, path);
          const w = await widths(page);
          expect({ path, ...w }).toEqual({
            path,
            doc: viewport.width,
            body: viewport.width,
            vw: viewport.width,
          });
        }
      }
      expect(errors).toEqual([]);
      await context.close();
    });
  }
});
