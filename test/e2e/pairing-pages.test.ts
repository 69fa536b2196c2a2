import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import { call, collectPageErrors, type Demo, newPage, screenshot, startDemo } from "./harness.js";

/*
 * The pairing pages in Chromium against the demo (whose two units come paired): the aircraft's code as a
 * QR code and typed groups, a new key after a confirmation; the winch's list, a mistyped code refused with
 * the device's reason next to the field, removal after a confirmation, adding by typing and by the camera.
 * Meanwhile the winch monitor never shows a frame it cannot verify as the current IAS: after the new key
 * it names the aircraft as heard but unpaired; with no pairing left it shows it as UNVERIFIED.
 */

let demo: Demo;
let browser: Browser;

type Pairings = { pairings: { key_id: string; registration: string | null }[] };

beforeAll(async () => {
  demo = await startDemo({ timeScale: 2 });
  // A fake camera, so getUserMedia gives a picture in headless Chromium (there is no camera here).
  browser = await launchChromium(
    [demo.winch.certPath, demo.aircraft.certPath],
    ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
  );
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

async function codeOnPage(page: Page): Promise<string> {
  const groups = await page.locator('[data-testid="pairing-code"] .code-group').allTextContents();
  return groups.join("-");
}

/** The monitor never shows big digits or a band marker while it is not live and verified. */
async function noCurrentIas(page: Page): Promise<void> {
  expect(await page.locator('[data-testid="ias"], .band-marker').count()).toBe(0);
}

describe("pairing pages", () => {
  it("aircraft code → winch list, bad code, new key, unpaired heard, unverified, pair again", async () => {
    const errors: string[] = [];
    const registration = (
      (await call(demo.aircraft.base, "GET", "/api/aircraft")).json as { registration: string }
    ).registration;

    // Aircraft: the tab exists in aircraft mode only; the code is shown on request, as QR and groups.
    const air = await newPage(browser);
    errors.push(...collectPageErrors(air.page));
    await air.page.goto(`${demo.aircraft.base}/config/pairing`);
    await air.page.getByRole("link", { name: "Pairing", exact: true }).waitFor();
    expect(await air.page.getByRole("link", { name: "Pairings", exact: true }).count()).toBe(0);
    const keyBefore = (await call(demo.aircraft.base, "GET", "/api/pairing")).json as { key_id: string };
    await air.page.locator('[data-testid="key-id"]').getByText(keyBefore.key_id).waitFor();
    expect(await air.page.locator('[data-testid="pairing-qr"]').count()).toBe(0);
    await air.page.getByRole("button", { name: "Show the pairing code" }).click();
    const qr = air.page.locator('[data-testid="pairing-qr"]');
    await qr.waitFor();
    expect((await qr.locator("path").getAttribute("d"))?.length ?? 0).toBeGreaterThan(500);
    expect(await qr.getAttribute("aria-label")).toContain(registration);
    const shownCode = await codeOnPage(air.page);
    expect(shownCode).toMatch(/^OWTS(-[0-9A-Z]{5}){7}$/);
    const apiCode = ((await call(demo.aircraft.base, "POST", "/api/pairing")).json as { code: string }).code;
    expect(shownCode).toBe(apiCode);
    await screenshot(air.page, "aircraft-pairing");

    // Winch: the demo's pairing is listed; this Chromium has no BarcodeDetector, so typing only.
    const winch = await newPage(browser);
    errors.push(...collectPageErrors(winch.page));
    await winch.page.goto(`${demo.winch.base}/config/pairings`);
    const row = winch.page.locator(`[data-testid="pairings-table"] li[data-key-id="${keyBefore.key_id}"]`);
    await row.waitFor();
    await row
      .getByText(registration)
      .waitFor({ timeout: 15_000 })
      .catch(async () => {
        // The name arrives with the first verified full frame after the page loaded: reload once.
        await winch.page.reload();
        await row.getByText(registration).waitFor({ timeout: 15_000 });
      });
    await winch.page.locator('[data-testid="scan-unsupported"]').waitFor();
    expect(await winch.page.locator('[data-testid="scan-start"]').count()).toBe(0);

    // A mistyped code: the device's reason next to the field, nothing stored.
    const typo = `${apiCode.slice(0, -1)}${apiCode.endsWith("0") ? "1" : "0"}`;
    const field = winch.page.locator('[data-field="/code"]');
    await field.locator("input").fill(typo);
    await winch.page.getByRole("button", { name: "Pair", exact: true }).click();
    await field.locator(".field-error").getByText("group 7 has a typo").waitFor();
    expect(await field.locator("input").getAttribute("aria-invalid")).toBe("true");
    expect(
      ((await call(demo.winch.base, "GET", "/api/winch/pairings")).json as Pairings).pairings,
    ).toHaveLength(1);
    await screenshot(winch.page, "winch-pairings-typo");

    // Aircraft: a new key, after a confirmation.
    await air.page.getByRole("button", { name: "New key…" }).click();
    await air.page.getByRole("alertdialog", { name: "Confirm the new key" }).waitFor();
    await air.page.getByRole("button", { name: "Make a new key" }).click();
    await air.page.locator('[data-testid="rotated"]').waitFor();
    const newCode = await codeOnPage(air.page);
    expect(newCode).not.toBe(apiCode);
    const keyAfter = (await call(demo.aircraft.base, "GET", "/api/pairing")).json as { key_id: string };
    expect(keyAfter.key_id).not.toBe(keyBefore.key_id);
    await air.page.locator('[data-testid="key-id"]').getByText(keyAfter.key_id).waitFor();

    // Winch monitor: the aircraft now signs with a key it does not know: heard, named, never shown.
    const mon = await newPage(browser);
    errors.push(...collectPageErrors(mon.page));
    await mon.page.goto(`${demo.winch.base}/`);
    const heard = mon.page.locator('[data-testid="unpaired-heard"]');
    await heard.getByText(registration).waitFor({ timeout: 20_000 });
    await mon.page.locator('.zone-panel:not([data-state="live"])').waitFor({ timeout: 10_000 });
    await mon.page.locator('.zone-panel[data-state="no_signal"]').waitFor({ timeout: 30_000 });
    await noCurrentIas(mon.page);
    expect(await heard.getByRole("link", { name: "Pair it" }).getAttribute("href")).toBe("/config/pairings");
    await screenshot(mon.page, "winch-monitor-unpaired-heard");

    // Winch: remove the old pairing, after a confirmation → no pairing: the monitor shows UNVERIFIED.
    await winch.page.reload();
    await row.getByRole("button", { name: "Remove…" }).click();
    await winch.page.getByRole("alertdialog", { name: "Confirm removing the pairing" }).waitFor();
    await winch.page.getByRole("button", { name: "Remove", exact: true }).click();
    await winch.page.locator('[data-testid="no-pairings"]').waitFor();
    expect(((await call(demo.winch.base, "GET", "/api/winch/pairings")).json as Pairings).pairings).toEqual(
      [],
    );
    const unverified = mon.page.locator('.zone-panel[data-state="unverified"]');
    await unverified.waitFor({ timeout: 20_000 });
    expect(await unverified.textContent()).toContain("UNVERIFIED");
    expect(await unverified.locator('[data-testid="unverified-value"]').textContent()).toMatch(
      /not verified/,
    );
    expect(await unverified.getAttribute("data-zone")).toBeNull();
    await noCurrentIas(mon.page);
    await mon.page.locator('[data-testid="unverified-badge"]').waitFor();
    // Shown as unverified, so not also named as "heard, not shown".
    expect(await mon.page.locator('[data-testid="unpaired-heard"]').count()).toBe(0);
    await screenshot(mon.page, "winch-monitor-unverified");

    // Winch: pair again by typing the new code → verified, live IAS on the monitor.
    await field.locator("input").fill(newCode.toLowerCase().replaceAll("-", " "));
    await winch.page.getByRole("button", { name: "Pair", exact: true }).click();
    await winch.page.locator('[data-testid="pairing-added"]').getByText(keyAfter.key_id).waitFor();
    await winch.page.locator(`li[data-key-id="${keyAfter.key_id}"]`).waitFor();
    await mon.page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: 20_000 });
    await mon.page.locator('[data-testid="ias"]').waitFor();
    expect(await mon.page.locator('[data-testid="unverified-badge"]').count()).toBe(0);

    for (const p of [air, winch, mon]) await p.context.close();
    expect(errors).toEqual([]);
  }, 180_000);

  it("adds a pairing from the camera where the browser reads QR codes", async () => {
    const code = (
      (await call(demo.aircraft.base, "POST", "/api/pairing")).json as { code: string; key_id: string }
    ).code;
    const list = (await call(demo.winch.base, "GET", "/api/winch/pairings")).json as Pairings;
    for (const p of list.pairings)
      expect((await call(demo.winch.base, "DELETE", `/api/winch/pairings/${p.key_id}`)).status).toBe(204);

    const { context, page } = await newPage(browser);
    const errors = collectPageErrors(page);
    await context.grantPermissions(["camera"], { origin: demo.winch.base });
    // Chromium on Linux has no BarcodeDetector: this one stands in for the platform's reader, seeing
    // another QR code first and then the aircraft's. The camera picture is Chromium's fake device.
    await page.addInitScript((value: string) => {
      let seen = 0;
      (globalThis as unknown as Record<string, unknown>).BarcodeDetector = class {
        static async getSupportedFormats() {
          return ["qr_code", "ean_13"];
        }
        async detect() {
          seen++;
          return seen < 3 ? [{ rawValue: "https://example.org/menu" }] : [{ rawValue: value }];
        }
      };
    }, code);
    await page.goto(`${demo.winch.base}/config/pairings`);
    await page.locator('[data-testid="no-pairings"]').waitFor();
    await page.locator('[data-testid="scan-start"]').click();
    await page.locator('[data-testid="qr-scanner"] video').waitFor();
    await page.getByText("not an OWTS pairing code").waitFor();
    await page.locator('[data-testid="pairing-added"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid="qr-scanner"]').count()).toBe(0);
    const after = (await call(demo.winch.base, "GET", "/api/winch/pairings")).json as Pairings;
    expect(after.pairings).toHaveLength(1);
    await page.locator(`li[data-key-id="${after.pairings[0]!.key_id}"]`).waitFor();
    await context.close();
    expect(errors).toEqual([]);
  }, 60_000);
});
