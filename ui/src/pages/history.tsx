import { useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, load, write } from "../api/client.js";
import type { LaunchHistory } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { dateTime, decimal, duration, speed, unitLabel } from "../format.js";
import { goToSecurity } from "../hooks/use-form.js";
import { t } from "../i18n/translate.js";

/** History (winch): the recorded launches, newest first. Loaded on opening and on Refresh. */
export function History() {
  const [data, setData] = useState<LaunchHistory | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    load<LaunchHistory>("/api/history", { signal: ctrl.signal }).then(
      (h) => {
        setData(h);
        setError(null);
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) setError(asFailure(err));
      },
    );
    return () => ctrl.abort();
  }, [generation]);

  const clear = async () => {
    setBusy(true);
    try {
      await write("DELETE", "/api/history");
      setConfirm(false);
      setGeneration((g) => g + 1);
    } catch (err) {
      const f = asFailure(err);
      if (f.kind === "unauthorized") return goToSecurity();
      setError(f);
    } finally {
      setBusy(false);
    }
  };

  const launches = data ? [...data.launches].reverse() : [];
  return (
    <div class="page history">
      <div class="page-head">
        <h1>{t("page.launch_history")}</h1>
        <button type="button" onClick={() => setGeneration((g) => g + 1)}>
          {t("common.refresh")}
        </button>
      </div>
      {error && <FailureNotice failure={error} />}
      {!data && !error && <p class="muted">{t("common.loading")}</p>}
      {data && launches.length === 0 && <p data-testid="history-empty">{t("history.empty")}</p>}
      {launches.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it
        <section class="table-wrap" aria-label={t("history.launches")} tabIndex={0}>
          <table class="launches" data-testid="history-table">
            <thead>
              <tr>
                <th scope="col">{t("history.start")}</th>
                <th scope="col">{t("history.aircraft")}</th>
                <th scope="col">{t("history.duration")}</th>
                <th scope="col">{t("history.max_ias")}</th>
                <th scope="col">{t("history.band")}</th>
                <th scope="col">{t("history.in_band")}</th>
                <th scope="col">{t("history.lost")}</th>
              </tr>
            </thead>
            <tbody>
              {launches.map((l) => (
                <tr key={l.start + l.registration}>
                  <td>{dateTime(l.start)}</td>
                  <td>
                    <strong>{l.registration}</strong> {l.type}
                  </td>
                  <td>{duration(l.duration_s)}</td>
                  <td class="num">
                    {speed(l.max_ias)} {unitLabel(l.unit)}
                  </td>
                  <td class="num">
                    {l.v_min}–{l.v_opt}–{l.v_max}
                  </td>
                  <td class="num">{decimal(Math.round(l.in_band_share * 100), 0)} %</td>
                  <td class="num">{l.frames_lost}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {data && launches.length > 0 && (
        <div class="form-footer">
          {confirm ? (
            <>
              <span>{t("history.confirm_clear", { count: launches.length })}</span>
              <button type="button" class="danger" disabled={busy} onClick={() => void clear()}>
                {t("history.yes_clear")}
              </button>
              <button type="button" onClick={() => setConfirm(false)}>
                {t("common.cancel")}
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setConfirm(true)}>
              {t("history.clear")}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
