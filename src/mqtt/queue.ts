/**
 * What waits for the broker. `live` is a reading that is worth nothing once newer ones exist or it has
 * expired; `state` is a retained document where only the newest per topic matters (device, discovery);
 * `launch` is a completed launch, which is kept until it is acknowledged.
 */
export type MessageClass = "live" | "state" | "launch";

export interface OutMessage {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
  cls: MessageClass;
  /** Monotonic ms after which it must not be sent (live readings); the rest is its MQTT 5 message expiry. */
  expiresAt?: number;
}

/** The queue's capacity when none is given. @default 200 */
export const DEFAULT_QUEUE_LIMIT = 200;

export interface MessageQueue {
  /** Adds `m`; returns how many messages this pushed out (0 normally). */
  push(m: OutMessage): number;
  /** Puts `m` at the front: a launch lost in flight, or an announcement that must go before the backlog. */
  unshift(m: OutMessage): number;
  /** The next message still worth sending; `expired` counts the ones skipped on the way. */
  shift(now: number): { message: OutMessage | null; expired: number };
  size(): number;
}

/**
 * A bounded queue that drops the oldest live reading first, then the oldest state document, and a launch
 * only when nothing else is left to drop. A state document replaces an older one on the same topic.
 */
export function createMessageQueue(limit = DEFAULT_QUEUE_LIMIT): MessageQueue {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`queue limit must be a positive integer, got ${limit}`);
  let items: OutMessage[] = [];

  const makeRoom = (): number => {
    let dropped = 0;
    while (items.length >= limit) {
      const idx = ["live", "state", "launch"]
        .map((cls) => items.findIndex((m) => m.cls === cls))
        .find((i) => i >= 0);
      items.splice(idx ?? 0, 1);
      dropped++;
    }
    return dropped;
  };

  return {
    push(m) {
      let dropped = 0;
      // A replaced document is superseded, not lost: it is not counted as dropped.
      if (m.cls === "state") items = items.filter((x) => !(x.cls === "state" && x.topic === m.topic));
      dropped += makeRoom();
      items.push(m);
      return dropped;
    },
    unshift(m) {
      if (m.cls === "state") items = items.filter((x) => !(x.cls === "state" && x.topic === m.topic));
      const dropped = makeRoom();
      items.unshift(m);
      return dropped;
    },
    shift(now) {
      let expired = 0;
      for (;;) {
        const m = items.shift();
        if (!m) return { message: null, expired };
        if (m.expiresAt !== undefined && m.expiresAt <= now) {
          expired++;
          continue;
        }
        return { message: m, expired };
      }
    },
    size: () => items.length,
  };
}
