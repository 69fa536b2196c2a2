import { describe, expect, it } from "vitest";
import { FailureBackoff } from "../../src/api/auth-backoff.js";

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("FailureBackoff", () => {
  it("lets 4 failures pass, blocks on the 5th and doubles each further block up to the cap", () => {
    const c = clock();
    const b = new FailureBackoff({ now: c.now, baseDelayMs: 1_000, maxDelayMs: 8_000 });
    for (let i = 0; i < 4; i++) expect(b.recordFailure("a")).toBe(0);
    expect(b.blockedFor("a")).toBe(0);
    expect(b.recordFailure("a")).toBe(1_000);
    expect(b.blockedFor("a")).toBe(1_000);
    c.advance(400);
    expect(b.blockedFor("a")).toBe(600);
    c.advance(600);
    expect(b.blockedFor("a")).toBe(0);
    const delays = [];
    for (let i = 0; i < 5; i++) {
      delays.push(b.recordFailure("a"));
      c.advance(delays.at(-1) ?? 0);
    }
    expect(delays).toEqual([2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it("keeps clients apart and forgets a client after a success", () => {
    const c = clock();
    const b = new FailureBackoff({ now: c.now, freeFailures: 2 });
    b.recordFailure("a");
    b.recordFailure("a");
    expect(b.blockedFor("a")).toBeGreaterThan(0);
    expect(b.blockedFor("b")).toBe(0);
    b.recordFailure("b");
    b.recordSuccess("b");
    expect(b.failures("b")).toBe(0);
    expect(b.recordFailure("b")).toBe(0); // a fresh start, not the second failure
  });

  it("forgets a quiet client after forgetAfterMs, but never while it is blocked", () => {
    const c = clock();
    const b = new FailureBackoff({
      now: c.now,
      freeFailures: 1,
      baseDelayMs: 10_000,
      maxDelayMs: 10_000,
      forgetAfterMs: 5_000,
    });
    b.recordFailure("a");
    c.advance(6_000);
    expect(b.blockedFor("a")).toBe(4_000);
    expect(b.failures("a")).toBe(1);
    c.advance(4_000);
    expect(b.failures("a")).toBe(0);
  });

  it("holds at most maxClients, dropping the least recently failing", () => {
    const b = new FailureBackoff({ now: clock().now, maxClients: 3 });
    for (const ip of ["a", "b", "c"]) b.recordFailure(ip);
    b.recordFailure("a"); // a is now the most recent
    b.recordFailure("d");
    expect(b.size).toBe(3);
    expect(b.failures("b")).toBe(0);
    expect(b.failures("a")).toBe(2);
    for (let i = 0; i < 10_000; i++) b.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(b.size).toBe(3);
  });

  it("rejects nonsense options", () => {
    expect(() => new FailureBackoff({ freeFailures: 0 })).toThrow(RangeError);
    expect(() => new FailureBackoff({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
    expect(() => new FailureBackoff({ maxClients: 0 })).toThrow(RangeError);
  });
});
