import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { MemoryMonitor, type MemoryReading, readProcessMemory } from "../../src/device/memory.js";

const MiB = 1024 * 1024;

function scripted(readings: MemoryReading[]): () => MemoryReading {
  let i = 0;
  return () => readings[Math.min(i++, readings.length - 1)]!;
}

const r = (heap_free: number, rss: number): MemoryReading => ({
  heap_free,
  rss,
  heap_used: 10 * MiB,
  heap_limit: 100 * MiB,
});

describe("MemoryMonitor", () => {
  it("reads plausible figures from V8 and the process", () => {
    const m = readProcessMemory();
    expect(m.heap_used).toBeGreaterThan(0);
    expect(m.heap_limit).toBeGreaterThan(m.heap_used);
    expect(m.heap_free).toBeGreaterThan(0);
    expect(m.heap_free).toBeLessThanOrEqual(m.heap_limit);
    expect(m.rss).toBeGreaterThan(m.heap_used / 2);
  });

  it("keeps the minimum free heap and the maximum RSS seen since start", () => {
    const { logger } = createDeviceLogger({ destination: null });
    const mon = new MemoryMonitor({
      logger,
      read: scripted([r(50 * MiB, 70 * MiB), r(30 * MiB, 90 * MiB), r(45 * MiB, 80 * MiB)]),
    });
    expect(mon.snapshot()).toMatchObject({ heap_free: 50 * MiB, heap_free_min: 50 * MiB, rss_max: 70 * MiB });
    expect(mon.sample()).toMatchObject({ heap_free: 30 * MiB, heap_free_min: 30 * MiB, rss: 90 * MiB });
    expect(mon.sample()).toMatchObject({ heap_free: 45 * MiB, heap_free_min: 30 * MiB, rss_max: 90 * MiB });
    // snapshot() does not take a new reading.
    expect(mon.snapshot()).toMatchObject({ heap_free: 45 * MiB, heap_free_min: 30 * MiB });
  });

  it("the real minimum drops when the heap fills and stays down after it is freed", () => {
    const { logger } = createDeviceLogger({ destination: null });
    const mon = new MemoryMonitor({ logger });
    const before = mon.sample();
    let ballast: number[][] | undefined = Array.from({ length: 400 }, () => new Array(20_000).fill(1.5));
    const during = mon.sample();
    expect(ballast.length).toBe(400);
    expect(during.heap_used).toBeGreaterThan(before.heap_used + 20 * MiB);
    expect(during.heap_free_min).toBeLessThan(before.heap_free - 20 * MiB);
    ballast = undefined;
    const after = mon.sample();
    expect(after.heap_free_min).toBeLessThanOrEqual(during.heap_free_min);
    expect(ballast).toBeUndefined();
  });

  it("logs a plain line on demand, with the reason and the figures", () => {
    const { logger, ring } = createDeviceLogger({ destination: null });
    const mon = new MemoryMonitor({ logger, read: scripted([r(50 * MiB, 70 * MiB), r(20 * MiB, 80 * MiB)]) });
    const s = mon.logNow("TLS out of resources");
    expect(s.heap_free_min).toBe(20 * MiB);
    const lines = ring.after(0).lines;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ tag: "memory", level: "info" });
    expect(lines[0]?.msg).toBe(
      "memory (TLS out of resources): heap free 20.0 MiB, minimum free since start 20.0 MiB, heap used 10.0 MiB of 100.0 MiB, RSS 80.0 MiB",
    );
  });

  it("logs periodically once started, and not after stop", async () => {
    const { logger, ring } = createDeviceLogger({ destination: null });
    const mon = new MemoryMonitor({ logger, logIntervalMs: 20, sampleIntervalMs: 5 });
    expect(mon.start()).toBe(mon.start());
    const until = Date.now() + 10_000;
    while (ring.after(0).lines.length < 2 && Date.now() < until) await sleep(10);
    expect(ring.after(0).lines.length).toBeGreaterThanOrEqual(2);
    expect(ring.after(0).lines.every((l) => l.msg.startsWith("memory (periodic): heap free "))).toBe(true);
    mon.stop();
    const n = ring.newestSeq;
    await sleep(100);
    expect(ring.newestSeq).toBe(n);
  });

  it("rejects bad intervals", () => {
    const { logger } = createDeviceLogger({ destination: null });
    expect(() => new MemoryMonitor({ logger, logIntervalMs: -1 })).toThrow(/logIntervalMs/);
    expect(() => new MemoryMonitor({ logger, sampleIntervalMs: Number.NaN })).toThrow(/sampleIntervalMs/);
  });
});
