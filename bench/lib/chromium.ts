/** Debian's Chromium (never a downloaded browser); OWTS_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.OWTS_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Headless, and no background traffic: this machine has no network, and Chromium's attempts fail
 * slowly. One list for the benches and the browser tests, so both measure the same browser.
 */
export const HEADLESS_ARGS: readonly string[] = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
