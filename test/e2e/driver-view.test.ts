import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import { call, collectPageErrors, type Demo, newPage, pollOnly, sleep, startDemo } from "./harness.js";

/**
 * Zones show only while the glider is on the cable; after the release the monitor shows the launch
 * summary until the next launch. A check that needs zones waits up to two short flights at time x4
 * (one is about 110 s simulated, 28 s here).
 */
const NEXT_LAUNCH_MS = 60_000;

// What the winch driver sees, checked against what the device says at the same moment. Written out
// here rather than imported from the UI: a test that borrows the UI's own table cannot see it swapped.
const ZONE_LOOK = {
  below: { label: "▼ TOO SLOW", background: "rgb(0, 71, 179)" },
  inside: { label: "● IN BAND", background: "rgb(10, 122, 42)" },
  above: { label: "▲ TOO FAST", background: "rgb(192, 0, 0)" },
} as const;
type Zone = keyof typeof ZONE_LOOK;
const UNIT_TEXT = { kmh: "km/h", kt: "kt", mph: "mph" } as const;

interface WinchBody {
  link: string;
  telemetry: {
    ias: number;
    zone: Zone;
    unit: keyof typeof UNIT_TEXT;
    v_min: number;
    v_max: number;
    seq: number;
  } | null;
}

/** Every /api/winch answer (200) the page itself received, newest last. */
function recordWinchAnswers(page: Page): WinchBody[] {
  const bodies: WinchBody[] = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname !== "/api/winch" || r.status() !== 200) return;
    r.json().then(
      (b) => bodies.push(b as WinchBody),
      () => {},
    );
  });
  return bodies;
}

interface Shown {
  state: string | null;
  zone: string | null;
  label: string;
  background: string;
  ias: string | null;
  unit: string | null;
}

function readPanel(page: Page): Promise<Shown> {
  return page.evaluate(() => {
    // Runs in the page; typed by hand because the test tsconfig has no DOM library.
    type El = { getAttribute(n: string): string | null; textContent: string | null };
    const g = globalThis as unknown as {
      document: { querySelector(s: string): El | null };
      getComputedStyle(e: El): { backgroundColor: string };
    };
    const panel = g.document.querySelector(".zone-panel");
    const label = g.document.querySelector(".zone-panel .zone-label");
    return {
      state: panel?.getAttribute("data-state") ?? null,
      zone: panel?.getAttribute("data-zone") ?? null,
      label: (label?.textContent ?? "").replace(/\s+/g, " ").trim(),
      background: panel ? g.getComputedStyle(panel).backgroundColor : "",
      ias: g.document.querySelector('.zone-panel [data-testid="ias"]')?.textContent ?? null,
      unit: g.document.querySelector(".zone-panel .ias-unit")?.textContent ?? null,
    };
  });
}

/**
 * Reads the live panel every ~120 ms for `durationMs` — several readings per 2 Hz answer, so no answer
 * shown goes unread — then checks each reading against the device's answer it shows: one of the
 * answers the page had around that moment. Returns the zones seen.
 */
async function checkLivePanel(page: Page, bodies: WinchBody[], durationMs: number): Promise<Set<Zone>> {
  const readings: { shown: Shown; before: number }[] = [];
  for (const until = Date.now() + durationMs; Date.now() < until; await sleep(120)) {
    const before = bodies.length;
    const shown = await readPanel(page);
    if (shown.state === "live") readings.push({ shown, before });
  }
  // An answer's body is read a moment after the page has it: let the last ones on screen reach the list.
  await sleep(400);
  const seen = new Set<Zone>();
  for (const { shown, before } of readings) {
    const candidates = bodies
      .slice(Math.max(0, before - 2), before + 2)
      .filter((b) => b.link === "ok" && b.telemetry);
    const match = candidates.find((b) => {
      const t = b.telemetry!;
      return shown.ias === t.ias.toFixed(1) && shown.zone === t.zone && shown.unit === UNIT_TEXT[t.unit];
    });
    expect(match, `shown ${JSON.stringify(shown)}; answers ${JSON.stringify(candidates)}`).toBeDefined();
    const t = match!.telemetry!;
    // The zone follows from the band: below v_min too slow, above v_max too fast.
    const expected: Zone = t.ias < t.v_min ? "below" : t.ias > t.v_max ? "above" : "inside";
    expect(t.zone).toBe(expected);
    expect(shown.label).toBe(ZONE_LOOK[t.zone].label);
    expect(shown.background).toBe(ZONE_LOOK[t.zone].background);
    seen.add(t.zone);
  }
  return seen;
}

