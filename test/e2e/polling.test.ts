import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiContract, apiContract } from "./api-contract.js";
import { launchChromium } from "./browser.js";
import { type Demo, newPage, pollOnly, setHidden, sleep, startDemo } from "./harness.js";

/** Requests to one API path, with their If-None-Match header and the status they got. */
function watch(page: Page, path: string) {
  const seen: { req: Request; inm: string | undefined; status?: number }[] = [];
  page.on("request", (req) => {
    if (new URL(req.url()).pathname === path) seen.push({ req, inm: req.headers()["if-none-match"] });
  });
  page.on("requestfinished", async (req) => {
    const entry = seen.find((s) => s.req === req);
    if (entry) entry.status = (await req.response())?.status();
  });
  return {
    count: () => seen.length,
    reset: () => {
      seen.length = 0;
    },
    seen,
  };
}

/** Counts requests over `ms`, starting now. */
async function countDuring(w: ReturnType<typeof watch>, ms: number): Promise<number> {
  w.reset();
  await sleep(ms);
  return w.count();
}

describe("UI traffic discipline", () => {
  let demo: Demo;
  let browser: Browser;
  /** The scripted answers below are checked against each unit's own OpenAPI document. */
  let winchApi: ApiContract;
  let aircraftApi: ApiContract;

  beforeAll(async () => {
    demo = await startDemo({ timeScale: 2 });
    browser = await launchChromium([demo.winch.certPath, demo.aircraft.certPath]);
    winchApi = await apiContract(demo.winch.base);
    aircraftApi = await apiContract(demo.aircraft.base);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("a scripted answer that drifts from the device's OpenAPI document is refused", () => {
    const good = { telemetry: null, link: "no_signal", unpaired_heard: [] };
    expect(() => winchApi.check("GET", "/api/winch", 200, good)).not.toThrow();
    expect(() => winchApi.check("GET", "/api/winch", 200, { telemetry: null, link: "no_signal" })).toThrow(
      /unpaired_heard/,
    );
    expect(() => winchApi.check("GET", "/api/winch", 200, { ...good, link: "fine" })).toThrow(/link/);
    expect(() => winchApi.check("GET", "/api/no-such-path", 200, good)).toThrow(/documents no GET/);
  });

  it("the aircraft live page polls about twice a second with If-None-Match while open, and not after leaving", async () => {
    const { context, page } = await newPage(browser);
    await pollOnly(page);
    const live = watch(page, "/api/aircraft/live");
    await page.goto(`${demo.aircraft.base}/aircraft/live`);
    await page.locator(".live-panel").waitFor();
    await sleep(1000);

    // 2 Hz over 6 s is 12; the bounds leave room for a slow poll on a busy machine, never for a faster rate.
    const n = await countDuring(live, 6000);
    expect(n).toBeGreaterThanOrEqual(8);
    expect(n).toBeLessThanOrEqual(13);
    // Every poll after the first revalidates what it holds.
    expect(live.seen.every((s) => s.inm !== undefined)).toBe(true);

    await page.locator('nav.main-nav a[href="/config"]').click();
    await page.locator('[data-testid="current-mode"]').waitFor();
    await sleep(600);
    expect(await countDuring(live, 3000)).toBe(0);
    await context.close();
  });

  it("polling pauses while the tab is hidden and resumes at once when it is visible again", async () => {
    const { context, page } = await newPage(browser);
    await pollOnly(page);
    const live = watch(page, "/api/aircraft/live");
    await page.goto(`${demo.aircraft.base}/aircraft/live`);
    await page.locator(".live-panel").waitFor();
    await sleep(800);

    await setHidden(page, true);
    await sleep(300);
    expect(await countDuring(live, 3000)).toBe(0);

    live.reset();
    await setHidden(page, false);
    await sleep(150);
    expect(live.count()).toBeGreaterThanOrEqual(1);
    await sleep(2000);
    expect(live.count()).toBeGreaterThanOrEqual(4);
    await context.close();
  });

  it("the winch monitor polls /api/winch at 2 Hz while shown and pauses while hidden", async () => {
    const { context, page } = await newPage(browser);
    await pollOnly(page);
    const winch = watch(page, "/api/winch");
    await page.goto(`${demo.winch.base}/`);
    await page.locator(".zone-panel").first().waitFor();
    await sleep(1000);
    const n = await countDuring(winch, 6000);
    expect(n).toBeGreaterThanOrEqual(8);
    expect(n).toBeLessThanOrEqual(13);
    expect(winch.seen.every((s) => s.inm !== undefined)).toBe(true);

    await setHidden(page, true);
    await sleep(300);
    expect(await countDuring(winch, 2500)).toBe(0);
    await setHidden(page, false);
    await sleep(1500);
    expect(winch.count()).toBeGreaterThanOrEqual(2);

    await page.locator('nav.main-nav a[href="/about"]').click();
    await page.locator('[data-testid="about-facts"]').waitFor();
    await sleep(600);
    expect(await countDuring(winch, 2500)).toBe(0);
    await context.close();
  });

  it("the aircraft settings home makes no requests once loaded", async () => {
    const { context, page } = await newPage(browser);
    const api: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/api/")) api.push(new URL(r.url()).pathname);
    });
    await page.goto(`${demo.aircraft.base}/`);
    await page.locator('[data-form="aircraft"]').waitFor();
    // Loading it takes the device identity and the profile, once each.
    expect(api.sort()).toEqual(["/api/about", "/api/aircraft"]);
    await sleep(500);
    api.length = 0;
    await sleep(4000);
    expect(api).toEqual([]);
    await context.close();
  });

  it("aircraft live: the graph records while airborne and in landing hold, clears on landing and on reset; the hold counter follows the device", async () => {
    const { context, page } = await newPage(browser);
    await pollOnly(page);
    // A scripted flight: airborne for polls 1-8, landing hold 9-14 (1 s more each second), then landed.
    let polls = 0;
    await page.route("**/api/aircraft/live", async (route) => {
      polls++;
      const phase = polls <= 8 ? "airborne" : polls <= 14 ? "landing_hold" : "landed";
      const hold = phase === "landing_hold" ? Math.floor((polls - 9) / 2) + 1 : 0;
      await aircraftApi.fulfill(
        route,
        "/api/aircraft/live",
        {
          ias: phase === "landed" ? 0 : phase === "airborne" ? 100 + polls : 40 - polls,
          unit: "kmh",
          flight_phase: phase,
          phase: phase === "airborne" ? "launch" : phase,
          is_landed: phase === "landed",
          landing_hold_s: hold,
          sensor: { state: "ok", errors: 0, source: "sim" },
          climb_mps: null,
          baro: null,
          tx: { state: "sending", sent: polls, blocked_duty: 0, errors: 0, duty_used_ppm: 10 },
        },
        { headers: { etag: `"p${polls}"` } },
      );
    });
    const samples = async () =>
      Number(/, (\d+) samples/.exec((await page.locator(".graph").getAttribute("aria-label")) ?? "")?.[1]);

    await page.goto(`${demo.aircraft.base}/aircraft/live`);
    await page.locator('.live-panel[data-phase="airborne"]').waitFor();
    for (let i = 0; i < 50 && polls < 4; i++) await sleep(100);
    expect(await samples()).toBeGreaterThanOrEqual(3);
    // Manual reset empties it; recording goes on.
    await page.getByRole("button", { name: "Reset graph" }).click();
    expect(await samples()).toBeLessThanOrEqual(1);

    await page.locator('.live-panel[data-phase="landing_hold"]').waitFor();
    const counter = page.locator('[data-testid="landing-hold"]');
    await counter.filter({ hasText: "1 s" }).waitFor();
    await counter.filter({ hasText: "2 s" }).waitFor();
    await counter.filter({ hasText: "3 s" }).waitFor();
    expect(await samples()).toBeGreaterThanOrEqual(5);

    await page.locator('.live-panel[data-phase="landed"]').waitFor();
    expect(await samples()).toBe(0);
    await page.locator('[data-testid="graph-empty"]').waitFor();
    // Landed: nothing more is recorded.
    await sleep(1200);
    expect(await samples()).toBe(0);
    await context.close();
  });

  it("the RX light flashes green for each new frame and stays grey on a 304 or a 200 without a new frame", async () => {
    const { context, page } = await newPage(browser);
    await pollOnly(page);
    // Record every change of the light with its time, from the first render on.
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

    // A scripted /api/winch: frame 1 (polls 1-4), frame 2 (polls 5-8), then frame 2 again with the link
    // gone stale (a 200 that brings no new frame). Within each stretch the ETag repeats, so polls get 304.
    const telemetry = (seq: number) => ({
      registration: "D-1234",
      type: "ASK 21",
      unit: "kmh",
      v_min: 90,
      v_opt: 105,
      v_max: 130,
      ias: 100 + seq,
      zone: "inside",
      rssi_dbm: -80,
      snr_db: 9,
      age_ms: 50,
      seq,
      received: seq,
      lost: 0,
      verified: true,
      phase: "launch",
    });
    const answers: { t: number; status: number; newFrame: boolean }[] = [];
    let polls = 0;
    let lastSeq: number | null = null;
    await page.route("**/api/winch", async (route) => {
      polls++;
      const stretch =
        polls <= 4 ? { seq: 1, link: "ok" } : polls <= 8 ? { seq: 2, link: "ok" } : { seq: 2, link: "stale" };
      const etag = `"t${stretch.seq}-${stretch.link}"`;
      if (route.request().headers()["if-none-match"] === etag) {
        answers.push({ t: Date.now(), status: 304, newFrame: false });
        await route.fulfill({ status: 304, headers: { etag, "cache-control": "no-cache" } });
        return;
      }
      answers.push({ t: Date.now(), status: 200, newFrame: stretch.seq !== lastSeq });
      lastSeq = stretch.seq;
      await winchApi.fulfill(
        route,
        "/api/winch",
        { telemetry: telemetry(stretch.seq), link: stretch.link, unpaired_heard: [] },
        { headers: { etag } },
      );
    });

    await page.goto(`${demo.winch.base}/`);
    for (let i = 0; i < 100 && polls < 13; i++) await sleep(100);
    await sleep(300);
    expect(polls).toBeGreaterThanOrEqual(13);
    const rx = (await page.evaluate("globalThis.__rx")) as { t: number; v: string }[];
    const flashes = rx.filter((r) => r.v === "flash");

    expect(answers.filter((a) => a.status === 304).length).toBeGreaterThanOrEqual(8);
    expect(answers.filter((a) => a.status === 200).map((a) => a.newFrame)).toEqual([true, true, false]);
    // One flash per new frame, each right after its answer...
    expect(flashes).toHaveLength(2);
    const newFrames = answers.filter((a) => a.newFrame);
    flashes.forEach((f, i) => {
      expect(f.t - newFrames[i]!.t).toBeGreaterThanOrEqual(0);
      expect(f.t - newFrames[i]!.t).toBeLessThan(450);
    });
    // ...and none after a 304 or the frame-less 200.
    for (const a of answers.filter((x) => !x.newFrame))
      expect(flashes.filter((f) => f.t > a.t && f.t < a.t + 400)).toEqual([]);
    expect(await page.locator(".rx").getAttribute("data-rx")).toBe("idle");
    // The frame-less 200 said the link went stale: shown as such, not as a current speed.
    await page.locator('.zone-panel[data-state="stale"]').waitFor();
    await context.close();
  });
});
