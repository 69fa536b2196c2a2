import { useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, write } from "../api/client.js";
import type { Launch, LaunchHistory } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { LaunchDetailView } from "../components/launch-detail.js";
import { dateTime, decimal, duration, speed, unitLabel } from "../format.js";
import { goToSecurity } from "../hooks/use-form.js";
import { usePoll } from "../hooks/use-poll.js";
import { t } from "../i18n/translate.js";

/** Launches per page (the device's default page, about 12 KB of JSON). */
const PAGE = 20;
/** The page shown is polled with If-None-Match every 5 s: a new launch appears by itself, an unchanged page costs a 304. */
const POLL_HZ = 0.2;

/**
 * History (both modes): the recorded launches, newest first, a page at a time from the device
 * (`?limit=&before=`); each opens into its graph and summary with downloads and delete. "Older" walks
 * on with the page's `next` cursor, "Newer" back along the cursors walked. Below 900 px the table's
 * rows become cards (CSS), so a phone at 360 px reads it without scrolling sideways.
 */
export function History() {
  /** The `before` cursors of the pages walked past the first; the last one is the page shown. */
  const [cursors, setCursors] = useState<string[]>([]);
  const before = cursors.at(-1) ?? null;
  const url = `/api/history?limit=${PAGE}${before ? `&before=${before}` : ""}`;
  const poll = usePoll<LaunchHistory>(url, POLL_HZ);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  /** Launches deleted here, hidden until the next poll brings the page without them. */
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  const [open, setOpen] = useState<string | null>(null);
  /** The answer shown when the history was cleared here: shown empty until the next poll replaces it. */
  const [cleared, setCleared] = useState<LaunchHistory | null>(null);

  // The page's cursor is gone (its launch deleted elsewhere, or aged out): start again from the newest.
  const cursorGone = poll.error?.details.some((d) => d.field === "/before") ?? false;
  useEffect(() => {
    if (cursorGone) setCursors([]);
  }, [cursorGone]);

  // Until the page asked for arrives, the last one is not shown under the new page's buttons.
  const asked = poll.data && (poll.data.page?.before ?? null) === before ? poll.data : null;
  const data: LaunchHistory | null =
    asked && asked === cleared
      ? { launches: [], page: { limit: PAGE, before: null, next: null, total: 0 } }
      : asked;
  const error = failure ?? (cursorGone ? null : poll.error);

  const clear = async () => {
    setBusy(true);
    try {
      await write("DELETE", "/api/history");
      setConfirm(false);
      setCleared(poll.data);
      setCursors([]);
    } catch (err) {
      const f = asFailure(err);
      if (f.kind === "unauthorized") return goToSecurity();
      setFailure(f);
    } finally {
      setBusy(false);
    }
  };

  const launches = data ? data.launches.filter((l) => !removed.has(l.id)) : [];
  const total = data?.page ? Math.max(0, data.page.total - (data.launches.length - launches.length)) : 0;
  const first = cursors.length * PAGE + 1;
  const go = (next: string[]) => {
    setOpen(null);
    setConfirm(false);
    setCursors(next);
  };
  const pager = data && (cursors.length > 0 || data.page?.next) && (
    <nav class="pager" aria-label={t("history.pages")} data-testid="history-pager">
      <button
        type="button"
        data-testid="history-newer"
        disabled={cursors.length === 0}
        onClick={() => go(cursors.slice(0, -1))}
      >
        {t("history.newer")}
      </button>
      <span data-testid="history-range">
        {t("history.range", {
          from: decimal(launches.length > 0 ? first : 0, 0),
          to: decimal(first + launches.length - 1, 0),
          total: decimal(total, 0),
        })}
      </span>
      <button
        type="button"
        data-testid="history-older"
        disabled={!data.page?.next}
        onClick={() => data.page?.next && go([...cursors, data.page.next])}
      >
        {t("history.older")}
      </button>
    </nav>
  );
  return (
    <div class="page history">
      <div class="page-head">
        <h1>{t("page.launch_history")}</h1>
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
                    setRemoved(new Set([...removed, l.id]));
                  }}
                />
              ))}
            </tbody>
          </table>
        </section>
      )}
      {pager}
      {data && total > 0 && (
        <p>
          <a href="/api/history.csv" download="owts-start-list.csv" data-testid="start-list">
            {t("history.download_start_list")}
          </a>
        </p>
      )}
      {data && total > 0 && (
        <div class="form-footer">
          {confirm ? (
            <>
              <span>{t("history.confirm_clear", { count: total })}</span>
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
      <tr data-launch={l.id} data-testid="history-row">
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
