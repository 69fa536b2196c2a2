import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { LogLine, LogPage } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { usePoll } from "../hooks/use-poll.js";
import { t } from "../i18n/translate.js";

export const LOG_POLL_HZ = 1;
const MAX_LINES = 1000;

function clock(ms: number): string {
  const s = ms / 1000;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = (s % 60).toFixed(3).padStart(6, "0");
  return `${h > 0 ? `${h}:` : ""}${String(m).padStart(h > 0 ? 2 : 1, "0")}:${sec}`;
}

/** Logs: the device's RAM log, fetched incrementally with `?after=` while the page is open. */
export function Logs() {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [dropped, setDropped] = useState(0);
  const [follow, setFollow] = useState(true);
  const after = useRef(0);
  const box = useRef<HTMLDivElement>(null);

  const poll = usePoll<LogPage>(
    () => `/api/log?after=${after.current}`,
    LOG_POLL_HZ,
    (r) => {
      if (r.status !== 200) return;
      const page = r.data;
      if (page.newest_seq < after.current) {
        // Sequence numbers went back: the device restarted. Start over with what it holds now.
        after.current = 0;
        setLines([]);
        return;
      }
      if (page.dropped > 0) setDropped((d) => d + page.dropped);
      const fresh = page.lines.filter((l) => l.seq > after.current);
      if (fresh.length === 0) return;
      after.current = fresh[fresh.length - 1]?.seq ?? after.current;
      setLines((old) => {
        const all = old.concat(fresh);
        return all.length > MAX_LINES ? all.slice(all.length - MAX_LINES) : all;
      });
    },
  );

  useLayoutEffect(() => {
    const el = box.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [lines, follow]);

  // Scrolling up to read stops following; scrolling back to the bottom resumes it.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
    el.addEventListener("scroll", onScroll, { passive: true });
    return () => el.removeEventListener("scroll", onScroll);
  }, []);

  return (
    <div class="page logs">
      <div class="page-head">
        <h1>{t("page.logs")}</h1>
        <label class="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />{" "}
          {t("logs.follow")}
        </label>
      </div>
      {poll.error && <FailureNotice failure={poll.error} retrying={poll.error.transient} compact />}
      {dropped > 0 && (
        <p class="notice notice-info" data-testid="log-dropped">
          {t("logs.dropped", { count: dropped })}
        </p>
      )}
      <div
        class="log-box"
        ref={box}
        role="log"
        aria-live="off"
        aria-label={t("logs.lines")}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must be reachable by keyboard to scroll it
        tabIndex={0}
        data-testid="log-box"
      >
        {lines.length === 0 && !poll.error && (
          <p class="muted">{poll.data ? t("logs.empty") : t("common.loading")}</p>
        )}
        {lines.map((l) => (
          <div key={l.seq} class={`log-line level-${l.level}`} data-seq={l.seq}>
            <span class="log-time">{clock(l.t_ms)}</span>{" "}
            <span class="log-level">{l.level.toUpperCase()}</span> <span class="log-tag">{l.tag}</span>{" "}
            <span class="log-msg">{l.msg}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
