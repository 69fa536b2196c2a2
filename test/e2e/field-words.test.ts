import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import { call, collectPageErrors, newPage, screenshot, startUnit } from "./harness.js";

type Unit = Awaited<ReturnType<typeof startUnit>>;

const field = (page: Page, name: string) => page.locator(`[data-field="${name}"]`);
const input = (page: Page, name: string) => field(page, name).locator("input, select").first();
const save = (page: Page) => page.locator('[data-form="aircraft"] button[type=submit]').click();
/** Text a club member must never read: schema patterns, API paths, ISO timestamps. */
const API_SPEAK = /pattern|allowed forms|\/api\/|\^\[|\(at \d{4}-|must NOT|PUT |PATCH /;

/** Messages in the words a club member uses, and units that never drift, on a real aircraft unit. */
describe("words and units on an aircraft unit", () => {
  let unit: Unit;
  let browser: Browser;

  beforeAll(async () => {
    unit = await startUnit("aircraft");
    browser = await launchChromium(unit.certPath);
  });
  afterAll(async () => {
    await browser?.close();
    await unit?.stop();
  });

  it("a refused registration says what it may be, with the limit; nothing is stored", async () => {
    const before = (await call(unit.base, "GET", "/api/aircraft")).json;
    const { context, page } = await newPage(browser);
    const errors = collectPageErrors(page);
    await page.goto(`${unit.base}/`);
    await page.locator('[data-form="aircraft"]').waitFor();
    await input(page, "/registration").fill("-D1234");
    await save(page);
    const msg = field(page, "/registration").locator(".field-error");
    await msg.waitFor();
    expect(await msg.textContent()).toContain("At most 10 capital letters, digits or hyphens");
    expect(await page.locator("main").textContent()).not.toMatch(API_SPEAK);
    // Focus went to the field to fix.
    expect(
      await input(page, "/registration").evaluate(
        (e) =>
          e === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
      ),
    ).toBe(true);
    expect((await call(unit.base, "GET", "/api/aircraft")).json).toEqual(before);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("v_min above v_max marks every field involved, and focus moves to the first of them", async () => {
    const before = (await call(unit.base, "GET", "/api/aircraft")).json;
    const { context, page } = await newPage(browser);
    await page.goto(`${unit.base}/`);
    await page.locator('[data-form="aircraft"]').waitFor();
    await input(page, "/v_min").fill("140");
    await input(page, "/v_max").fill("100");
    await save(page);
    await field(page, "/v_max").locator(".field-error").waitFor();
    for (const f of ["/v_min", "/v_opt", "/v_max"])
      expect(await field(page, f).locator(".field-error").textContent(), f).toMatch(
        /Must be (at most|at least)/,
      );
    expect(await field(page, "/v_min").locator(".field-error").textContent()).toContain("105 km/h");
    expect(await field(page, "/v_en").locator(".field-error").count()).toBe(0);
    const focused = await page.evaluate(
      "document.activeElement && document.activeElement.closest('[data-field]')?.getAttribute('data-field')",
    );
    expect(focused).toBe("/v_min");
    expect(await page.locator("main").textContent()).not.toMatch(API_SPEAK);
    await screenshot(page, "aircraft-settings-cross-field");
    expect((await call(unit.base, "GET", "/api/aircraft")).json).toEqual(before);
    await context.close();
  });

  it("km/h → kt → km/h gives back 90/105/130/50, and saving stores exactly those", async () => {
    const stored = {
      registration: "D-1234",
      type: "ASK 21",
      unit: "kmh",
      v_min: 90,
      v_opt: 105,
      v_max: 130,
      v_en: 50,
    };
    expect((await call(unit.base, "PUT", "/api/aircraft", { body: stored })).status).toBe(200);
    const { context, page } = await newPage(browser);
    await page.goto(`${unit.base}/`);
    await page.locator('[data-form="aircraft"]').waitFor();
    const speeds = async () =>
      Promise.all(["/v_min", "/v_opt", "/v_max", "/v_en"].map((f) => input(page, f).inputValue()));
    await input(page, "/unit").selectOption("kt");
    expect(await speeds()).toEqual(["49", "57", "70", "27"]);
    await input(page, "/unit").selectOption("mph");
    await input(page, "/unit").selectOption("kmh");
    expect(await speeds()).toEqual(["90", "105", "130", "50"]);
    await save(page);
    await page.locator(".saved").waitFor();
    expect((await call(unit.base, "GET", "/api/aircraft")).json).toEqual(stored);
    await context.close();
  });

  it("too many wrong passwords: 'try again in N s', no timestamp, no API words", async () => {
    const password = "rate-limit-test-9";
    expect((await call(unit.base, "PUT", "/api/security", { body: { password } })).status).toBe(200);
    try {
      // Wrong passwords from this address until the device blocks it for 16 s (5 free, then 1, 2, 4, 8 s…).
      let retryAfter = 0;
      for (let i = 0; i < 20 && retryAfter < 15; i++) {
        const r = await call(unit.base, "POST", "/api/security/check", { token: `wrong-${i}` });
        if (r.status !== 429) continue;
        retryAfter = Number(r.headers["retry-after"]);
        if (retryAfter < 15) await new Promise((res) => setTimeout(res, retryAfter * 1000 + 100));
      }
      expect(retryAfter).toBeGreaterThanOrEqual(15);
      const { context, page } = await newPage(browser);
      await page.goto(`${unit.base}/config/security`);
      const session = page.locator('[data-form="session-password"]');
      await session.locator("input").fill("still-wrong");
      await session.locator("button[type=submit]").click();
      const notice = page.locator('[data-failure="rate_limited"]');
      await notice.waitFor();
      const text = (await notice.textContent()) ?? "";
      expect(text).toMatch(/Try again in \d+ s\.$/);
      expect(text).not.toMatch(API_SPEAK);
      expect(text).not.toMatch(/Wait/);
      await context.close();
    } finally {
      // The block passes; the test's own address may then clear the password.
      for (let i = 0; i < 60; i++) {
        const r = await call(unit.base, "PUT", "/api/security", {
          body: { password: null },
          token: password,
        });
        if (r.status === 200) break;
        await new Promise((res) => setTimeout(res, 1000));
      }
    }
  }, 150_000);
});
