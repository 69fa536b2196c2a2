import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LANGUAGES, type Lang } from "../../ui/src/i18n/translate.js";
import { launchChromium } from "./browser.js";
import { collectPageErrors, type Demo, openSettled, screenshot, startDemo } from "./harness.js";

const WINCH_PAGES = [
  "/",
  "/history",
  "/config",
  "/config/radio",
  "/config/wifi",
  "/config/mqtt",
  "/config/security",
  "/logs",
  "/about",
  "/cues",
  "/no-such-page",
];
const AIRCRAFT_PAGES = ["/", "/aircraft/live", "/config", "/logs", "/about"];

type Catalog = Record<string, string | Record<string, string>>;
const catalog = (lang: Lang): Catalog =>
  JSON.parse(readFileSync(`ui/src/i18n/locales/${lang}.json`, "utf8")) as Catalog;
const text = (c: Catalog, key: string): string => {
  const v = c[key];
  return typeof v === "string" ? v : (v?.other ?? "");
};
/** Every key, as it would show if a lookup fell through ("monitor.too_slow"). */
const KEYS = Object.keys(catalog("en"));

/** A browser whose language list is `locale` (navigator.languages), as a phone set to that language. */
async function contextFor(browser: Browser, locale: string): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 360, height: 740 }, locale, colorScheme: "light" });
}

/** What a reader would see that shows a word missing: a raw key or an unfilled `{placeholder}`. */
async function leftovers(page: Page): Promise<string[]> {
  const body = (await page.evaluate(
    "document.body.innerText + ' ' + document.title + ' ' + [...document.querySelectorAll('[aria-label],[title]')].map((e) => (e.getAttribute('aria-label') ?? '') + ' ' + (e.getAttribute('title') ?? '')).join(' ')",
  )) as string;
  const found = [...body.matchAll(/\{\w+\}/g)].map((m) => m[0]);
  for (const k of KEYS) if (body.includes(k)) found.push(k);
  return found;
}

/**
 * Each language renders every page of both modes: the browser's language picks it, only its chunk is
 * fetched, no raw key or unfilled placeholder shows, each page title is its own (and not the English
 * one), the longer words still fit 360 px, the zone words are that language's, and numbers use its
 * decimal sign.
 */
