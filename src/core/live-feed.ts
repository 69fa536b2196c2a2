import { type Clock, systemClock } from "./clock.js";

/**
 * The one "current document" of a running unit — the winch's `/api/winch`, the aircraft's
 * `/api/aircraft/live` — as every reader takes it: the polled route, the event streams, MQTT and the
 * displays. One feed per runtime; it ends when the runtime stops, and its streams end with it.
 */
export interface LiveVersion<T> {
  readonly doc: T;
  /** The document's ETag: equal tags mean nothing a viewer needs has changed. */
  readonly etag: string;
}

export interface LiveFeed<T> {
  /** The document now, with its tag. Read fresh each time (the winch's `age_ms` moves with the clock). */
  current(): LiveVersion<T>;
  /** The tag alone, for a conditional request that may need no body. */
  etag(): string;
  /**
   * Calls `fn` after each change of the tag until the returned function is called. Coalesced: a burst
   * of signals in one turn of the event loop is one call, and `fn` reads `current()` itself, so a reader
   * that falls behind takes the newest document instead of a queue of old ones.
   */
  onChange(fn: () => void): () => void;
  /** Calls `fn` once when the feed ends (at once if it has); returns the function that forgets it. */
  onEnd(fn: () => void): () => void;
  readonly ended: boolean;
  /** Ends the feed (its runtime stops): `onEnd` listeners run once, `onChange` listeners are dropped. */
  end(): void;
}

export interface LiveFeedSource<T> {
  /** The document and its tag, tag first where a change between the two could hide one. */
  read(): LiveVersion<T>;
  /**
   * The tag without the document, where that is cheaper.
   * @default () => read().etag
   */
  etag?: () => string;
  /** Subscribes to the domain's own signals (a frame, a sample, a link change); returns unsubscribe. */
  signals(notify: () => void): () => void;
  /**
   * While anyone listens, the tag is also compared this often: it catches the changes no signal
   * announces (a sensor that stops answering emits nothing; an unpaired aircraft is only remembered).
   * @default DEFAULT_RECHECK_MS
   */
  recheckMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

/** How often a feed with listeners compares its tag without a signal. */
export const DEFAULT_RECHECK_MS = 250;

/** A feed over `source`: signals and rechecks run only while someone listens. */
export function createLiveFeed<T>(source: LiveFeedSource<T>): LiveFeed<T> {
  const { recheckMs = DEFAULT_RECHECK_MS, clock = systemClock } = source;
  const tagNow = source.etag ?? (() => source.read().etag);
  const changeListeners = new Set<() => void>();
  const endListeners = new Set<() => void>();
  let ended = false;
  let lastTag = "";
  let flushQueued = false;
  let detach: (() => void) | null = null;
  let cancelRecheck: (() => void) | null = null;

  const flush = (): void => {
    flushQueued = false;
    if (ended || changeListeners.size === 0) return;
    const tag = tagNow();
    if (tag === lastTag) return;
    lastTag = tag;
    for (const fn of [...changeListeners]) {
      try {
        fn();
      } catch {
        // One reader's fault (a stream whose socket just died) must not keep the others from the news.
      }
    }
  };
  const notify = (): void => {
    if (flushQueued || ended) return;
    flushQueued = true;
    queueMicrotask(flush);
  };
  const recheck = (): void => {
    cancelRecheck = clock.setTimeout(recheck, recheckMs);
    notify();
  };
  const start = (): void => {
    lastTag = tagNow();
    detach = source.signals(notify);
    cancelRecheck = clock.setTimeout(recheck, recheckMs);
  };
  const stop = (): void => {
    detach?.();
    detach = null;
    cancelRecheck?.();
    cancelRecheck = null;
  };

  return {
    current: () => source.read(),
    etag: tagNow,
    onChange(fn) {
      if (ended) return () => {};
      const wrapped = () => fn();
      changeListeners.add(wrapped);
      if (changeListeners.size === 1) start();
      return () => {
        if (!changeListeners.delete(wrapped)) return;
        if (changeListeners.size === 0) stop();
      };
    },
    onEnd(fn) {
      if (ended) {
        fn();
        return () => {};
      }
      const wrapped = () => fn();
      endListeners.add(wrapped);
      return () => endListeners.delete(wrapped);
    },
    get ended() {
      return ended;
    },
    end() {
      if (ended) return;
      ended = true;
      stop();
      changeListeners.clear();
      const listeners = [...endListeners];
      endListeners.clear();
      for (const fn of listeners) {
        try {
          fn();
        } catch {
          // As above: every reader hears the end.
        }
      }
    },
  };
}
