export interface DeviceSummary {
  mode: string;
  /** `OWTS-winch-3A4F1C`, with or without `.local`. */
  hostname: string;
  espId?: string;
  version?: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * The page served at `/` when no built UI is installed: it says what the device is and where the
 * API lives, so a bare `owts start` from a fresh clone still answers a browser with something true.
 * A few lines of script refresh mode and hostname from /api/about, because a mode change restarts
 * the runtime without rebuilding this page.
 */
export function renderFallbackPage(info: DeviceSummary): string {
  const e = escapeHtml;
  const host = /\.local$/i.test(info.hostname) ? info.hostname : `${info.hostname}.local`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OWTS ${e(host)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#111;background:#fff}
@media (prefers-color-scheme:dark){body{color:#eee;background:#111}a{color:#8cf}}
dt{font-weight:600}dd{margin:0 0 .5rem}code{font-size:1.05em}
</style>
</head>
<body>
<h1>OWTS device</h1>
<p>This is an <strong>Open Winch Telemetry System</strong> unit. It measures or receives the glider's
indicated airspeed and serves its settings and live data over HTTPS.</p>
<dl>
<dt>Mode</dt><dd id="mode">${e(info.mode)}</dd>
<dt>Hostname</dt><dd><code id="hostname">${e(host)}</code></dd>
${info.espId ? `<dt>Device id</dt><dd><code>${e(info.espId)}</code></dd>\n` : ""}${info.version ? `<dt>Version</dt><dd>${e(info.version)}</dd>\n` : ""}</dl>
<p>The full device UI is not installed in this build. The REST API is available:</p>
<ul>
<li><a href="/api/about">/api/about</a> — identity, version and certificate fingerprint</li>
<li><a href="/api/status">/api/status</a> — memory, sessions and link counters</li>
<li><a href="/api/log">/api/log</a> — recent log lines</li>
</ul>
<script>
fetch("/api/about").then(function (r) { return r.ok ? r.json() : null; }).then(function (a) {
  if (!a) return;
  if (a.mode) document.getElementById("mode").textContent = a.mode;
  if (a.hostname) document.getElementById("hostname").textContent = /\\.local$/i.test(a.hostname) ? a.hostname : a.hostname + ".local";
}).catch(function () {});
</script>
</body>
</html>
`;
}
