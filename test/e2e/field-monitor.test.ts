import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import {
  call,
  collectPageErrors,
  type Demo,
  pollOnly,
  screenshot,
  setHidden,
  sleep,
  startDemo,
} from "./harness.js";

/**
 * After the release the monitor shows "released", not a zone, until the next launch: a test that
 * needs a live zone late in the demo's flight waits for the next one (one circuit at time x2).
 */
const NEXT_LAUNCH_MS = 170_000;

/** The rectangle of the first element matching `selector`, and the viewport, from the page. */
async function boxIn(page: Page, selector: string) {
  return page.evaluate((sel) => {
    const g = globalThis as unknown as {
      document: { querySelector(s: string): { getBoundingClientRect(): Record<string, number> } | null };
      innerWidth: number;
      innerHeight: number;
      scrollY: number;
    };
    const el = g.document.querySelector(sel);
    const r = el?.getBoundingClientRect();
    return {
      found: !!r,
      top: r?.top ?? 0,
      bottom: r?.bottom ?? 0,
      left: r?.left ?? 0,
      right: r?.right ?? 0,
      vw: g.innerWidth,
      vh: g.innerHeight,
      scrollY: g.scrollY,
    };
  }, selector);
}

/** Records navigator.wakeLock calls (headless Chromium has no screen to keep on); `refuse` rejects them. */
const wakeLockStub = (refuse: boolean) => `
  (() => {
    const log = [];
    window.__wake = log;
    const api = {
      request(type) {
        log.push("request:" + type);
        if (${refuse}) return Promise.reject(new DOMException("battery saver", "NotAllowedError"));
        const listeners = [];
        const s = {
          released: false,
          type,
          release() { s.released = true; log.push("release"); listeners.forEach((l) => l()); return Promise.resolve(); },
          addEventListener(_t, l) { listeners.push(l); },
        };
        window.__sentinel = s;
        return Promise.resolve(s);
      },
    };
    Object.defineProperty(navigator, "wakeLock", { configurable: true, get: () => api });
  })();
`;

const wakeLog = (page: Page) => page.evaluate("window.__wake.slice()") as Promise<string[]>;

