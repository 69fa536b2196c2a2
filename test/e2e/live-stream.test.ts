import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import { call, collectPageErrors, type Demo, newPage, setHidden, sleep, startDemo } from "./harness.js";

/** The monitor showing current frames: on the cable (zones) or, for most of a demo flight, released. */
const SHOWING = '.zone-panel[data-state="live"], .zone-panel[data-state="released"]';

/*
 * The live pages on the event stream in Debian's Chromium, and the switch to 2 Hz polling and back:
 * the stream while the page is open and visible (closed when hidden or left), the RX light per new
 * frame, the fallback when the stream is absent (an older device's HTML) or goes silent.
 * The polling path itself is tested in polling.test.ts (with EventSource taken away).
 */

/** Requests to /api paths, and streams that ended on the page's side (closed or aborted). */
function traffic(page: Page) {
  const requests: { path: string; t: number }[] = [];
  const closed: { path: string; t: number }[] = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith("/api/")) requests.push({ path, t: Date.now() });
  });
  const end = (r: { url(): string }) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith("/stream")) closed.push({ path, t: Date.now() });
  };
  page.on("requestfailed", end);
  page.on("requestfinished", end);
  const count = (path: string, since = 0) => requests.filter((r) => r.path === path && r.t >= since).length;
  return { requests, closed, count };
}

/** Records every change of the RX light from the first render on. */
async function recordRx(page: Page): Promise<() => Promise<{ t: number; v: string | null }[]>> {
  await page.addInitScript(() => {
    const g = globalThis as unknown as {
      __rx: { t: number; v: string | null }[];
      document: unknown;
      MutationObserver: new (
        cb: (m: { target: { getAttribute(n: string): string | null } }[]) => void,
      ) => { observe(target: unknown, opts: object): void };
    };
    g.__rx = [];
    new g.MutationObserver((records) => {
      for (const r of records) g.__rx.push({ t: Date.now(), v: r.target.getAttribute("data-rx") });
    }).observe(g.document, { subtree: true, attributes: true, attributeFilter: ["data-rx"] });
  });
  return async () => (await page.evaluate("globalThis.__rx")) as { t: number; v: string | null }[];
}

const flashesSince = (rx: { t: number; v: string | null }[], since: number) =>
  rx.filter((r) => r.v === "flash" && r.t >= since).length;

