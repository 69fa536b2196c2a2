import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { createMessageQueue, type OutMessage } from "../../src/mqtt/queue.js";
import { createThrottle } from "../../src/mqtt/throttle.js";

const msg = (cls: OutMessage["cls"], topic: string, payload = topic, expiresAt?: number): OutMessage => ({
  topic,
  payload,
  qos: cls === "launch" ? 1 : 0,
  retain: cls !== "live",
  cls,
  ...(expiresAt !== undefined ? { expiresAt } : {}),
});

describe("MQTT queue", () => {
  it("drops the oldest live reading first, then state, and keeps launches while anything else can go", () => {
    const q = createMessageQueue(3);
    expect(q.push(msg("launch", "l", "L1"))).toBe(0);
    expect(q.push(msg("live", "w", "W1"))).toBe(0);
    expect(q.push(msg("state", "d", "D1"))).toBe(0);
    expect(q.push(msg("live", "w", "W2"))).toBe(1); // W1 goes
    expect(q.push(msg("launch", "l", "L2"))).toBe(1); // W2 goes
    expect(q.push(msg("launch", "l", "L3"))).toBe(1); // D1 goes
    const out = [q.shift(0).message?.payload, q.shift(0).message?.payload, q.shift(0).message?.payload];
    expect(out).toEqual(["L1", "L2", "L3"]);
    expect(q.shift(0).message).toBeNull();
  });

  it("keeps only the newest state document per topic, and skips expired readings", () => {
    const q = createMessageQueue(10);
    q.push(msg("state", "d", "D1"));
    q.push(msg("live", "w", "W1", 100));
    q.push(msg("state", "d", "D2"));
    q.push(msg("live", "w", "W2", 300));
    expect(q.size()).toBe(3);
    expect(q.shift(50)).toEqual({ message: expect.objectContaining({ payload: "W1" }), expired: 0 });
    expect(q.shift(350)).toEqual({ message: expect.objectContaining({ payload: "D2" }), expired: 0 });
    expect(q.shift(350)).toEqual({ message: null, expired: 1 }); // W2 ran out at 300
  });
});

describe("MQTT throttle", () => {
  it("sends the first change at once and at most one per interval after, reading the newest", () => {
    const clock = new ManualClock(0);
    const sent: number[] = [];
    const t = createThrottle(() => sent.push(clock.now()), clock, 200);
    for (let i = 0; i < 50; i++) {
      t.poke();
      clock.advance(20);
    }
    clock.advance(400);
    expect(sent[0]).toBe(0);
    expect(sent).toHaveLength(6); // 0, 200, 400, 600, 800 and the trailing one at 1000
    for (let i = 1; i < sent.length; i++)
      expect((sent[i] ?? 0) - (sent[i - 1] ?? 0)).toBeGreaterThanOrEqual(200);
    t.poke();
    t.cancel();
    clock.advance(1000);
    expect(sent).toHaveLength(7);
  });
});
