import { useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, load } from "../api/client.js";
import type { About as AboutInfo, Status } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { bytes, dateTime, duration } from "../format.js";
import { t } from "../i18n/translate.js";

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
        <h1>{t("about.title")}</h1>
        <button type="button" onClick={() => setGeneration((g) => g + 1)}>
          {t("common.refresh")}
        </button>
      </div>
      {error && <FailureNotice failure={error} />}
      {!about && !error && <p class="muted">{t("common.loading")}</p>}
      {about && (
        <section class="card">
          <dl class="facts wide" data-testid="about-facts">
            <div>
              <dt>{t("device.mode")}</dt>
              <dd>{t(about.mode === "winch" ? "mode.winch" : "mode.aircraft")}</dd>
            </div>
            <div>
              <dt>{t("about.hostname")}</dt>
              <dd>{about.hostname}</dd>
            </div>
            <div>
              <dt>{t("about.esp_id")}</dt>
              <dd>{about.esp_id}</dd>
            </div>
            <div>
              <dt>{t("about.version")}</dt>
              <dd>
                {about.version} <span class="muted">({about.build})</span>
              </dd>
            </div>
            <div>
              <dt>{t("about.uptime")}</dt>
              <dd>{duration(about.uptime_s)}</dd>
            </div>
          </dl>
        </section>
      )}
      {about && (
        <section class="card">
          <h2>{t("about.certificate")}</h2>
          <p>{t("about.compare_fingerprint")}</p>
          <code class="fingerprint" data-testid="fingerprint">
            {fingerprintRows(about.certificate.sha256).join("\n")}
          </code>
          <p>{t("about.valid_until", { date: dateTime(about.certificate.not_after) })}</p>
          <a
            class="button"
            href={CERTIFICATE_URL}
            download={`${about.hostname}.crt`}
            data-testid="certificate-download"
          >
            {t("about.download_certificate")}
          </a>{" "}
          <span class="muted">{t("about.install_certificate")}</span>
        </section>
      )}
      <section class="card">
        <h2>{t("about.api")}</h2>
        <p>
          {t("about.api_text")} {/* A page of its own (not the app): its library loads only there. */}
          <a href="/explorer/index.html" data-testid="api-explorer">
            {t("about.open_explorer")}
          </a>
        </p>
      </section>
      <section class="card">
        <h2>{t("about.health")}</h2>
        {statusError && <FailureNotice failure={statusError} compact />}
        {status && (
          <dl class="facts wide" data-testid="status-facts">
            <div>
              <dt>{t("about.memory_free")}</dt>
              <dd>
                {bytes(status.memory.heap_free)} ({bytes(status.memory.heap_free_min)})
              </dd>
            </div>
            <div>
              <dt>{t("about.memory_used")}</dt>
              <dd>
                {bytes(status.memory.heap_used)} / {bytes(status.memory.rss)}
              </dd>
            </div>
            <div>
              <dt>{t("about.sessions")}</dt>
              <dd>{t("about.sessions_value", { ...status.sessions })}</dd>
            </div>
            <div>
              <dt>{t("about.tls_failures")}</dt>
              <dd>{t("about.tls_failures_value", { ...status.tls_failures })}</dd>
            </div>
            <div>
              <dt>{t("radio.title")}</dt>
              <dd>
                {t("about.radio_value", {
                  sent: status.radio.sent,
                  received: status.radio.received,
                  lost: status.radio.lost,
                  bad: status.radio.bad_frames,
                  held: status.radio.duty_blocked,
                })}
                {status.radio.lbt_deferred !== undefined
                  ? t("about.radio_lbt", {
                      deferred: status.radio.lbt_deferred,
                      dropped: status.radio.lbt_dropped ?? 0,
                    })
                  : ""}
              </dd>
            </div>
            {status.radio.link ? (
              <div>
                <dt>{t("about.radio_hardware")}</dt>
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
