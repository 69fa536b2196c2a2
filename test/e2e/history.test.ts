import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LaunchHistory as HistoryBody, LaunchDetail } from "../../src/api/schemas/history.js";
import type { LaunchPhase } from "../../src/core/launch-phase.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { openNamespace } from "../../src/store/open-namespace.js";
import { SettingsStore } from "../../src/store/settings-store.js";
import { HISTORY_NAMESPACE, LaunchHistory, type RecordInput } from "../../src/winch/history.js";
import { TRACE_DIRS } from "../../src/winch/launch.js";
import { readyUnits, spawnCli, type Unit } from "../helpers/device-process.js";
import { launchChromium } from "./browser.js";
import { call, collectPageErrors, newPage, PHONE, screenshot, sleep } from "./harness.js";

/*
 * The history page on a real winch unit at 360 px, in real Chromium. The history is prepared before
 * the unit starts with the device's own recorder and store on its data directory (what a day at the
 * field leaves behind: 25 launches, the newest with a reception gap and a release), rather than by
 * flying demo launches, which would take minutes. Checked: cards newest first without sideways
 * scrolling, paging both ways (by cursor, the shown page polled with its ETag), the graph's pixels (line, band behind it, the gap left open, the
 * release marked), the summary against `GET /api/history/{id}`, both downloads, delete with its
 * confirmation, and axe-core.
 */

const BAND = { v_min: 90, v_opt: 105, v_max: 130 };
const WALL0 = Date.parse("2025-05-01T09:00:00.000Z");
const LAUNCHES = 25;
/** The newest launch's reception gap and release, ms after its first point. */
const GAP = { from: 8_000, to: 11_000 };
const RELEASE_MS = 20_000;
const END_MS = 40_000;

function point(t_ms: number, phase: LaunchPhase, ias: number, registration: string, lost = 0): RecordInput {
  return {
    t_ms,
    sender: "h6c8a3b0a",
    registration,
    type: "ASK 21",
    unit: "kmh",
    band: BAND,
    ias,
    zone: ias < BAND.v_min ? "below" : ias > BAND.v_max ? "above" : "inside",
    phase,
    rssi_dbm: -80,
    snr_db: 8,
    lost,
    verified: true,
  };
}

/** IAS of the newest launch: ground roll to 60, climb into the band, release at 20 s, glide, landed. */
function iasAt(ms: number): number {
  if (ms < 2_000) return (ms / 2_000) * 60;
  if (ms < 6_000) return 60 + ((ms - 2_000) / 4_000) * 40;
  if (ms < RELEASE_MS) return 100 + 10 * Math.sin(ms / 3_000);
  return 95;
}

/** Writes the history a winch would hold after a day: through LaunchHistory onto the unit's own store. */
async function prepareHistory(dataDir: string): Promise<void> {
  const { logger } = createDeviceLogger({ destination: null });
  const store = await SettingsStore.open(dataDir, logger);
  const ns = openNamespace(store, HISTORY_NAMESPACE);
  let wall = WALL0;
  const h = await LaunchHistory.open({
    logger,
    source: "winch",
    traceDir: join(dataDir, TRACE_DIRS.history),
    store: {
      load: () => ns.get().launches,
      save: async (launches) => {
        await ns.set({ launches });
      },
    },
    wallNow: () => wall,
  });
  let t = 0;
  for (let i = 0; i < LAUNCHES - 1; i++) {
    wall = WALL0 + i * 600_000;
    const reg = `D-${1000 + i}`;
    for (const [phase, ias] of [
      ["ground_roll", 30],
      ["launch", 95],
      ["launch", 110],
      ["released", 100],
      ["landed", 0],
    ] as const) {
      t += 500;
      h.record(point(t, phase, ias, reg));
    }
  }
  wall = WALL0 + (LAUNCHES - 1) * 600_000;
  t += 60_000;
  const t0 = t;
  for (let ms = 0; ms <= END_MS; ms += 100) {
    if (ms > GAP.from && ms < GAP.to) continue; // frames lost
    const phase: LaunchPhase = ms < 2_000 ? "ground_roll" : ms < RELEASE_MS ? "launch" : "released";
    h.record(point(t0 + ms, ms === END_MS ? "landed" : phase, iasAt(ms), "D-2024", ms === GAP.to ? 29 : 0));
  }
  await h.flush();
  await store.flush();
}

interface Pixels {
  width: number;
  height: number;
  /** RGBA bytes of the graph's canvas. */
  data: number[];
  /** The plotting area in canvas pixels. */
  plot: { left: number; top: number; width: number; height: number };
}

