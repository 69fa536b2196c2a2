import { createLiveFeed, type LiveFeed } from "../core/live-feed.js";
import type { WinchReceiver, WinchSnapshot } from "./receiver.js";

/**
 * The winch's current `/api/winch` document: new with every frame shown and every link-state change
 * (the receiver's own tag). The receiver's 100 ms timer re-evaluates the link, so "stale" is announced
 * when it happens, not when someone next asks.
 */
export function winchLiveFeed(receiver: WinchReceiver): LiveFeed<WinchSnapshot> {
  return createLiveFeed({
    read: () => {
      // Tag before body: a frame between the two leaves the reader with an older tag than its body, so
      // it fetches once more, instead of a tag that hides a change.
      const etag = receiver.etag();
      return { etag, doc: receiver.snapshot() };
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