describe("the UI in every language", () => {
  let demo: Demo;
  let browser: Browser;
  const englishTitles = new Map<string, string>();

  beforeAll(async () => {
    demo = await startDemo({ timeScale: 2 });
    browser = await launchChromium([demo.winch.certPath, demo.aircraft.certPath]);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  for (const lang of LANGUAGES) {
    it(`${lang}: every page, chosen from the browser's languages`, async () => {
      const words = catalog(lang);
      const context = await contextFor(browser, lang === "en" ? "en-GB" : `${lang}-${lang.toUpperCase()}`);
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      const chunks = new Set<string>();
      page.on("request", (r) => {
        const m = /^\/app-([a-z]{2})\.js$/.exec(new URL(r.url()).pathname);
        // Only language chunks: other lazy parts (app-qr.js, the About page's QR encoder) are not words.
        if (m?.[1] && (LANGUAGES as readonly string[]).includes(m[1])) chunks.add(m[1]);
      });
      const problems: string[] = [];
      for (const [mode, base, paths] of [
        ["winch", demo.winch.base, WINCH_PAGES],
        ["aircraft", demo.aircraft.base, AIRCRAFT_PAGES],
      ] as const) {
        for (const path of paths) {
          await openSettled(page, `${base}${path}`);
          const where = `${mode} ${path}`;
          expect(await page.evaluate("document.documentElement.lang"), where).toBe(lang);
          for (const l of await leftovers(page)) problems.push(`${where}: shows "${l}"`);
          const width = await page.evaluate("document.documentElement.scrollWidth");
          if (width !== 360) problems.push(`${where}: ${width} px wide at 360 px`);
          const title = await page.title();
          expect(title, where).toMatch(/ · OWTS$/);
          if (lang === "en") englishTitles.set(where, title);
          else if (englishTitles.get(where) === title)
            problems.push(`${where}: title "${title}" is the English one`);
        }
      }
      expect(problems).toEqual([]);

      // The monitor's verdict in this language's words, and its number with this language's decimal sign.
      await openSettled(page, `${demo.winch.base}/`);
      // On the cable the zone word; once the glider is off it (most of a demo flight) the released
      // panel's. Either is a safety word, and must be this language's.
      await page
        .locator('.zone-panel[data-state="live"], .zone-panel[data-state="released"]')
        .first()
        .waitFor({ timeout: 45_000 });
      const state = await page.locator(".zone-panel").first().getAttribute("data-state");
      const label = (await page.locator(".zone-label").first().textContent())
        ?.replace(/^[▼●▲✓]\s*/, "")
        .trim();
      const sign = lang === "en" ? "." : ",";
      if (state === "live") {
        expect([
          text(words, "monitor.too_slow"),
          text(words, "monitor.in_band"),
          text(words, "monitor.too_fast"),
        ]).toContain(label);
        expect(await page.locator('[data-testid="ias"]').textContent()).toMatch(
          new RegExp(`^\\d+\\${sign}\\d$`),
        );
      } else {
        expect([text(words, "monitor.released"), text(words, "monitor.landed")]).toContain(label);
        // Whole numbers are shown without decimals; a decimal, when there is one, uses this sign.
        expect(await page.locator('[data-testid="launch-max-ias"]').textContent()).toMatch(
          new RegExp(`^\\d+(\\${sign}\\d)?\\s`),
        );
      }
      await screenshot(page, `winch-monitor-${lang}`);

      expect([...chunks]).toEqual([lang]);
      expect(errors).toEqual([]);
      await context.close();
    }, 240_000);
  }

  it("a chosen language overrides the browser's, is remembered, and Auto goes back to the browser's", async () => {
    const context = await contextFor(browser, "fr-FR");
    const page = await context.newPage();
    await openSettled(page, `${demo.winch.base}/about`);
    expect(await page.evaluate("document.documentElement.lang")).toBe("fr");
    expect(await page.locator("main h1").textContent()).toBe(text(catalog("fr"), "about.title"));

    await page.locator('[data-testid="language"]').selectOption("pl");
    await page.waitForFunction("document.documentElement.lang === 'pl'");
    expect(await page.locator("main h1").textContent()).toBe(text(catalog("pl"), "about.title"));
    // The tab title follows too (set by an effect, a moment after the words).
    const plTitle = `${text(catalog("pl"), "page.about")} · OWTS`;
    await page.waitForFunction(`document.title === ${JSON.stringify(plTitle)}`, undefined, {
      timeout: 5_000,
    });
    expect(await page.evaluate("localStorage.getItem('owts-lang')")).toBe("pl");

    await page.reload();
    await page.locator("main h1").first().waitFor();
    expect(await page.evaluate("document.documentElement.lang")).toBe("pl");
    expect(await page.locator('[data-testid="language"]').inputValue()).toBe("pl");

    await page.locator('[data-testid="language"]').selectOption("");
    await page.waitForFunction("document.documentElement.lang === 'fr'");
    expect(await page.evaluate("localStorage.getItem('owts-lang')")).toBeNull();
    expect(await page.locator("main h1").textContent()).toBe(text(catalog("fr"), "about.title"));

    // A stored value that is no language of ours is ignored, not trusted.
    await page.evaluate("localStorage.setItem('owts-lang', 'xx')");
    await page.reload();
    await page.locator("main h1").first().waitFor();
    expect(await page.evaluate("document.documentElement.lang")).toBe("fr");
    await context.close();
  });

  it("a browser asking for a language we lack gets English; a failed chunk falls back to English", async () => {
    const context = await contextFor(browser, "ja-JP");
    const page = await context.newPage();
    await openSettled(page, `${demo.winch.base}/about`);
    expect(await page.evaluate("document.documentElement.lang")).toBe("en");

    const german = await contextFor(browser, "de-DE");
    const p2 = await german.newPage();
    await p2.route("**/app-de.js*", (route) => route.abort("connectionrefused"));
    await openSettled(p2, `${demo.winch.base}/about`);
    expect(await p2.evaluate("document.documentElement.lang")).toBe("en");
    expect(await p2.locator("main h1").textContent()).toBe(text(catalog("en"), "about.title"));
    await german.close();
    await context.close();
  });
});