/** The graph's canvas as drawn, and where its plotting area lies (uPlot's `.u-over` covers it exactly). */
async function graphPixels(page: Page): Promise<Pixels> {
  return (await page.evaluate(`(() => {
    const box = document.querySelector('[data-testid="launch-detail"] .graph');
    const canvas = box.querySelector("canvas");
    const over = box.querySelector(".u-over");
    const ratio = canvas.width / canvas.getBoundingClientRect().width;
    const c = canvas.getBoundingClientRect();
    const o = over.getBoundingClientRect();
    const data = Array.from(canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data);
    return {
      width: canvas.width,
      height: canvas.height,
      data,
      plot: { left: (o.left - c.left) * ratio, top: (o.top - c.top) * ratio, width: o.width * ratio, height: o.height * ratio },
    };
  })()`)) as Pixels;
}

const rgba = (p: Pixels, x: number, y: number) => {
  const i = (Math.round(y) * p.width + Math.round(x)) * 4;
  return { r: p.data[i]!, g: p.data[i + 1]!, b: p.data[i + 2]!, a: p.data[i + 3]! };
};

/** How many pixels of a column (x ± 1 over the plot's height) pass `test`. */
function columnCount(p: Pixels, x: number, test: (c: ReturnType<typeof rgba>) => boolean): number {
  let n = 0;
  for (let dx = -1; dx <= 1; dx++)
    for (let y = p.plot.top; y < p.plot.top + p.plot.height; y++) if (test(rgba(p, x + dx, y))) n++;
  return n;
}

/** How many pixels of a 5×5 patch around (x, y) pass `test` (a grid line through it costs 5). */
function patchCount(p: Pixels, x: number, y: number, test: (c: ReturnType<typeof rgba>) => boolean): number {
  let n = 0;
  for (let dx = -2; dx <= 2; dx++) for (let dy = -2; dy <= 2; dy++) if (test(rgba(p, x + dx, y + dy))) n++;
  return n;
}

/** axe-core's own build, injected into the page (nothing fetched from the network). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

async function seriousViolations(page: Page): Promise<unknown[]> {
  if (!(await page.evaluate("typeof window.axe === 'object'")))
    await page.addScriptTag({ content: AXE_SOURCE });
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target) })))",
  )) as { impact: string | null }[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Nothing scrolls sideways: neither the document nor the launches' own scroll region. */
const sideways = (page: Page) =>
  page.evaluate(`(() => {
    const wrap = document.querySelector(".table-wrap");
    return {
      page: document.documentElement.scrollWidth - window.innerWidth,
      list: wrap ? wrap.scrollWidth - wrap.clientWidth : 0,
      // Clipped inside a card also counts: every link and button ends inside the viewport.
      clipped: Array.from(document.querySelectorAll("main a, main button"))
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => e.textContent),
    };
  })()`) as Promise<{ page: number; list: number; clipped: string[] }>;

