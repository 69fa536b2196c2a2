import { render } from "preact";
import { App } from "./app.js";
import { applyLanguage, initialLanguage } from "./i18n/language.js";
import "./styles.css";

// A rejected promise nobody awaited must not go unnoticed, but it must not break the page either.
window.addEventListener("unhandledrejection", (e) => {
  console.warn("OWTS UI: unhandled rejection", e.reason);
  e.preventDefault();
});

/**
 * The words come first (one small chunk for the language in effect); if that language cannot be
 * fetched, English; if nothing can, the boot line says so rather than a blank page.
 */
async function start(root: HTMLElement): Promise<void> {
  const lang = initialLanguage();
  try {
    await applyLanguage(lang);
  } catch {
    try {
      await applyLanguage("en");
    } catch {
      root.textContent = "The device did not send the page's words. Reload the page to try again.";
      return;
    }
  }
  root.textContent = "";
  render(<App />, root);
}

const root = document.getElementById("app");
if (root) void start(root);