describe("the winch monitor shows what the device says", () => {
  let demo: Demo;
  let browser: Browser;

  beforeAll(async () => {
    // Short flights at time x4: a launch every ~28 s, and about a second of it below the band (ground
    // roll and rotation), which 2 Hz answers show at least once. At x10 that second was 0.4 s and
    // fell between answers.
    demo = await startDemo({ timeScale: 4, extra: ["--sim-flight", "short"] });
    browser = await launchChromium([demo.winch.certPath, demo.aircraft.certPath]);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it(
    "zone label, icon and colour match data-zone and the band; the IAS is /api/winch's, in km/h, kt and mph",
    async () => {
      const { context, page } = await newPage(browser);
      await pollOnly(page);
      const errors = collectPageErrors(page);
      const bodies = recordWinchAnswers(page);
      await page.goto(`${demo.winch.base}/`);
      await page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: NEXT_LAUNCH_MS });

      // The demo's launches pass through the band from below (ground roll, rotation, climb); a launch
      // is on the cable for seconds, so the samples may span launches.
      const zones = new Set<Zone>();
      for (let tries = 0; tries < 4 && !(zones.has("below") && zones.size >= 2); tries++) {
        await page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: NEXT_LAUNCH_MS });
        for (const z of await checkLivePanel(page, bodies, 16_000)) zones.add(z);
      }
      expect(zones.has("below")).toBe(true);
      expect(zones.size).toBeGreaterThanOrEqual(2);

      // The same glider configured in knots, then mph, then back in km/h.
      const profiles = [
        { unit: "kt", v_min: 49, v_opt: 57, v_max: 70, v_en: 27 },
        { unit: "mph", v_min: 56, v_opt: 65, v_max: 81, v_en: 31 },
        { unit: "kmh", v_min: 90, v_opt: 105, v_max: 130, v_en: 50 },
      ] as const;
      for (const p of profiles) {
        const put = await call(demo.aircraft.base, "PUT", "/api/aircraft", {
          body: { registration: "D-1234", type: "ASK 21", ...p },
        });
        expect(put.status, put.body.toString()).toBe(200);
        // Sampled while on the cable: a short launch at time x4 is on the cable for a few seconds only.
        let inUnit = new Set<Zone>();
        for (let tries = 0; tries < 4 && inUnit.size === 0; tries++) {
          await page
            .locator('.zone-panel[data-state="live"] .ias-unit', { hasText: UNIT_TEXT[p.unit] })
            .waitFor({ timeout: NEXT_LAUNCH_MS });
          inUnit = await checkLivePanel(page, bodies, 5_000);
        }
        expect(inUnit.size).toBeGreaterThan(0);
        expect(bodies.at(-1)?.telemetry?.unit).toBe(p.unit);
      }
      expect(errors).toEqual([]);
      await context.close();
    },
    4 * NEXT_LAUNCH_MS + 60_000,
  );
});

interface HistoryBody {
  launches: { registration: string; type: string; max_ias: number; unit: string; start: string }[];
}

