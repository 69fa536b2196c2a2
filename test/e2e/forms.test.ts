import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import { call, collectPageErrors, newPage, pollOnly, screenshot, startUnit } from "./harness.js";

type Unit = Awaited<ReturnType<typeof startUnit>>;

const field = (page: Page, name: string) => page.locator(`[data-field="${name}"]`);
const input = (page: Page, name: string) => field(page, name).locator("input, select").first();

/** Settings forms, the API password detour, and the mode switch, on one real aircraft unit. */
describe("forms on an aircraft unit", () => {
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

  it("bad settings: the device's messages appear next to their fields, the input stays, nothing is stored", async () => {
    const before = (await call(unit.base, "GET", "/api/aircraft")).json as Record<string, unknown>;
    const bad = { ...before, v_min: 140, v_en: 10 };
    // What the device says about this profile (a refused request changes nothing).
    const refused = await call(unit.base, "PUT", "/api/aircraft", { body: bad });
    expect(refused.status).toBe(400);
    const details = (refused.json as { details: { field: string; message: string }[] }).details;
    expect(details.length).toBeGreaterThanOrEqual(2);

    const { context, page } = await newPage(browser);
    const errors = collectPageErrors(page);
    const puts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "PUT") puts.push(new URL(r.url()).pathname);
    });
    await page.goto(`${unit.base}/`);
    await page.locator('[data-form="aircraft"]').waitFor();

    // Not a number: caught here, nothing sent.
    await input(page, "/v_opt").fill("abc");
    await page.locator('[data-form="aircraft"] button[type=submit]').click();
    await field(page, "/v_opt").locator(".field-error").waitFor();
    expect(await field(page, "/v_opt").locator(".field-error").textContent()).toContain("whole number");
    expect(puts).toEqual([]);

    await input(page, "/v_opt").fill(String(before.v_opt));
    await input(page, "/v_min").fill("140");
    await input(page, "/v_en").fill("10");
    await page.locator('[data-form="aircraft"] button[type=submit]').click();
    await page.locator(".field-error").first().waitFor();
    expect(puts).toEqual(["/api/aircraft"]);
    // Every field the device named is marked, in the UI's words (the limit stated), not the API's.
    for (const d of details) {
      const text = await field(page, d.field).locator(".field-error").textContent();
      expect(text).not.toContain(d.message);
      expect(text).toMatch(/\d/);
    }
    expect(await input(page, "/v_min").inputValue()).toBe("140");
    expect(await input(page, "/v_en").inputValue()).toBe("10");
    expect(await page.locator(".form-error").textContent()).toContain("Your input is kept");
    await screenshot(page, "aircraft-settings-errors");
    expect((await call(unit.base, "GET", "/api/aircraft")).json).toEqual(before);

    // Fixed: saved, and the device holds it.
    await input(page, "/v_min").fill("92");
    await input(page, "/v_en").fill("55");
    await page.locator('[data-form="aircraft"] button[type=submit]').click();
    await page.locator(".saved").waitFor();
    expect(await page.locator(".field-error").count()).toBe(0);
    expect((await call(unit.base, "GET", "/api/aircraft")).json).toMatchObject({ v_min: 92, v_en: 55 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("with a password set, saving without it leads to the security page and back, keeping the input", async () => {
    const password = "hangar-door-42";
    expect((await call(unit.base, "PUT", "/api/security", { body: { password } })).status).toBe(200);
    try {
      const { context, page } = await newPage(browser);
      const errors = collectPageErrors(page);
      await page.goto(`${unit.base}/`);
      await page.locator('[data-form="aircraft"]').waitFor();
      await input(page, "/registration").fill("d-kxyz");
      expect(await input(page, "/registration").inputValue()).toBe("D-KXYZ");
      await input(page, "/type").fill("Discus 2c");
      await page.locator('[data-form="aircraft"] button[type=submit]').click();

      await page.waitForURL((u) => u.pathname === "/config/security" && u.searchParams.get("back") === "/");
      await page.locator('[data-testid="auth-needed"]').waitFor();
      await screenshot(page, "config-security-needed");

      // A wrong password is refused in words; the right one is accepted and kept for the session.
      const session = page.locator('[data-form="session-password"]');
      await session.locator("input").fill("not-the-password");
      await session.locator("button[type=submit]").click();
      await session.locator(".field-error").waitFor();
      expect(await session.locator(".field-error").textContent()).toContain("Wrong password");
      await session.locator("input").fill(password);
      await session.locator("button[type=submit]").click();
      await page.locator('[data-testid="back-to-form"]').click();

      await page.waitForURL((u) => u.pathname === "/");
      await page.locator('[data-form="aircraft"]').waitFor();
      expect(await input(page, "/registration").inputValue()).toBe("D-KXYZ");
      expect(await input(page, "/type").inputValue()).toBe("Discus 2c");
      await page.locator('[data-form="aircraft"] button[type=submit]').click();
      await page.locator(".saved").waitFor();
      expect((await call(unit.base, "GET", "/api/aircraft")).json).toMatchObject({
        registration: "D-KXYZ",
        type: "Discus 2c",
      });
      // The password lives in sessionStorage, never in localStorage.
      expect(await page.evaluate("JSON.stringify(localStorage)")).not.toContain(password);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await call(unit.base, "PUT", "/api/security", { body: { password: null }, token: password });
    }
  });

  it("sets, validates and clears the API password from the security page", async () => {
    const { context, page } = await newPage(browser);
    await page.goto(`${unit.base}/config/security`);
    await page.locator('[data-testid="password-state"]').waitFor();
    expect(await page.locator('[data-testid="password-state"]').textContent()).toContain("No API password");
    const fresh = page.locator('[data-form="new-password"]');
    await fresh.locator('[data-field="/password"] input').fill("short");
    await fresh.locator('[data-field="/repeat"] input').fill("short");
    await fresh.locator("button[type=submit]").click();
    await fresh.locator('[data-field="/password"] .field-error').waitFor();

    await fresh.locator('[data-field="/password"] input').fill("winch-cable-7");
    await fresh.locator('[data-field="/repeat"] input').fill("winch-cable-7");
    await fresh.locator("button[type=submit]").click();
    await fresh.locator(".saved").waitFor();
    expect((await call(unit.base, "GET", "/api/security")).json).toEqual({ password_set: true });
    // Kept for this session: a write from the page passes.
    expect((await call(unit.base, "POST", "/api/security/check", { token: "winch-cable-7" })).status).toBe(
      204,
    );

    await fresh.getByRole("button", { name: "Clear password…" }).click();
    await fresh.getByRole("button", { name: "Yes, clear it" }).click();
    await page.locator('[data-testid="password-state"]', { hasText: "No API password" }).waitFor();
    expect((await call(unit.base, "GET", "/api/security")).json).toEqual({ password_set: false });
    await context.close();
  });

  it("copes with HTML, network failures and mode-only 404s: clear states, recovery, no exceptions", async () => {
    const { context, page } = await newPage(browser);
    await pollOnly(page);
    const errors = collectPageErrors(page);

    // An older device answers its SPA page where JSON was expected.
    await page.route("**/api/aircraft/live", (r) =>
      r.fulfill({
        status: 200,
        contentType: "text/html",
        body: "<!doctype html><title>old</title><div id=app></div>",
      }),
    );
    await page.goto(`${unit.base}/aircraft/live`);
    await page.locator('[data-failure="not_json"]').waitFor();
    // Said in words; no API path in the text.
    expect(await page.locator('[data-failure="not_json"]').textContent()).toContain(
      "does not offer this page",
    );
    expect(await page.locator('[data-failure="not_json"]').textContent()).not.toContain("/api/");

    // The device goes away, then comes back: the page says so and recovers by itself.
    await page.unroute("**/api/aircraft/live");
    await page.route("**/api/aircraft/live", (r) => r.abort("connectionrefused"));
    await page.reload();
    await page.locator('[data-failure="network"]').waitFor();
    await screenshot(page, "aircraft-live-unreachable");
    await page.unroute("**/api/aircraft/live");
    await page.locator('.live-panel[data-state="live"]').waitFor({ timeout: 15_000 });
    expect(await page.locator("[data-failure]").count()).toBe(0);

    // A winch page on an aircraft unit (the history is in both modes since each unit records).
    await page.goto(`${unit.base}/config/pairings`);
    await page.locator('[data-failure="wrong_mode"]').waitFor();
    expect(await page.locator('[data-failure="wrong_mode"]').textContent()).toContain("Only in winch mode");
    expect(errors).toEqual([]);
    await context.close();
  });

  for (const outage of ["unreachable", "html"] as const) {
    it(`every page shows a state, never a blank page, when the API is ${outage}`, async () => {
      const { context, page } = await newPage(browser);
      const errors = collectPageErrors(page);
      await page.route("**/api/**", (r) =>
        outage === "unreachable"
          ? r.abort("connectionrefused")
          : r.fulfill({
              status: 200,
              contentType: "text/html",
              body: "<!doctype html><p>an older device</p>",
            }),
      );
      for (const path of [
        "/",
        "/aircraft/live",
        "/history",
        "/config",
        "/config/radio",
        "/config/wifi",
        "/config/security",
        "/logs",
        "/about",
        "/no/such/page",
      ]) {
        await page.goto(`${unit.base}${path}`);
        await page.locator("main h1").first().waitFor();
        if (path !== "/no/such/page") await page.locator("main [data-failure]").first().waitFor();
        const text = ((await page.locator("main").textContent()) ?? "").trim();
        expect(text.length, path).toBeGreaterThan(20);
      }
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it("a mode switch asks first, waits for the device and reloads into the new mode, and back", async () => {
    const { context, page } = await newPage(browser);
    const errors = collectPageErrors(page);
    await page.goto(`${unit.base}/config`);
    expect(await page.locator('[data-testid="current-mode"]').textContent()).toBe("aircraft");

    await page.locator('button[data-mode="winch"]').click();
    const confirm = page.locator(".confirm");
    await confirm.waitFor();
    // Cancel changes nothing.
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect((await call(unit.base, "GET", "/api/mode")).json).toEqual({ mode: "aircraft" });

    await page.locator('button[data-mode="winch"]').click();
    await confirm.getByRole("button", { name: "Switch to winch mode" }).click();
    await page.waitForURL((u) => u.pathname === "/", { timeout: 30_000 });
    await page.locator(".mode-chip[data-mode=winch]").waitFor({ timeout: 30_000 });
    await page.locator(".zone-panel").first().waitFor();
    expect((await call(unit.base, "GET", "/api/mode")).json).toEqual({ mode: "winch" });
    expect(await page.locator("nav.main-nav a").allTextContents()).toContain("History");

    await page.locator('nav.main-nav a[href="/config"]').click();
    await page.locator('button[data-mode="aircraft"]').click();
    await page.locator(".confirm").getByRole("button", { name: "Switch to aircraft mode" }).click();
    await page.waitForURL((u) => u.pathname === "/", { timeout: 30_000 });
    await page.locator('[data-form="aircraft"]').waitFor({ timeout: 30_000 });
    expect((await call(unit.base, "GET", "/api/mode")).json).toEqual({ mode: "aircraft" });
    expect(errors).toEqual([]);
    await context.close();
  });
});
