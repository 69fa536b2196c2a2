import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { createLiveFeed } from "../../src/core/live-feed.js";

/** A document whose tag is its version; `signal()` is the domain's event, `quiet()` a change without one. */
function rig() {
  const clock = new ManualClock();
  let version = 1;
  let listeners = 0;
  let notify: (() => void) | null = null;
  const feed = createLiveFeed({
    read: () => ({ doc: { version }, etag: `v${version}` }),
    signals(n) {
      listeners++;
      notify = n;
      return () => {
        listeners--;
        notify = null;
      };
    },
    recheckMs: 250,
    clock,
  });
  return {
    clock,
    feed,
    attached: () => listeners,
    change: () => {
      version++;
      notify?.();
    },
    signalOnly: () => notify?.(),
    quiet: () => {
      version++;
    },
  };
}

const microtasks = () => new Promise<void>((r) => setTimeout(r, 0));

describe("createLiveFeed", () => {
  it("calls listeners once per change of the tag, coalescing a burst, and never for a signal that changes nothing", async () => {
    const r = rig();
    const seen: string[] = [];
    const off = r.feed.onChange(() => seen.push(r.feed.current().etag));
    r.change();
    r.change();
    r.change();
    await microtasks();
    expect(seen).toEqual(["v4"]);
    r.signalOnly();
    await microtasks();
    expect(seen).toEqual(["v4"]);
    off();
  });

  it("notices a change no signal announced at the next recheck", async () => {
    const r = rig();
    const seen: string[] = [];
    r.feed.onChange(() => seen.push(r.feed.etag()));
    r.quiet();
    await microtasks();
    expect(seen).toEqual([]);
    r.clock.advance(250);
    await microtasks();
    expect(seen).toEqual(["v2"]);
  });

  it("listens to the domain only while someone listens to it", async () => {
    const r = rig();
    expect(r.attached()).toBe(0);
    expect(r.clock.pending()).toBe(0);
    const a = r.feed.onChange(() => {});
    const b = r.feed.onChange(() => {});
    expect(r.attached()).toBe(1);
    a();
    a();
    expect(r.attached()).toBe(1);
    b();
    expect(r.attached()).toBe(0);
    expect(r.clock.pending()).toBe(0);
  });

  it("a listener that throws does not keep the others from the change", async () => {
    const r = rig();
    const seen: number[] = [];
    r.feed.onChange(() => {
      throw new Error("socket gone");
    });
    r.feed.onChange(() => seen.push(1));
    r.change();
    await microtasks();
    expect(seen).toEqual([1]);
  });

  it("ends once: end listeners run, change listeners are dropped, late listeners hear the end at once", async () => {
    const r = rig();
    const events: string[] = [];
    r.feed.onChange(() => events.push("change"));
    r.feed.onEnd(() => events.push("end"));
    const forgotten = r.feed.onEnd(() => events.push("forgotten"));
    forgotten();
    r.feed.end();
    r.feed.end();
    expect(r.feed.ended).toBe(true);
    expect(r.attached()).toBe(0);
    expect(r.clock.pending()).toBe(0);
    r.change();
    await microtasks();
    expect(events).toEqual(["end"]);
    r.feed.onEnd(() => events.push("late"));
    expect(events).toEqual(["end", "late"]);
    // The document itself is still readable (a request that pinned this runtime finishes with it).
    expect(r.feed.current().etag).toBe("v2");
  });
});
