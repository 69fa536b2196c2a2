import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiFailure, asFailure, getJson, isAbort, type JsonResult } from "../api/client.js";

export interface PollState<T> {
  /** The last body received (kept through 304s and failures, so a page can show it as old). */
  data: T | null;
  /** The failure of the latest poll; null once a poll succeeds again. */
  error: ApiFailure | null;
  /** performance.now() of the last 200 (new data). */
  changedAt: number;
  /** Consecutive failed polls. */
  failures: number;
}

/** Backoff after the n-th failure in a row: 0.5 s, 1 s, 2 s, 4 s, then 8 s. */
export function backoffMs(failures: number, err: ApiFailure): number {
  if (err.kind === "rate_limited" && err.retryAfterS) return err.retryAfterS * 1000;
  // Not a passing glitch: the endpoint is missing (other mode, older device). Look again now and then.
  if (!err.transient) return MAX_BACKOFF_MS;
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.max(0, failures - 1));
}
const MAX_BACKOFF_MS = 8000;

/**
 * Polls `url` at `hz` (start to start) while the component is mounted and the tab is visible, with
 * If-None-Match. Hidden tab: the request in flight is dropped and no new one starts until the tab is
 * visible again, which polls at once. Failures back off (see backoffMs) and recover by themselves.
 * `onResult` sees every answer, 200 or 304 (the winch RX light needs both). url null = idle; a
 * function is asked for the URL before each poll (the log page's `?after=` cursor).
 */
export function usePoll<T>(
  url: string | null | (() => string),
  hz: number,
  onResult?: (r: JsonResult<T>) => void,
): PollState<T> {
  const [state, setState] = useState<PollState<T>>({ data: null, error: null, changedAt: 0, failures: 0 });
  const onResultRef = useRef(onResult);
  onResultRef.current = onResult;
  const urlRef = useRef(url);
  urlRef.current = url;
  const active = typeof url === "function" ? "dynamic" : url;

  useEffect(() => {
    if (!active) return;
    const period = 1000 / hz;
    let run = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: AbortController | null = null;
    let failures = 0;
    let stopped = false;

    const halt = () => {
      run++;
      clearTimeout(timer);
      inFlight?.abort();
      inFlight = null;
    };
    const schedule = (ms: number) => {
      clearTimeout(timer);
      if (!stopped && !document.hidden) timer = setTimeout(tick, ms);
    };
    const tick = async () => {
      if (stopped || document.hidden) return;
      const mine = ++run;
      const current = urlRef.current;
      const target = typeof current === "function" ? current() : current;
      if (!target) return;
      const started = performance.now();
      const ctrl = new AbortController();
      inFlight = ctrl;
      try {
        const result = await getJson<T>(target, {
          signal: ctrl.signal,
          timeoutMs: Math.max(4000, 4 * period),
        });
        if (mine !== run) return;
        failures = 0;
        setState((s) =>
          result.status === 200
            ? { data: result.data, error: null, changedAt: performance.now(), failures: 0 }
            : s.error || s.failures || s.data !== result.data
              ? { ...s, data: result.data, error: null, failures: 0 }
              : s,
        );
        onResultRef.current?.(result);
        schedule(Math.max(0, period - (performance.now() - started)));
      } catch (err) {
        if (mine !== run || isAbort(err)) return;
        failures++;
        const failure = asFailure(err);
        const n = failures;
        setState((s) => ({ ...s, error: failure, failures: n }));
        schedule(backoffMs(failures, failure));
      } finally {
        if (inFlight === ctrl) inFlight = null;
      }
    };
    const onVisibility = () => {
      halt();
      if (!document.hidden) void tick();
    };

    document.addEventListener("visibilitychange", onVisibility);
    void tick();
    return () => {
      stopped = true;
      halt();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [active, hz]);

  return state;
}