describe("live pages on the event stream", () => {
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

  it("the winch monitor takes the stream while shown: no polls, the RX light per frame, closed when hidden or left", async () => {
    const { context, page } = await newPage(browser);
    const errors = collectPageErrors(page);
    const net = traffic(page);
    const rx = await recordRx(page);
    await page.goto(`${demo.winch.base}/`);
    await page.locator(SHOWING).first().waitFor({ timeout: 45_000 });
    expect(await page.locator(".rx").getAttribute("data-transport")).toBe("stream");
    const t0 = Date.now();
    await sleep(3000);
    expect(net.count("/api/winch", t0)).toBe(0);
    expect(net.count("/api/winch/stream")).toBe(1);
    // 5 Hz frames (a few lost on the sim air): a flash for each, not one long glow.
    expect(flashesSince(await rx(), t0)).toBeGreaterThanOrEqual(9);

    await setHidden(page, true);
    await sleep(500);
    expect(net.closed.filter((c) => c.path === "/api/winch/stream").length).toBe(1);
    const hidden = Date.now();
    await sleep(2000);
    expect(net.requests.filter((r) => r.t >= hidden)).toEqual([]);
    await setHidden(page, false);
    await sleep(800);
    expect(net.count("/api/winch/stream", hidden)).toBe(1);
    await page.locator(SHOWING).first().waitFor();

    await page.locator('nav.main-nav a[href="/about"]').click();
    await page.locator('[data-testid="about-facts"]').waitFor();
    await sleep(500);
    expect(net.closed.filter((c) => c.path === "/api/winch/stream").length).toBe(2);
    const left = Date.now();
    await sleep(2000);
    expect(net.requests.filter((r) => r.t >= left && r.path.startsWith("/api/winch"))).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("falls back to 2 Hz polling when the stream is absent (an older device's HTML), and takes the stream once it is there", async () => {
    const { context, page } = await newPage(browser);
    const errors = collectPageErrors(page);
    const net = traffic(page);
    const rx = await recordRx(page);
    await page.route("**/api/winch/stream", (r) =>
      r.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>old</title>" }),
    );
    await page.goto(`${demo.winch.base}/`);
    await page.locator(SHOWING).first().waitFor({ timeout: 45_000 });
    expect(await page.locator(".rx").getAttribute("data-transport")).toBe("poll");
    const t0 = Date.now();
    await sleep(3000);
    const polls = net.count("/api/winch", t0);
    expect(polls).toBeGreaterThanOrEqual(4);
    expect(polls).toBeLessThanOrEqual(7);
    // At 2 Hz nearly every poll brings a new frame: the light flashes on this path too.
    expect(flashesSince(await rx(), t0)).toBeGreaterThanOrEqual(3);

    // The device gets its stream (an update): the page tries it again by itself and stops polling.
    await page.unroute("**/api/winch/stream");
    await page.locator('.rx[data-transport="stream"]').waitFor({ timeout: 15_000 });
    await sleep(300);
    const t1 = Date.now();
    await sleep(2000);
    expect(net.count("/api/winch", t1)).toBe(0);
    await page.locator(SHOWING).first().waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it("a stream that goes silent (no heartbeat) is given up for polling; its last value is not shown as live meanwhile", async () => {
    const { context, page } = await newPage(browser);
    const errors = collectPageErrors(page);
    // The document as it is, but on the cable: a released one is shown as a launch summary, not aged.
    const now = (await call(demo.winch.base, "GET", "/api/winch")).json as {
      telemetry: { phase?: string } | null;
      launch?: unknown;
    };
    const current = {
      ...now,
      launch: null,
      telemetry: now.telemetry && { ...now.telemetry, phase: "launch" },
    };
    // One event, then nothing: the connection stays (EventSource is told to wait 10 min to come back).
    await page.route("**/api/winch/stream", (r) =>
      r.fulfill({
        status: 200,
        contentType: "text/event-stream",
        body: `retry: 600000\n\nid: "frozen"\ndata: ${JSON.stringify(current)}\n\n`,
      }),
    );
    await page.goto(`${demo.winch.base}/`);
    const started = Date.now();
    // The page ages what it holds: 3 s on, the frozen value is shown as old, not as the current speed.
    await page.locator('.zone-panel[data-state="stale"]').waitFor({ timeout: 6000 });
    expect(await page.locator(".rx").getAttribute("data-transport")).toBe("stream");
    await page.locator('.rx[data-transport="poll"]').waitFor({ timeout: 9000 });
    // The watchdog's 5 s, give or take its 1 s tick.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    await page.locator(SHOWING).first().waitFor({ timeout: 5000 });
    expect(errors).toEqual([]);
    await context.close();
  }, 30_000);

  it("the aircraft live page streams while open, and stops when left", async () => {
    const { context, page } = await newPage(browser);
    const net = traffic(page);
    await page.goto(`${demo.aircraft.base}/aircraft/live`);
    await page.locator('.live-panel[data-transport="stream"]').waitFor();
    const t0 = Date.now();
    await sleep(2000);
    expect(net.count("/api/aircraft/live", t0)).toBe(0);
    expect(net.count("/api/aircraft/live/stream")).toBe(1);
    await page.locator('nav.main-nav a[href="/config"]').click();
    await page.locator('[data-testid="current-mode"]').waitFor();
    await sleep(500);
    expect(net.closed.filter((c) => c.path === "/api/aircraft/live/stream").length).toBe(1);
    await context.close();
  });
});
