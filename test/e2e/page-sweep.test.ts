import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import { collectPageErrors, type Demo, openSettled, SCREENS, startDemo } from "./harness.js";

const WINCH_PAGES = [
  "/",
  "/history",
  "/config",
  "/config/radio",
  "/config/pairings",
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
  "/config/pairing",
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
const THEMES = ["light", "sunlight", "dark"] as const;

/** axe-core's own build, injected into the page (nothing fetched from the network). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const widths = (page: Page) =>
  page.evaluate(
    "({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, vw: window.innerWidth })",
  ) as Promise<{ doc: number; body: number; vw: number }>;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core on the page as it is; the violations of impact serious or critical. */
async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate("typeof window.axe === 'object'")))
    await page.addScriptTag({ content: AXE_SOURCE });
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))",
  )) as AxeViolation[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Text/background pairs of the palette, by CSS variable; each must reach 4.5:1 (WCAG AA, normal text). */
const PAIRS: [string, string][] = [
  ["--fg", "--bg"],
  ["--fg", "--card"],
  ["--fg", "--soft"],
  ["--muted", "--bg"],
  ["--muted", "--card"],
  ["--accent", "--bg"],
  ["--accent", "--card"],
  ["--accent-fg", "--primary"],
  ["--zone-fg", "--below"],
  ["--zone-fg", "--inside"],
  ["--zone-fg", "--above"],
  ["--stale-fg", "--stale-a"],
  ["--stale-fg", "--stale-b"],
  ["--nosignal-fg", "--nosignal-bg"],
  ["--error", "--card"],
  ["--warn", "--warn-bg"],
  ["--fg", "--warn-bg"],
  ["--fg", "--info-bg"],
  ["--ok", "--card"],
  ["--bg", "--fg"],
];

/** The palette's colours as the browser resolved them (rgb), per variable. */
async function palette(page: Page, vars: string[]): Promise<Record<string, [number, number, number]>> {
  const resolved = (await page.evaluate(
    `(() => {
      const probe = document.createElement("span");
      document.body.appendChild(probe);
      const out = {};
      for (const v of ${JSON.stringify(vars)}) {
        probe.style.color = "var(" + v + ")";
        out[v] = getComputedStyle(probe).color;
      }
      probe.remove();
      return out;
    })()`,
  )) as Record<string, string>;
  const out: Record<string, [number, number, number]> = {};
  for (const [k, rgb] of Object.entries(resolved)) {
    const m = rgb.match(/rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)/);
    if (!m) throw new Error(`${k} resolved to ${rgb}`);
    if (m[4] !== undefined && Number(m[4]) < 1)
      throw new Error(`${k} is translucent (${rgb}); its contrast depends on what is under it`);
    out[k] = [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  return out;
}

function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a: [number, number, number], b: [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const themed = (theme: string) =>
  `try { localStorage.setItem("owts-theme", ${JSON.stringify(theme)}); } catch {}`;

/** Every page of both modes at phone, landscape phone and desktop sizes, in every theme. */
describe("every page at every size in every theme", () => {
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

  for (const theme of THEMES) {
    it(`${theme}: every palette pair reaches 4.5:1`, async () => {
      const context = await browser.newContext({ viewport: VIEWPORTS[0] });
      await context.addInitScript(themed(theme));
      const page = await context.newPage();
      await openSettled(page, `${demo.winch.base}/about`);
      const colours = await palette(page, [...new Set(PAIRS.flat())]);
      const ratios = PAIRS.map(([fg, bg]) => ({
        pair: `${fg} on ${bg}`,
        ratio: Math.round(contrast(colours[fg] ?? [0, 0, 0], colours[bg] ?? [0, 0, 0]) * 100) / 100,
      }));
      mkdirSync(SCREENS, { recursive: true });
      writeFileSync(join(SCREENS, `contrast-${theme}.json`), `${JSON.stringify(ratios, null, 2)}\n`);
      for (const r of ratios) expect(r.ratio, r.pair).toBeGreaterThanOrEqual(4.5);
      // The axe check below can fail: grey on grey is reported as a serious contrast violation.
      await page.evaluate(
        `(() => { const p = document.createElement("p"); p.id = "bad-contrast"; p.textContent = "grey on grey"; p.style.cssText = "color:#777;background:#888"; document.querySelector("main").appendChild(p); })()`,
      );
      expect((await seriousViolations(page)).map((v) => v.id)).toContain("color-contrast");
      await context.close();
    });

    for (const viewport of VIEWPORTS) {
      it(`${theme} at ${viewport.width}x${viewport.height}: document width = viewport width, no serious axe violation, a title per page`, async () => {
        const context = await browser.newContext({ viewport });
        await context.addInitScript(themed(theme));
        const page = await context.newPage();
        const errors = collectPageErrors(page);
        const titles = new Set<string>();
        const problems: string[] = [];
        for (const [base, paths] of [
          [demo.winch.base, WINCH_PAGES],
          [demo.aircraft.base, AIRCRAFT_PAGES],
        ] as const) {
          for (const path of paths) {
            await openSettled(page, `${base}${path}`);
            expect(await page.evaluate("document.documentElement.dataset.theme")).toBe(theme);
            const w = await widths(page);
            expect({ path, ...w }).toEqual({
              path,
              doc: viewport.width,
              body: viewport.width,
              vw: viewport.width,
            });
            for (const v of await seriousViolations(page))
              problems.push(
                `${base === demo.winch.base ? "winch" : "aircraft"} ${path}: ${v.id} (${v.impact}) ${v.help} ${JSON.stringify(v.nodes)}`,
              );
            const title = await page.title();
            expect(title).toMatch(/ · OWTS$/);
            titles.add(`${base === demo.winch.base ? "w" : "a"}${title}`);
          }
        }
        expect(problems).toEqual([]);
        // Each page has its own title (the config tabs included).
        expect(titles.size).toBe(WINCH_PAGES.length + AIRCRAFT_PAGES.length);
        expect(errors).toEqual([]);
        await context.close();
      }, 240_000);
    }
  }
});