describe("launch history on a real device", () => {
  let demo: Demo;
  let browser: Browser;

  beforeAll(async () => {
    demo = await startDemo({ timeScale: 10 });
    browser = await launchChromium([demo.winch.certPath, demo.aircraft.certPath]);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  async function historyRows(page: Page): Promise<string[][]> {
    await page.goto(`${demo.winch.base}/history`);
    await page.locator('[data-testid="history-empty"], [data-testid="history-table"]').first().waitFor();
    return page
      .locator('[data-testid="history-table"] tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) =>
          Array.from((r as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells, (c) =>
            (c.textContent ?? "").trim(),
          ),
        ),
      );
  }

  it("shows the flight just flown, after a reboot, and after a switch to aircraft mode and back", async () => {
    const { context, page } = await newPage(browser);
    expect(await historyRows(page)).toEqual([]);

    // A launch: frames arrive, then the aircraft falls silent (its unit stops transmitting) and the
    // winch closes the record once the link is gone.
    await page.goto(`${demo.winch.base}/`);
    await page.locator('.zone-panel[data-state="live"]').waitFor({ timeout: 45_000 });
    await sleep(4_000);
    expect((await call(demo.aircraft.base, "PUT", "/api/mode", { body: { mode: "winch" } })).status).toBe(
      200,
    );
    let recorded: HistoryBody | undefined;
    for (const until = Date.now() + 40_000; Date.now() < until; await sleep(500)) {
      const h = (await call(demo.winch.base, "GET", "/api/history")).json as HistoryBody;
      if (h.launches.length > 0) {
        recorded = h;
        break;
      }
    }
    if (!recorded) expect.unreachable("no launch recorded 40 s after the aircraft fell silent");
    expect(recorded.launches).toHaveLength(1);
    const launch = recorded.launches[0]!;
    expect(launch).toMatchObject({ registration: "D-1234", type: "ASK 21", unit: "kmh" });
    expect(launch.max_ias).toBeGreaterThan(0);

    // The page lists exactly what the device recorded, newest first, this flight among them.
    const expectRows = async (p: Page, when: string) => {
      const h = (await call(demo.winch.base, "GET", "/api/history")).json as HistoryBody;
      expect(
        h.launches.map((l) => l.start),
        when,
      ).toContain(launch.start);
      const rows = await historyRows(p);
      const want = [...h.launches]
        .reverse()
        .map((l) => [
          `${l.registration} ${l.type}`,
          `${Math.round(l.max_ias)} ${l.unit === "kmh" ? "km/h" : l.unit}`,
        ]);
      expect(
        rows.map((r) => [r[1], r[3]]),
        when,
      ).toEqual(want);
      const ours = h.launches.length - 1 - h.launches.findIndex((l) => l.start === launch.start);
      expect(rows[ours]?.[3], when).toBe(`${Math.round(launch.max_ias)} km/h`);
    };
    await expectRows(page, "right after the flight");

    // Reboot: the same data directory, a new process.
    expect((await call(demo.aircraft.base, "PUT", "/api/mode", { body: { mode: "aircraft" } })).status).toBe(
      200,
    );
    await context.close();
    await browser.close();
    await demo.stop();
    demo = await startDemo({ timeScale: 10, dataDir: demo.dataDir });
    browser = await launchChromium([demo.winch.certPath, demo.aircraft.certPath]);
    const second = await newPage(browser);
    await expectRows(second.page, "after a reboot");

    // The winch unit becomes an aircraft and then a winch again.
    for (const mode of ["aircraft", "winch"]) {
      const put = await call(demo.winch.base, "PUT", "/api/mode", { body: { mode } });
      expect(put.status, put.body.toString()).toBe(200);
      for (const until = Date.now() + 30_000; Date.now() < until; await sleep(300)) {
        const m = await call(demo.winch.base, "GET", "/api/mode").catch(() => null);
        if (m?.status === 200 && (m.json as { mode?: string }).mode === mode) break;
      }
    }
    await expectRows(second.page, "after a switch to aircraft mode and back");
    await second.context.close();
  });
});
