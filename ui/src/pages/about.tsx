import { useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, load } from "../api/client.js";
import type { About as AboutInfo, Status } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { TrustPanel } from "../components/trust-panel.js";
import { bytes, dateTime, duration } from "../format.js";

/** Where the device serves its certificate (PEM) for installing trust. */
export const CERTIFICATE_URL = "/api/about/certificate";

/** Fingerprint in rows of eight bytes, as browsers show it, so it can be compared by eye. */
function fingerprintRows(fp: string): string[] {
  const bytesList = fp.split(":");
  const rows: string[] = [];
  for (let i = 0; i < bytesList.length; i += 8) rows.push(bytesList.slice(i, i + 8).join(":"));
  return rows;
}

/** About: identity, version, certificate (fingerprint + download) and health figures. Loaded once. */
export function About() {
  const [about, setAbout] = useState<AboutInfo | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [statusError, setStatusError] = useState<ApiFailure | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    const opts = { signal: ctrl.signal };
    load<AboutInfo>("/api/about", opts).then(
      (a) => {
        setAbout(a);
        setError(null);
      },
      (e: unknown) => !ctrl.signal.aborted && setError(asFailure(e)),
    );
    load<Status>("/api/status", opts).then(
      (s) => {
        setStatus(s);
        setStatusError(null);
      },
      (e: unknown) => !ctrl.signal.aborted && setStatusError(asFailure(e)),
    );
    return () => ctrl.abort();
  }, [generation]);

  return (
    <div class="page about">
      <div class="page-head">
        <h1>About this device</h1>
        <button type="button" onClick={() => setGeneration((g) => g + 1)}>
          Refresh
        </button>
      </div>
      {error && <FailureNotice failure={error} />}
      {!about && !error && <p class="muted">Loading…</p>}
      {about && (
        <section class="card">
          <dl class="facts wide" data-testid="about-facts">
            <div>
              <dt>Mode</dt>
              <dd>{about.mode}</dd>
            </div>
            <div>
              <dt>Host name</dt>
              <dd>{about.hostname}</dd>
            </div>
            <div>
              <dt>Device id (esp_id)</dt>
              <dd>{about.esp_id}</dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>
                {about.version} <span class="muted">({about.build})</span>
              </dd>
            </div>
            <div>
              <dt>Running for</dt>
              <dd>{duration(about.uptime_s)}</dd>
            </div>
          </dl>
        </section>
      )}
      {about && (
        <section class="card">
          <h2>HTTPS certificate</h2>
          <p>Compare this SHA-256 fingerprint with the one your browser shows in its certificate warning.</p>
          <code class="fingerprint" data-testid="fingerprint">
            {fingerprintRows(about.certificate.sha256).join("\n")}
          </code>
          <p>Valid until {dateTime(about.certificate.not_after)}.</p>
          <a
            class="button"
            href={CERTIFICATE_URL}
            download={`${about.hostname}.crt`}
            data-testid="certificate-download"
          >
            Download the certificate
          </a>{" "}
          <span class="muted">Install it as trusted on your phone or laptop to drop the warning.</span>
        </section>
      )}
      {about && <TrustPanel about={about} />}
      <section class="card">
        <h2>API</h2>
        <p>
          Programs talk to this device over its REST API. The explorer lists every request and answer and lets
          you try them. {/* A page of its own (not the app): its library loads only there. */}
          <a href="/explorer/index.html" data-testid="api-explorer">
            Open the API explorer
          </a>
        </p>
      </section>
      <section class="card">
        <h2>Health</h2>
        {statusError && <FailureNotice failure={statusError} compact />}
        {status && (
          <dl class="facts wide" data-testid="status-facts">
            <div>
              <dt>Memory free (lowest)</dt>
              <dd>
                {bytes(status.memory.heap_free)} ({bytes(status.memory.heap_free_min)})
              </dd>
            </div>
            <div>
              <dt>Memory in use / RSS</dt>
              <dd>
                {bytes(status.memory.heap_used)} / {bytes(status.memory.rss)}
              </dd>
            </div>
            <div>
              <dt>HTTPS sessions</dt>
              <dd>
                {status.sessions.open} of {status.sessions.max} open (peak {status.sessions.peak_open});{" "}
                {status.sessions.purged} purged, {status.sessions.queued} queued, {status.sessions.rejected}{" "}
                rejected
              </dd>
            </div>
            <div>
              <dt>TLS handshake failures</dt>
              <dd>
                {status.tls_failures.client_aborted} client aborted, {status.tls_failures.certificate_refused}{" "}
                certificate refused, {status.tls_failures.protocol_mismatch} protocol mismatch,{" "}
                {status.tls_failures.out_of_resources} out of resources
              </dd>
            </div>
            <div>
              <dt>Radio</dt>
              <dd>
                {status.radio.sent} sent, {status.radio.received} received, {status.radio.lost} lost,{" "}
                {status.radio.bad_frames} bad, {status.radio.duty_blocked} held back by duty cycle
                {status.radio.lbt_deferred !== undefined
                  ? `, ${status.radio.lbt_deferred} waited for a busy channel, ${status.radio.lbt_dropped ?? 0} dropped`
                  : ""}
              </dd>
            </div>
            {status.radio.link ? (
              <div>
                <dt>Radio hardware</dt>
                <dd data-testid="radio-link">
                  {status.radio.link.kind}: {status.radio.link.state}
                  {status.radio.link.reason ? ` — ${status.radio.link.reason}` : ""}
                </dd>
              </div>
            ) : null}
          </dl>
        )}
      </section>
    </div>
  );
}
