import { useEffect, useRef, useState } from "preact/hooks";
import type { JsonResult } from "../api/client.js";
import { type PollState, usePoll } from "./use-poll.js";

export type LiveTransport = "stream" | "poll";

export interface LiveState<T> extends PollState<T> {
  /** How the document arrives now: pushed over `<url>/stream`, or polled. */
  transport: LiveTransport;
}

/** No event and no heartbeat (the device sends one every 2 s) for this long: the stream is dead. */
export const STREAM_WATCHDOG_MS = 5000;
/** After the stream failed, poll this long before trying it again; doubles per failure in a row. */
const STREAM_RETRY_FIRST_MS = 10_000;
const STREAM_RETRY_MAX_MS = 120_000;

const canStream = (): boolean => typeof EventSource === "function";

/**
 * The live document at `url` (`/api/winch`, `/api/aircraft/live`) while the page is open and visible:
 * pushed over `<url>/stream` (EventSource) as it changes, and polled at `hz` with If-None-Match when
 * the stream is not there (no EventSource, an older device answering 404 or HTML) or fails (an error,
 * or no heartbeat for STREAM_WATCHDOG_MS). While polling it tries the stream again now and then.
 * Hidden tab or page left: the stream is closed (polling pauses by itself). `onResult` sees every
 * document on both paths (a pushed one as a 200), so an RX light flashes per new frame either way.
 */
export function useLive<T>(url: string, hz: number, onResult?: (r: JsonResult<T>) => void): LiveState<T> {
  const [transport, setTransport] = useState<LiveTransport>(() => (canStream() ? "stream" : "poll"));
  const [pushed, setPushed] = useState<PollState<T>>({ data: null, error: null, changedAt: 0, failures: 0 });
  const onResultRef = useRef(onResult);
  onResultRef.current = onResult;
  const streamFailures = useRef(0);
  const polled = usePoll<T>(transport === "poll" ? url : null, hz, onResult);

  useEffect(() => {
    if (transport !== "stream") return;
    let es: EventSource | null = null;
    let lastSign = 0;
    let gotData = false;
    const close = () => {
      es?.close();
      es = null;
    };
    const fail = () => {
      close();
      if (!gotData) streamFailures.current++;
      setTransport("poll");
    };
    const open = () => {
      if (es || document.hidden) return;
      lastSign = performance.now();
      const source = new EventSource(`${url}/stream`);
      es = source;
      source.onopen = () => {
        lastSign = performance.now();
      };
      source.onmessage = (e: MessageEvent<string>) => {
        lastSign = performance.now();
        let data: T;
        try {
          data = JSON.parse(e.data) as T;
        } catch {
          fail();
          return;
        }
        gotData = true;
        streamFailures.current = 0;
        setPushed({ data, error: null, changedAt: performance.now(), failures: 0 });
        onResultRef.current?.({ status: 200, data, etag: e.lastEventId || null });
      };
      source.addEventListener("heartbeat", () => {
        lastSign = performance.now();
      });
      // CONNECTING: EventSource reconnects by itself (the device ended the stream on a restart); the
      // watchdog gives up on it if that does not work. CLOSED: not a stream at all (404, HTML, 429).
      source.onerror = () => {
        if (source.readyState === EventSource.CLOSED) fail();
      };
    };
    const watchdog = setInterval(() => {
      if (es && performance.now() - lastSign > STREAM_WATCHDOG_MS) fail();
    }, 1000);
    const onVisibility = () => {
      if (document.hidden) close();
      else open();
    };
    document.addEventListener("visibilitychange", onVisibility);
    open();
    return () => {
      clearInterval(watchdog);
      document.removeEventListener("visibilitychange", onVisibility);
      close();
    };
  }, [transport, url]);

  useEffect(() => {
    if (transport !== "poll" || !canStream()) return;
    const wait = Math.min(
      STREAM_RETRY_MAX_MS,
      STREAM_RETRY_FIRST_MS * 2 ** Math.max(0, streamFailures.current - 1),
    );
    const timer = setTimeout(() => setTransport("stream"), wait);
    return () => clearTimeout(timer);
  }, [transport]);

  // The newer of the two documents, so a switch never blanks the page; the error is the active path's.
  const active = transport === "stream" ? pushed : polled;
  const newest = pushed.changedAt >= polled.changedAt ? pushed : polled;
  return { ...active, data: newest.data, changedAt: newest.changedAt, transport };
}
