import { createLiveFeed, type LiveFeed } from "../core/live-feed.js";
import type { LaunchProgress } from "./history.js";
import type { WinchReceiver, WinchSnapshot } from "./receiver.js";

/** What `/api/winch` answers: the receiver's snapshot and the launch it belongs to. */
export type WinchDocument = WinchSnapshot & { launch: LaunchProgress | null };

/**
 * The winch's current `/api/winch` document: new with every frame shown and every link-state change
 * (the receiver's own tag). The receiver's 100 ms timer re-evaluates the link, so "stale" is announced
 * when it happens, not when someone next asks. `launch` (the recorder's progress) changes only with
 * frames and link changes, except when an ended launch's summary expires minutes after silence: that
 * reaches a reader with the next change, which is harmless as the link then already says no signal.
 */
export function winchLiveFeed(
  receiver: WinchReceiver,
  launch: () => LaunchProgress | null,
): LiveFeed<WinchDocument> {
  return createLiveFeed({
    read: () => {
      // Tag before body: a frame between the two leaves the reader with an older tag than its body, so
      // it fetches once more, instead of a tag that hides a change.
      const etag = receiver.etag();
      return { etag, doc: { ...receiver.snapshot(), launch: launch() } };
    },
    etag: () => receiver.etag(),
    signals(notify) {
      receiver.on("telemetry", notify);
      receiver.on("link", notify);
      return () => {
        receiver.off("telemetry", notify);
        receiver.off("link", notify);
      };
    },
  });
}
