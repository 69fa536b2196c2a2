/*
 * The OWTS service worker: an offline app shell, nothing more. It caches index.html and the files it
 * loads (as versioned by scripts/compress-ui.mjs, which writes SHELL below at build time) and never an
 * API response: live speeds, settings and logs always come from the device or not at all.
 *
 * Updates: a new device build changes SHELL, so this file's bytes change; the browser installs the
 * new worker, which fetches the new shell into a new cache, takes over at once and deletes the old
 * caches. Pages are served network-first, so an online user always gets the device's current page.
 * A browser that refuses the worker (a certificate clicked through) simply never runs this file.
 */
const SHELL = /*OWTS_SHELL*/ { version: "dev", files: ["/"] };
const CACHE = `owts-shell-${SHELL.version}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.files))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("owts-shell-") && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // Only our own origin, never the API: the browser handles those as if there were no worker.
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/") || url.pathname === "/api")
    return;
  if (request.mode === "navigate") {
    // Network first: the device's page when it answers, the cached shell when it does not.
    event.respondWith(
      fetch(request).catch(() => caches.match("/", { cacheName: CACHE }).then((r) => r ?? Response.error())),
    );
    return;
  }
  if (!SHELL.files.includes(url.pathname + url.search)) return;
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
});