/** The monitor at the winch: fits the usual mounts, keeps the screen on, survives a device that stops answering. */
describe("winch monitor at the field", () => {
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

  for (const viewport of [
    { width: 740, height: 360 },
    { width: 1024, height: 768 },
    { width: 360, height: 740 },
  ]) {
    it(`at ${viewport.width}x${viewport.height} the zone and the whole IAS are on screen without scrolling`, async () => {
      const context = await browser.newContext({ viewport, colorScheme: "light" });
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(`${demo.winch.base}/`);
      await page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: 45_000 });
      for (const sel of [".zone-panel .zone-label", '[data-testid="ias"]', ".ias-unit"]) {
        const b = await boxIn(page, sel);
        expect(b.found, sel).toBe(true);
        expect(b.scrollY).toBe(0);
        expect(b.top, `${sel} top`).toBeGreaterThanOrEqual(0);
        expect(b.left, `${sel} left`).toBeGreaterThanOrEqual(0);
        expect(b.bottom, `${sel} bottom`).toBeLessThanOrEqual(b.vh);
        expect(b.right, `${sel} right`).toBeLessThanOrEqual(b.vw);
      }
      // The digits are large: at least a fifth of the shorter side of the screen.
      const ias = await boxIn(page, '[data-testid="ias"]');
      expect(ias.bottom - ias.top).toBeGreaterThan(Math.min(viewport.width, viewport.height) / 5);
      await page.screenshot({
        path: `test-artifacts/screens/winch-monitor-${viewport.width}x${viewport.height}.png`,
      });
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it("holds a screen wake lock while open and visible, and asks again when the page is visible again", async () => {
    const context = await browser.newContext({ viewport: { width: 740, height: 360 } });
    await context.addInitScript(wakeLockStub(false));
    const page = await context.newPage();
    await page.goto(`${demo.winch.base}/`);
    await page.locator(".zone-panel").first().waitFor();
    await page.waitForFunction("window.__wake.length >= 1");
    expect(await wakeLog(page)).toEqual(["request:screen"]);
    expect(await page.locator('[data-testid="wake-note"]').count()).toBe(0);

    // The browser drops the lock when the page is hidden; visible again, the monitor asks again.
    await setHidden(page, true);
    await page.evaluate("window.__sentinel.release()");
    await sleep(200);
    expect(await wakeLog(page)).toEqual(["request:screen", "release"]);
    await setHidden(page, false);
    await page.waitForFunction("window.__wake.length >= 3");
    expect(await wakeLog(page)).toEqual(["request:screen", "release", "request:screen"]);

    // Leaving the monitor lets the screen go dark again.
    await page.locator('nav.main-nav a[href="/about"]').click();
    await page.waitForFunction("window.__wake.length >= 4");
    expect((await wakeLog(page)).at(-1)).toBe("release");
    await context.close();
  });

  it("says so in a short note when the browser refuses the wake lock", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    await context.addInitScript(wakeLockStub(true));
    const page = await context.newPage();
    await page.goto(`${demo.winch.base}/`);
    const note = page.locator('[data-testid="wake-note"]');
    await note.waitFor();
    expect(await note.getAttribute("data-wake")).toBe("refused");
    expect(await note.textContent()).toMatch(/screen/);
    await context.close();
  });

  it("has a full-screen button that switches the page to full screen and back", async () => {
    const context = await browser.newContext({ viewport: { width: 740, height: 360 } });
    const page = await context.newPage();
    await page.goto(`${demo.winch.base}/`);
    const button = page.locator(".fullscreen-toggle");
    await button.waitFor();
    expect(await button.getAttribute("aria-pressed")).toBe("false");
    await button.click();
    await page.waitForFunction("!!document.fullscreenElement");
    expect(await button.getAttribute("aria-pressed")).toBe("true");
    await button.click();
    await page.waitForFunction("!document.fullscreenElement");
    expect(await button.getAttribute("aria-pressed")).toBe("false");
    await context.close();
  });

  it("band labels never overlap, even for a narrow 90/96/130 band on a phone", async () => {
    const before = (await call(demo.aircraft.base, "GET", "/api/aircraft")).json as Record<string, unknown>;
    const put = await call(demo.aircraft.base, "PUT", "/api/aircraft", {
      body: { ...before, unit: "kmh", v_min: 90, v_opt: 96, v_max: 130 },
    });
    expect(put.status).toBe(200);
    try {
      const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
      const page = await context.newPage();
      await page.goto(`${demo.winch.base}/`);
      const labels = page.locator(".zone-panel .band-labels span");
      await page.waitForFunction(
        "[...document.querySelectorAll('.zone-panel[data-state=live] .band-labels span')].map((s) => s.textContent).join() === '90,96,130'",
        undefined,
        { timeout: 45_000 },
      );
      await sleep(300);
      const rects = await labels.evaluateAll((els) =>
        els.map((e) => {
          const r = (
            e as unknown as { getBoundingClientRect(): Record<string, number> }
          ).getBoundingClientRect();
          return { left: r.left ?? 0, right: r.right ?? 0, top: r.top ?? 0, bottom: r.bottom ?? 0 };
        }),
      );
      expect(rects).toHaveLength(3);
      for (let i = 0; i < rects.length; i++)
        for (let j = i + 1; j < rects.length; j++) {
          const a = rects[i];
          const b = rects[j];
          if (!a || !b) continue;
          const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
          expect(apart, `label ${i} and ${j} overlap: ${JSON.stringify([a, b])}`).toBe(true);
        }
      // Readable at arm's length: at least 20 px text.
      const size = await labels
        .first()
        .evaluate((e) =>
          Number.parseFloat(
            (
              globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }
            ).getComputedStyle(e).fontSize,
          ),
        );
      expect(size).toBeGreaterThanOrEqual(20);
      await screenshot(page, "winch-monitor-narrow-band");
      await context.close();
    } finally {
      await call(demo.aircraft.base, "PUT", "/api/aircraft", { body: before });
    }
  });

  it("a viewer may read knots while the aircraft stores km/h; the choice is remembered in this browser", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${demo.winch.base}/`);
    await page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: 45_000 });
    expect(await page.locator(".ias-unit").textContent()).toBe("km/h");
    const labels = () => page.locator(".zone-panel .band-labels span").allTextContents();
    const kmh = (await call(demo.winch.base, "GET", "/api/winch")).json as {
      telemetry: { v_min: number; v_opt: number; v_max: number; unit: string };
    };
    expect(kmh.telemetry.unit).toBe("kmh");
    await page.locator('[data-testid="view-unit"]').selectOption("kt");
    await expect.poll(() => page.locator(".ias-unit").textContent(), { timeout: 5_000 }).toBe("kt");
    const kt = (v: number) => String(Math.round(v / 1.852));
    // The labels re-render after the choice; poll rather than read once.
    await expect
      .poll(labels, { timeout: 5_000 })
      .toEqual([kt(kmh.telemetry.v_min), kt(kmh.telemetry.v_opt), kt(kmh.telemetry.v_max)]);
    await page.reload();
    await page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: 45_000 });
    expect(await page.locator(".ias-unit").textContent()).toBe("kt");
    // Back to the aircraft's unit: the stored band, not a twice-rounded one.
    await page.locator('[data-testid="view-unit"]').selectOption("");
    await expect
      .poll(labels, { timeout: 5_000 })
      .toEqual([kmh.telemetry.v_min, kmh.telemetry.v_opt, kmh.telemetry.v_max].map(String));
    await context.close();
  });

  it(
    "sound is off by default; one tap arms it (remembered); the zone's tone plays through Web Audio",
    async () => {
      const context = await browser.newContext({ viewport: { width: 740, height: 360 } });
      // Records what the page asks Web Audio to play (headless Chromium has no speaker to listen to).
      await context.addInitScript(`(() => {
      const Real = window.AudioContext;
      window.__tones = [];
      window.AudioContext = class extends Real {
        createOscillator() {
          const o = super.createOscillator();
          const start = o.start.bind(o);
          o.start = (t) => { window.__tones.push({ type: o.type, freq: o.frequency.value }); start(t); };
          return o;
        }
      };
    })()`);
      const page = await context.newPage();
      await page.goto(`${demo.winch.base}/`);
      const panel = page.locator('.zone-panel[data-state="live"]');
      await panel.waitFor({ timeout: NEXT_LAUNCH_MS });
      const toggle = page.locator('[data-testid="cue-toggle"]');
      expect(await toggle.getAttribute("aria-pressed")).toBe("false");
      await sleep(1000);
      expect(await page.evaluate("window.__tones.length")).toBe(0);

      await toggle.click();
      expect(await toggle.getAttribute("aria-pressed")).toBe("true");
      await page.waitForFunction("window.__tones.length >= 2");
      const zone = await panel.getAttribute("data-zone");
      const tones = (await page.evaluate("window.__tones")) as { type: string; freq: number }[];
      const expected = { below: 440, inside: 880, above: 1320 }[zone ?? ""] ?? 0;
      // The zone may change between the two reads; the tones played are zone tones, sine, never the alarm.
      expect(tones.every((t) => t.type === "sine" && [440, 880, 1320].includes(t.freq))).toBe(true);
      expect(tones.map((t) => t.freq)).toContain(expected);

      // "Released": quiet.
      await page.locator('[data-testid="cue-release"]').click();
      await sleep(400);
      const n = (await page.evaluate("window.__tones.length")) as number;
      await sleep(2000);
      expect(await page.evaluate("window.__tones.length")).toBe(n);

      // Remembered: armed again after a reload.
      await page.reload();
      await page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: 45_000 });
      expect(await page.locator('[data-testid="cue-toggle"]').getAttribute("aria-pressed")).toBe("true");
      await page.locator('[data-testid="cue-toggle"]').click();
      expect(await page.evaluate("localStorage.getItem('owts-cues')")).toBe("0");

      // The sound test page offers every cue.
      await page.goto(`${demo.winch.base}/cues`);
      expect(await page.locator("[data-cue]").count()).toBe(5);
      await page.locator('[data-cue="stale"]').click();
      await page.waitForFunction("window.__tones.some((t) => t.type === 'square')");
      await context.close();
    },
    NEXT_LAUNCH_MS + 60_000,
  );

  it("the graph library is fetched only when a graph is first shown, and only the active language", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const scripts: string[] = [];
    page.on("request", (r) => {
      if (r.resourceType() === "script") scripts.push(new URL(r.url()).pathname);
    });
    await page.goto(`${demo.winch.base}/`);
    await page.locator(".zone-panel").first().waitFor();
    await sleep(1000);
    expect(scripts).toEqual(["/app.js", "/app-en.js"]);
    await page.locator(".graph-toggle").click();
    await page.locator(".graph canvas").first().waitFor();
    expect(scripts).toEqual(["/app.js", "/app-en.js", "/app-uPlot.esm.js"]);
    await context.close();
  });

  it(
    "when the device stops answering, the panel says so once: no banner repeating it",
    async () => {
      const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
      const page = await context.newPage();
      await pollOnly(page);
      await page.goto(`${demo.winch.base}/`);
      await page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: NEXT_LAUNCH_MS });
      await page.route("**/api/winch", (route) => route.abort("connectionrefused"));
      const stale = page.locator('.zone-panel[data-state="stale"]');
      await stale.waitFor({ timeout: 10_000 });
      expect(await stale.textContent()).toContain("DEVICE NOT ANSWERING");
      expect(await page.locator("[data-failure]").count()).toBe(0);
      await screenshot(page, "winch-monitor-device-down");
      await context.close();
    },
    NEXT_LAUNCH_MS + 60_000,
  );
});
