import { mkdirSync, mkdtempSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { REPO, readyUnits, spawnCli, type Unit } from "../helpers/device-process.js";

export { type Demo, startDemo, type Unit } from "../helpers/device-process.js";

export const SCREENS = join(REPO, "test-artifacts", "screens");

/** `owts start` on loopback with ephemeral ports (one unit). */
export async function startUnit(
  mode: Unit["mode"],
  extra: string[] = [],
): Promise<Unit & { dataDir: string; output(): string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "owts-e2e-unit-"));
  const p = spawnCli([
    "start",
    "--mode",
    mode,
    "--listen",
    "127.0.0.1",
    "--https-port",
    "0",
    "--http-port",
    "0",
    "--no-mdns",
    "--data-dir",
    dataDir,
    ...extra,
  ]);
  try {
    const [unit] = await readyUnits(p.child, p.output, 1, () => join(dataDir, "owts.crt"), 30_000);
    if (!unit) throw new Error("no ready block");
    return { ...unit, dataDir, output: p.output, stop: p.stop };
  } catch (err) {
    await p.stop();
    throw err;
  }
}

export interface ApiAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json: unknown;
}

/** One request to a device from the test side (loopback; the certificate is the device's self-signed one). */
export function call(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  if (payload) headers["Content-Type"] = "application/json";
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method, headers, rejectUnauthorized: false, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          let json: unknown;
          try {
            json = body.length ? JSON.parse(body.toString()) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

export const PHONE = { width: 360, height: 780 };
export const DESKTOP = { width: 1280, height: 860 };

export async function newPage(
  browser: Browser,
  viewport = PHONE,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, colorScheme: "light", ignoreHTTPSErrors: false });
  const page = await context.newPage();
  return { context, page };
}

/**
 * Takes EventSource away from `page` before any of its scripts run, so the live pages use their
 * fallback, 2 Hz conditional polling (what a browser without EventSource, or an older device, gets).
 * The tests of polling discipline and of scripted `/api/winch` answers run on that path.
 */
export async function pollOnly(page: Page): Promise<void> {
  await page.addInitScript("delete globalThis.EventSource;");
}

/**
 * Opens `url` and waits until the page shows its content (its h1) and has had its first answers: no
 * request in flight for `quietMs`, at most `maxMs`. Polling pages are never "network idle" (that
 * needs 500 ms without a request), but between two polls nothing is in flight; a live stream is
 * open for good and is not counted.
 */
export async function openSettled(page: Page, url: string, quietMs = 200, maxMs = 3_000): Promise<void> {
  const inFlight = new Set<Request>();
  let lastChange = performance.now();
  const started = (r: Request) => {
    if (r.resourceType() === "eventsource") return;
    inFlight.add(r);
    lastChange = performance.now();
  };
  const ended = (r: Request) => {
    if (inFlight.delete(r)) lastChange = performance.now();
  };
  page.on("request", started);
  page.on("requestfinished", ended);
  page.on("requestfailed", ended);
  try {
    await page.goto(url);
    await page.locator("main h1").first().waitFor({ state: "attached" });
    const end = performance.now() + maxMs;
    while (performance.now() < end && (inFlight.size > 0 || performance.now() - lastChange < quietMs))
      await sleep(25);
  } finally {
    page.off("request", started);
    page.off("requestfinished", ended);
    page.off("requestfailed", ended);
  }
}

/** Collects uncaught page errors, so a test can assert that none happened. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

/** Counts requests the page makes whose path starts with `prefix`. */
export function countRequests(
  page: Page,
  prefix: string,
): { count(): number; reset(): void; urls: string[] } {
  const urls: string[] = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith(prefix)) urls.push(r.url());
  });
  return {
    urls,
    count: () => urls.length,
    reset: () => {
      urls.length = 0;
    },
  };
}

/**
 * Makes the page believe its tab is hidden (or visible again), as a phone does when the browser goes
 * to the background: `document.hidden`/`visibilityState` change and `visibilitychange` fires.
 */
export async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    // Runs in the page; typed by hand because the test tsconfig has no DOM library.
    const g = globalThis as unknown as {
      document: { dispatchEvent(e: unknown): boolean };
      Event: new (type: string) => unknown;
    };
    Object.defineProperty(g.document, "hidden", { configurable: true, get: () => h });
    Object.defineProperty(g.document, "visibilityState", {
      configurable: true,
      get: () => (h ? "hidden" : "visible"),
    });
    g.document.dispatchEvent(new g.Event("visibilitychange"));
  }, hidden);
}

/** Saves a screenshot of the whole page as `test-artifacts/screens/<name>-<width>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  const path = join(SCREENS, `${name}-${width}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
