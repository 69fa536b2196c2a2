/**
 * Registers the app-shell service worker (public/sw.js) where the browser allows one: only on an
 * origin it trusts. On a certificate that was clicked through, Chromium refuses with a SecurityError
 * and Safari and Firefox do the same or have no worker at all; the page then works exactly as before,
 * without a message, since there is nothing the user should do about it on that page.
 */
export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  // After load: the worker's own fetches of the shell must not compete with the first paint.
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err: unknown) => {
      console.info("OWTS UI: no offline shell here (the browser refused the service worker):", err);
    });
  });
}