const rowIds = (page: Page) =>
  page
    .locator('[data-testid="history-row"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-launch")));

describe("the history page on a real winch unit, at 360 px", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "owts-e2e-history-"));
  let unit: Unit;
  let stop: () => Promise<unknown> = async () => {};
  let browser: Browser;

  beforeAll(async () => {
    await prepareHistory(dataDir);
    const p = spawnCli(
      ["start", "--mode", "winch", "--listen", "127.0.0.1", "--https-port", "0", "--http-port", "0"].concat([
        "--no-mdns",
        "--data-dir",
        dataDir,
      ]),
    );
    stop = p.stop;
    [unit] = (await readyUnits(p.child, p.output, 1, () => join(dataDir, "owts.crt"), 30_000)) as [Unit];
    browser = await launchChromium(unit.certPath);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("cards newest first, pages both ways, the graph, the summary, downloads, delete with confirmation", async () => {
    const whole = (await call(unit.base, "GET", "/api/history")).json as HistoryBody;
    expect(whole.launches).toHaveLength(LAUNCHES);
    const newestFirst = whole.launches.map((l) => l.id).reverse();
    const newest = whole.launches.at(-1)!;
    expect(newest).toMatchObject({ registration: "D-2024", released: true });
    expect(newest.max_gap_ms).toBeGreaterThanOrEqual(GAP.to - GAP.from);

    const { context, page } = await newPage(browser, PHONE);
    const errors = collectPageErrors(page);
    const polls: { url: string; status: number; conditional: boolean }[] = [];
    page.on("response", (r) => {
      const u = new URL(r.url());
      if (u.pathname === "/api/history")
        polls.push({
          url: u.search,
          status: r.status(),
          conditional: r.request().headers()["if-none-match"] !== undefined,
        });
    });
    await page.goto(`${unit.base}/history`);
    await page.locator('[data-testid="history-table"]').waitFor();

    // The first page: 20 cards, newest first, none wider than the phone, no sideways scrolling.
    expect(await rowIds(page)).toEqual(newestFirst.slice(0, 20));
    const widths = (await page.evaluate(`({
      doc: document.documentElement.scrollWidth,
      vw: window.innerWidth,
      cards: Array.from(document.querySelectorAll('[data-testid="history-row"]'), (r) => [getComputedStyle(r).display, r.getBoundingClientRect().right]),
    })`)) as { doc: number; vw: number; cards: [string, number][] };
    expect(widths.doc).toBeLessThanOrEqual(widths.vw);
    for (const [display, right] of widths.cards) {
      expect(display).toBe("block");
      expect(right).toBeLessThanOrEqual(PHONE.width);
    }
    expect(await sideways(page)).toEqual({ page: 0, list: 0, clipped: [] });
    expect(await page.locator('[data-testid="history-range"]').textContent()).toBe("1–20 of 25");
    expect(await page.locator('[data-testid="history-newer"]').isDisabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "history-cards");

    // Older, then Newer again.
    await page.locator('[data-testid="history-older"]').click();
    await page.locator('[data-testid="history-range"]', { hasText: "21–25 of 25" }).waitFor();
    expect(await rowIds(page)).toEqual(newestFirst.slice(20));
    expect(await page.locator('[data-testid="history-older"]').isDisabled()).toBe(true);
    await page.locator('[data-testid="history-newer"]').click();
    await page.locator('[data-testid="history-range"]', { hasText: "1–20 of 25" }).waitFor();
    expect(await rowIds(page)).toEqual(newestFirst.slice(0, 20));

    // The newest launch opened: its graph and summary.
    const row = page.locator(`[data-launch="${newest.id}"]`);
    await row.getByRole("button", { name: "Open" }).click();
    const detail = page.locator('[data-testid="launch-detail"]');
    await detail.locator(".graph canvas").waitFor();
    await sleep(300); // a resize after the first layout redraws once
    const d = (await call(unit.base, "GET", `/api/history/${newest.id}`)).json as LaunchDetail;
    expect(d.launch).toEqual(newest);

    expect(await sideways(page), "with a launch open").toEqual({ page: 0, list: 0, clipped: [] });
    const px = await graphPixels(page);
    const start = d.trace.t_ms[0]!; // 0: times count from the first point
    const span = d.trace.t_ms.at(-1)! - start;
    const yTop = Math.ceil(Math.max(...d.trace.ias, BAND.v_max * 1.15) / 10) * 10;
    const xAt = (ms: number) => px.plot.left + ((ms - start) / span) * px.plot.width;
    const yAt = (v: number) => px.plot.top + (1 - v / yTop) * px.plot.height;
    const colours = (await page.evaluate(`(() => {
      const s = getComputedStyle(document.documentElement);
      return { line: s.getPropertyValue("--graph-line").trim(), mark: s.getPropertyValue("--warn").trim() };
    })()`)) as { line: string; mark: string };
    expect(colours).toEqual({ line: "#0047b3", mark: "#7a4700" });
    const isLine = (c: ReturnType<typeof rgba>) => c.a > 200 && c.b > 140 && c.r < 60;
    const isMark = (c: ReturnType<typeof rgba>) => c.a > 150 && c.r > 90 && c.b < 40 && c.g < 110;
    // The band's translucent green, over nothing else (the canvas is transparent outside what is drawn).
    const isBand = (c: ReturnType<typeof rgba>) => c.a > 30 && c.a < 90 && c.g > c.r && c.g > c.b;
    const isEmpty = (c: ReturnType<typeof rgba>) => c.a === 0;

    // The line is drawn where there are points, and left open across the gap.
    expect(columnCount(px, xAt(4_000), isLine), "line at 4 s").toBeGreaterThan(0);
    expect(columnCount(px, xAt(15_000), isLine), "line at 15 s").toBeGreaterThan(0);
    expect(columnCount(px, xAt((GAP.from + GAP.to) / 2), isLine), "line in the gap").toBe(0);
    // The band behind it: inside [v_min, v_max] green, below it nothing, in the gap's clear column.
    const xGap = xAt((GAP.from + GAP.to) / 2);
    expect(patchCount(px, xGap, yAt(97), isBand), "band at 97 km/h").toBeGreaterThanOrEqual(15);
    expect(patchCount(px, xGap, yAt(118), isBand), "band at 118 km/h").toBeGreaterThanOrEqual(15);
    expect(patchCount(px, xGap, yAt(45), isEmpty), "no band at 45 km/h").toBeGreaterThanOrEqual(15);
    // The release marked: a dashed line at 20 s, in the marking colour, up the whole plot.
    const xRelease = xAt(RELEASE_MS);
    expect(columnCount(px, xRelease, isMark), "release mark").toBeGreaterThan(px.plot.height * 0.4);
    expect(columnCount(px, xAt(36_000), isMark), "no mark at 36 s").toBe(0);

    // The summary as the device has it.
    const facts = await detail.locator(".launch-facts dd").allTextContents();
    expect(await detail.locator('[data-testid="launch-release"]').textContent()).toBe(
      `after 20 s at ${Math.round(d.launch.release_ias!)} km/h`,
    );
    expect(facts).toContain(
      `${d.launch.time_in_band_s.toFixed(0)} s (${Math.round(d.launch.in_band_share * 100)} %)`,
    );
    expect(facts).toContain(`${(d.launch.max_gap_ms / 1000).toFixed(1)} s`);
    const cells = await row.locator("td").allTextContents();
    expect(cells).toContain(`${Math.round(d.launch.max_ias)} km/h`);
    expect(cells).toContain(`${d.launch.frames_lost}`);
    expect(d.launch.frames_lost).toBe(29);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "history-launch");

    // Both downloads answer with CSV: the launch in the replay format, the start list.
    const fetchHead = (href: string) =>
      page.evaluate(
        `fetch(${JSON.stringify(href)}).then(async (r) => ({ status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"), lines: (await r.text()).split("\\n") }))`,
      ) as Promise<{ status: number; type: string; disposition: string; lines: string[] }>;
    const csvHref = await detail.getByRole("link", { name: /CSV, replayable/ }).getAttribute("href");
    const csv = await fetchHead(csvHref!);
    expect(csv).toMatchObject({ status: 200, type: "text/csv; charset=utf-8" });
    expect(csv.disposition).toContain(`owts-launch-${newest.id}.csv`);
    expect(csv.lines).toContain("t_ms,ias_kmh,zone,phase,rssi_dbm,snr_db,lost");
    const listHref = await page.locator('[data-testid="start-list"]').getAttribute("href");
    const list = await fetchHead(listHref!);
    expect(list).toMatchObject({ status: 200, type: "text/csv; charset=utf-8" });
    expect(list.lines.filter((l) => l.trim()).length).toBe(LAUNCHES + 1);

    // Delete asks first: Cancel keeps the launch, Yes removes it (and the device forgets it).
    await detail.getByRole("button", { name: "Delete…" }).click();
    await detail.getByText("Delete this launch?").waitFor();
    await detail.getByRole("button", { name: "Cancel" }).click();
    expect(await detail.getByRole("button", { name: "Yes, delete" }).count()).toBe(0);
    expect((await call(unit.base, "GET", `/api/history/${newest.id}`)).status).toBe(200);
    await detail.getByRole("button", { name: "Delete…" }).click();
    await detail.getByRole("button", { name: "Yes, delete" }).click();
    await row.waitFor({ state: "detached" });
    const gone = await call(unit.base, "GET", `/api/history/${newest.id}`);
    expect(gone.status).toBe(404);
    expect((gone.json as { error: string }).error).toBe("not_found");
    // The next poll (every 5 s) brings the page from the device: 20 launches again, one fewer in all.
    await page
      .locator('[data-testid="history-range"]', { hasText: "1–20 of 24" })
      .waitFor({ timeout: 8_000 });
    expect(await rowIds(page)).toEqual(newestFirst.slice(1, 21));
    // The pages asked for by cursor, and the shown page polled with its ETag: unchanged, a bodiless 304.
    expect(polls.map((p) => p.url)).toContain(`?limit=20&before=${newestFirst[19]}`);
    for (const until = Date.now() + 8_000; Date.now() < until && !polls.some((p) => p.status === 304); )
      await sleep(200);
    expect(polls.filter((p) => p.status === 304 && p.conditional).map((p) => p.url)).toContain("?limit=20");

    // On an older page whose cursor launch is deleted elsewhere, the next poll's 400 takes the page
    // back to the newest launches.
    await page.locator('[data-testid="history-older"]').click();
    await page.locator('[data-testid="history-range"]', { hasText: "21–24 of 24" }).waitFor();
    const cursor = newestFirst[20]!;
    expect((await call(unit.base, "DELETE", `/api/history/${cursor}`)).status).toBe(204);
    await page
      .locator('[data-testid="history-range"]', { hasText: "1–20 of 23" })
      .waitFor({ timeout: 8_000 });
    expect(await rowIds(page)).toEqual(newestFirst.slice(1, 22).filter((id) => id !== cursor));
    expect(polls.some((p) => p.status === 400 && p.url === `?limit=20&before=${cursor}`)).toBe(true);
    expect(await page.locator(".notice, [data-failure]").count()).toBe(0);

    expect(errors).toEqual([]);
    await context.close();
  });
});
