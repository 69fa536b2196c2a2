import { useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, load, write } from "../api/client.js";
import type { Launch, LaunchHistory } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { LaunchDetailView } from "../components/launch-detail.js";
import { dateTime, decimal, duration, speed, unitLabel } from "../format.js";
import { goToSecurity } from "../hooks/use-form.js";
import { t } from "../i18n/translate.js";

/** Launches listed at once; "Show more" adds as many again. */
const PAGE = 20;

/**
 * History (both modes): the recorded launches, newest first, paged; each opens into its graph and
 * summary with downloads and delete. Loaded on opening and on Refresh. Below 600 px the table's rows
 * become cards (CSS), so a phone at 360 px reads it without scrolling sideways.
 */
export function History() {
  const [data, setData] = useState<LaunchHistory | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [shown, setShown] = useState(PAGE);
  const [open, setOpen] = useState<string | null>(null);

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

  const all = data ? [...data.launches].reverse() : [];
  const launches = all.slice(0, shown);
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
                <th scope="col">
                  <span class="visually-hidden">{t("history.details")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {launches.map((l) => (
                <LaunchRow
                  key={l.id}
                  l={l}
                  open={open === l.id}
                  onToggle={() => setOpen((o) => (o === l.id ? null : l.id))}
                  onDeleted={() => {
                    setOpen(null);
                    setGeneration((g) => g + 1);
                  }}
                />
              ))}
            </tbody>
          </table>
        </section>
      )}
      {all.length > shown && (
        <button type="button" data-testid="history-more" onClick={() => setShown((n) => n + PAGE)}>
          {t("history.show_more", { count: all.length - shown })}
        </button>
      )}
      {data && all.length > 0 && (
        <p>
          <a href="/api/history.csv" download="owts-start-list.csv" data-testid="start-list">
            {t("history.download_start_list")}
          </a>
        </p>
      )}
      {data && launches.length > 0 && (
        <div class="form-footer">
          {confirm ? (
            <>
              <span>{t("history.confirm_clear", { count: all.length })}</span>
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

function LaunchRow({
  l,
  open,
  onToggle,
  onDeleted,
}: {
  l: Launch;
  open: boolean;
  onToggle: () => void;
  onDeleted: () => void;
}) {
  return (
    <>
      <tr data-launch={l.id}>
        <td data-label={t("history.start")}>{dateTime(l.start)}</td>
        <td data-label={t("history.aircraft")}>
          <strong>{l.registration}</strong> {l.type}
        </td>
        <td data-label={t("history.duration")}>{duration(l.duration_s)}</td>
        <td class="num" data-label={t("history.max_ias")}>
          {speed(l.max_ias)} {unitLabel(l.unit)}
        </td>
        <td class="num" data-label={t("history.band")}>
          {l.v_min}–{l.v_opt}–{l.v_max}
        </td>
        <td class="num" data-label={t("history.in_band")}>
          {decimal(Math.round(l.in_band_share * 100), 0)} %
        </td>
        <td class="num" data-label={t("history.lost")}>
          {l.frames_lost}
        </td>
        <td>
          <button type="button" aria-expanded={open} onClick={onToggle}>
            {open ? t("history.close") : t("history.open")}
          </button>
        </td>
      </tr>
      {open && (
        <tr class="launch-detail-row">
          <td colSpan={8}>
            <LaunchDetailView launch={l} onDeleted={onDeleted} />
          </td>
        </tr>
      )}
    </>
  );
}
