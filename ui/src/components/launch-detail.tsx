import { useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, load, write } from "../api/client.js";
import type { Launch, LaunchDetail } from "../api/types.js";
import { decimal, duration, speed, unitLabel } from "../format.js";
import { goToSecurity } from "../hooks/use-form.js";
import { t } from "../i18n/translate.js";
import { useTheme } from "../theme.js";
import { FailureNotice } from "./failure-notice.js";
import { IasGraph, type Samples } from "./ias-graph.js";

/** A pause between two points longer than this is drawn as a gap (frames lost), not a line. */
const GAP_MS = 1500;

/**
 * One launch opened: its IAS over time with the band behind it (gaps left open), the summary with
 * release and phases, the trace as a replay CSV, and delete with confirmation.
 */
export function LaunchDetailView({ launch, onDeleted }: { launch: Launch; onDeleted: () => void }) {
  const { effective } = useTheme();
  const [d, setD] = useState<LaunchDetail | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const ctrl = new AbortController();
    load<LaunchDetail>(`/api/history/${launch.id}`, { signal: ctrl.signal }).then(setD, (err: unknown) => {
      if (!ctrl.signal.aborted) setError(asFailure(err));
    });
    return () => ctrl.abort();
  }, [launch.id]);

  const remove = async () => {
    setBusy(true);
    try {
      await write("DELETE", `/api/history/${launch.id}`);
      onDeleted();
    } catch (err) {
      const f = asFailure(err);
      if (f.kind === "unauthorized") return goToSecurity();
      setError(f);
    } finally {
      setBusy(false);
    }
  };

  const start = Date.parse(launch.start) / 1000;
  const samples: Samples = { t: [], ias: [] };
  let releaseAt: number | null = null;
  if (d) {
    const tr = d.trace;
    for (let i = 0; i < tr.t_ms.length; i++) {
      const ms = tr.t_ms[i]!;
      if (i > 0 && ms - tr.t_ms[i - 1]! > GAP_MS) {
        // uPlot leaves a gap where a value is null.
        samples.t.push(start + (tr.t_ms[i - 1]! + 1) / 1000);
        samples.ias.push(null as unknown as number);
      }
      samples.t.push(start + ms / 1000);
      samples.ias.push(tr.ias[i]!);
      const p = tr.phase[i];
      if (releaseAt === null && (p === "released" || p === "landing_hold" || p === "landed")) releaseAt = ms;
    }
  }
  const u = unitLabel(launch.unit);
  return (
    <div class="launch-detail" data-testid="launch-detail">
      {error && <FailureNotice failure={error} />}
      {!d && !error && <p class="muted">{t("common.loading")}</p>}
      {d && (
        <IasGraph
          samples={samples}
          band={{ min: launch.v_min, opt: launch.v_opt, max: launch.v_max }}
          unit={u}
          theme={effective}
          emptyNote={t("history.no_trace")}
          marks={releaseAt === null ? [] : [{ t: start + releaseAt / 1000, label: t("history.released_at") }]}
        />
      )}
      <dl class="launch-facts">
        <dt>{t("history.released_at")}</dt>
        <dd data-testid="launch-release">
          {releaseAt !== null
            ? t("history.release_value", {
                time: duration(releaseAt / 1000),
                ias: launch.release_ias === null ? "–" : `${speed(launch.release_ias)} ${u}`,
              })
            : t("history.no_release")}
        </dd>
        <dt>{t("history.time_to_vmin")}</dt>
        <dd>{launch.time_to_vmin_s === null ? "–" : duration(launch.time_to_vmin_s)}</dd>
        <dt>{t("history.in_band")}</dt>
        <dd>
          {decimal(launch.time_in_band_s, 0)} s ({decimal(Math.round(launch.in_band_share * 100), 0)} %)
        </dd>
        <dt>{t("history.max_gap")}</dt>
        <dd>{decimal(launch.max_gap_ms / 1000, 1)} s</dd>
        <dt>{t("history.flight")}</dt>
        <dd>{duration(launch.flight_s)}</dd>
        {!launch.complete && (
          <>
            <dt>{t("history.incomplete")}</dt>
            <dd>{launch.incomplete_reason ?? ""}</dd>
          </>
        )}
      </dl>
      <p class="launch-actions">
        <a href={`/api/history/${launch.id}.csv`} download={`owts-launch-${launch.id}.csv`}>
          {t("history.download_csv")}
        </a>{" "}
        {confirm ? (
          <>
            <span>{t("history.confirm_delete")}</span>{" "}
            <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
              {t("history.yes_delete")}
            </button>{" "}
            <button type="button" onClick={() => setConfirm(false)}>
              {t("common.cancel")}
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirm(true)}>
            {t("history.delete")}
          </button>
        )}
      </p>
    </div>
  );
}
