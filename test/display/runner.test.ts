import { EventEmitter } from "node:events";
import { Value } from "typebox/value";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import type { DisplayContent } from "../../src/display/content.js";
import { oledSink } from "../../src/display/oled-sink.js";
import { createDisplayRunner } from "../../src/display/runner.js";
import type { DisplaySink } from "../../src/display/sink.js";
import { createOled } from "../../src/display/ssd1306.js";
import { DisplaysStatusSchema } from "../../src/display/status-schema.js";
import { TEST_PATTERN, TEST_STEP_MS } from "../../src/display/strip-layout.js";
import { stripSink } from "../../src/display/strip-sink.js";
import { ttySink } from "../../src/display/tty.js";
import { live, NO_SIGNAL, STALE } from "./screens.js";
import { Ssd1306Model } from "./ssd1306-model.js";
import { Ws2812StripModel } from "./ws2812-model.js";

/** Lets the promise chains of one tick (open → show) run to the end. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

class Out extends EventEmitter {
  text = "";
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

function rig(contentRef: { c: DisplayContent }) {
  const clock = new ManualClock(0);
  const { logger, ring } = createDeviceLogger({ destination: null });
  const chip = new Ssd1306Model();
  const strip = new Ws2812StripModel(8);
  const out = new Out();
  let stripOpens = 0;
  const sinks = [
    oledSink(createOled({ openBus: async () => chip.reopen() })),
    stripSink({
      leds: 8,
      openWriter: async () => {
        stripOpens++;
        strip.closed = false;
        return strip;
      },
    }),
    ttySink({ openOut: async () => out }),
  ];
  const runner = createDisplayRunner({ sinks, content: () => contentRef.c, clock, retryMs: 1000, logger });
  return { clock, chip, strip, out, runner, ring, stripOpens: () => stripOpens };
}

describe("display runner", () => {
  it("drives the OLED, the strip and the console at once from one content", async () => {
    const ref: { c: DisplayContent } = { c: live(104, "inside") };
    const { clock, chip, strip, out, runner } = rig(ref);
    runner.start();
    for (let t = 0; t < TEST_PATTERN.length * TEST_STEP_MS + 200; t += 100) {
      await flush();
      clock.advance(100);
    }
    await flush();
    await runner.settled();
    expect(runner.status().map((s) => [s.name, s.state])).toEqual([
      ["oled", "ok"],
      ["ws2812", "ok"],
      ["tty", "ok"],
    ]);
    expect(chip.panel().some((p) => p === 1)).toBe(true);
    expect(strip.led(0)).toEqual([0, 20, 14]); // (0, 158, 115) at half of the default cap 64 of 255
    expect(out.text).toMatch(/D-1234/);
    ref.c = NO_SIGNAL;
    clock.advance(100);
    await flush();
    await runner.settled();
    expect(strip.shown.every((v) => v === 0)).toBe(true);
    expect(out.text).toMatch(/owts-winch\.local/);
    await runner.stop();
    expect(chip.state.on).toBe(false);
  });

  it("updates at most 10 times a second, and the OLED bus is quiet while nothing changes", async () => {
    const ref: { c: DisplayContent } = { c: live(104, "inside", false) };
    const { clock, chip, runner } = rig(ref);
    let shows = 0;
    const counting: DisplaySink = {
      name: "tty",
      open: async () => {},
      show: async () => void shows++,
      close: async () => {},
    };
    const r = createDisplayRunner({ sinks: [counting], content: () => ref.c, clock });
    r.start();
    runner.start();
    for (let i = 0; i < 100; i++) {
      clock.advance(10);
      await flush();
    }
    expect(shows).toBeLessThanOrEqual(11);
    expect(shows).toBeGreaterThanOrEqual(10);
    chip.resetCounters();
    for (let i = 0; i < 20; i++) {
      clock.advance(100);
      await flush();
    }
    expect(chip.writes).toHaveLength(0);
    await r.stop();
    await runner.stop();
    expect(() => createDisplayRunner({ sinks: [], content: () => ref.c, clock, maxHz: 20 })).toThrow(
      RangeError,
    );
  });

  it("a display that vanishes is reported, retried, and comes back; the others carry on", async () => {
    const ref: { c: DisplayContent } = { c: live(104, "inside") };
    const { clock, chip, out, runner, ring } = rig(ref);
    runner.start();
    await flush();
    clock.advance(100);
    await flush();
    chip.fail = "Remote I/O error";
    ref.c = live(110, "inside");
    clock.advance(100);
    await flush();
    await runner.settled();
    const oled = () => runner.status().find((s) => s.name === "oled")!;
    expect(oled()).toMatchObject({ state: "error", reason: "Remote I/O error", errors: 1 });
    // What /api/status serves: valid against the one schema for it.
    expect(Value.Errors(DisplaysStatusSchema, runner.status())).toEqual([]);
    // While it is down: no retry before retryMs, the console still gets every change.
    ref.c = live(120, "inside");
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      await flush();
    }
    expect(oled().errors).toBe(1);
    expect(out.text).toMatch(/█/);
    expect(runner.status().find((s) => s.name === "tty")!.state).toBe("ok");
    clock.advance(600);
    await flush();
    await runner.settled();
    expect(oled().errors).toBe(2); // retried once, failed again
    chip.fail = null;
    clock.advance(1100);
    await flush();
    await runner.settled();
    clock.advance(100);
    await flush();
    await runner.settled();
    expect(oled().state).toBe("ok");
    expect(ring.after(0).lines.some((l) => /oled display failed: Remote I\/O error/.test(l.msg))).toBe(true);
    expect(ring.after(0).lines.filter((l) => /oled display failed/.test(l.msg))).toHaveLength(1);
    await runner.stop();
  });

  it("a display that hangs is skipped, never waited for", async () => {
    const ref: { c: DisplayContent } = { c: STALE };
    const clock = new ManualClock(0);
    let hungShows = 0;
    let otherShows = 0;
    const hung: DisplaySink = {
      name: "oled",
      open: async () => {},
      show: () => {
        hungShows++;
        return new Promise<void>(() => {});
      },
      close: async () => {},
    };
    const other: DisplaySink = {
      name: "tty",
      open: async () => {},
      show: async () => void otherShows++,
      close: async () => {},
    };
    const runner = createDisplayRunner({ sinks: [hung, other], content: () => ref.c, clock });
    runner.start();
    await flush();
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      await flush();
    }
    expect(hungShows).toBe(1);
    expect(otherShows).toBe(11);
  });

  it("a content function that throws is logged and the loop keeps running", async () => {
    const clock = new ManualClock(0);
    const { logger, ring } = createDeviceLogger({ destination: null });
    let calls = 0;
    const runner = createDisplayRunner({
      sinks: [{ name: "tty", open: async () => {}, show: async () => {}, close: async () => {} }],
      content: () => {
        calls++;
        throw new Error("boom");
      },
      clock,
      logger,
    });
    runner.start();
    clock.advance(300);
    expect(calls).toBe(4);
    expect(ring.after(0).lines.some((l) => /display content failed: boom/.test(l.msg))).toBe(true);
    await runner.stop();
  });
});
