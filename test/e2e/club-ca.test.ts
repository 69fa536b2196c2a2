import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initClubCa } from "../../src/certs/index.js";
import { launchChromiumWithNss } from "./browser.js";
import { collectPageErrors, newPage, startUnit } from "./harness.js";

const ID = "5C0A11";
const WINCH = `OWTS-winch-${ID}.local`;
const AIRCRAFT = `OWTS-aircraft-${ID}.local`;

/** A unit started with --ca, opened by a Chromium that trusts only the club CA (nothing ignored). */
describe("trust without warnings: the club CA in Chromium's NSS database", () => {
  let unit: Awaited<ReturnType<typeof startUnit>>;
  let caDir: string;
  let trusting: Browser;
  let stranger: Browser;

  beforeAll(async () => {
    caDir = join(mkdtempSync(join(tmpdir(), "owts-e2e-ca-")), "ca");
    await initClubCa({ dir: caDir, name: "E2E Club" });
    unit = await startUnit("winch", ["--id", ID, "--ca", caDir]);
    trusting = await launchChromiumWithNss(join(caDir, "ca.crt"), [WINCH, AIRCRAFT]);
    stranger = await launchChromiumWithNss(null, [WINCH, AIRCRAFT]);
  }, 60_000);
  afterAll(async () => {
    await trusting?.close();
    await stranger?.close();
    await unit?.stop();
  });

  it("loads the UI, finds the manifest and gets a registered service worker", async () => {
    const { context, page } = await newPage(trusting);
    const errors = collectPageErrors(page);
    try {
      const url = `https://${WINCH.toLowerCase()}:${unit.httpsPort}/`; // as the browser writes it
      const res = await page.goto(url);
      expect(res?.ok()).toBe(true);
      // Browser-side code as strings: the test build has no DOM types.
      expect(await page.evaluate("window.isSecureContext")).toBe(true);
      const cdp = await context.newCDPSession(page);
      const manifest = (await cdp.send("Page.getAppManifest")) as {
        url: string;
        errors: unknown[];
        data?: string;
      };
      expect(manifest.url).toBe(`${url}manifest.webmanifest`);
      expect(manifest.errors).toEqual([]);
      expect(JSON.parse(manifest.data ?? "{}")).toMatchObject({ display: "standalone", short_name: "OWTS" });
      const scope = await page.evaluate(
        `navigator.serviceWorker.ready.then((reg) => ({ scope: reg.scope, active: reg.active && reg.active.state }))`,
      );
      expect(scope).toEqual({ scope: url, active: "activated" });
      // The shell is cached; no API response is.
      const cached = (await page.evaluate(`(async () => {
        const out = [];
        for (const name of await caches.keys())
          for (const req of await (await caches.open(name)).keys()) out.push(new URL(req.url).pathname);
        return out;
      })()`)) as string[];
      expect(cached).toContain("/");
      expect(cached.some((p) => p.startsWith("/api"))).toBe(false);

      // The About page shows both fingerprints and the QR codes, and offers the CA downloads.
      await page.goto(`${url}about`);
      await page.getByTestId("ca-fingerprint").waitFor();
      await page.getByTestId("qr-url").locator("img").waitFor();
      await page.getByTestId("qr-fingerprint").locator("img").waitFor();
      expect(await page.getByTestId("ca-download").getAttribute("href")).toBe("/api/about/ca");
      expect(await page.getByTestId("ca-profile-download").getAttribute("href")).toBe(
        "/api/about/ca.mobileconfig",
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("the same certificate also serves the other mode's name (a mode change keeps it trusted)", async () => {
    const { context, page } = await newPage(trusting);
    try {
      const res = await page.goto(`https://${AIRCRAFT}:${unit.httpsPort}/api/about`);
      expect(res?.ok()).toBe(true);
    } finally {
      await context.close();
    }
  }, 30_000);

  it("the same Chromium without the CA gets the certificate error", async () => {
    const { context, page } = await newPage(stranger);
    try {
      await expect(page.goto(`https://${WINCH}:${unit.httpsPort}/`)).rejects.toThrow(
        /ERR_CERT_AUTHORITY_INVALID/,
      );
    } finally {
      await context.close();
    }
  }, 30_000);
});
