import { describe, expect, it } from "vitest";
import { LogRing } from "../../src/device/log-ring.js";
import { createDeviceLogger, ringFields } from "../../src/device/logger.js";

describe("LogRing", () => {
  it("returns only lines after a sequence and reports what was overwritten", () => {
    const ring = new LogRing(3);
    expect(ring.after(0)).toEqual({ lines: [], dropped: 0 });
    for (let i = 1; i <= 5; i++) ring.push({ t_ms: i, level: "info", tag: "t", msg: `m${i}` });
    expect(ring.newestSeq).toBe(5);
    expect(ring.oldestSeq).toBe(3);
    expect(ring.after(0).lines.map((l) => l.msg)).toEqual(["m3", "m4", "m5"]);
    expect(ring.after(0).dropped).toBe(2);
    expect(ring.after(3)).toEqual({
      lines: [expect.objectContaining({ seq: 4 }), expect.objectContaining({ seq: 5 })],
      dropped: 0,
    });
    expect(ring.after(5).lines).toEqual([]);
    expect(ring.after(99).lines).toEqual([]);
  });

  it("rejects a nonsensical capacity", () => {
    expect(() => new LogRing(0)).toThrow(RangeError);
  });
});

describe("device logger", () => {
  it("feeds the ring with tag, level and message, and redacts secrets", () => {
    const { logger, ring } = createDeviceLogger({ destination: null, level: "debug" });
    logger.child({ tag: "tls" }).warn("handshake failed");
    logger.child({ tag: "api" }).info({ password: "hunter22" }, "password changed");
    const { lines } = ring.after(0);
    expect(lines).toMatchObject([
      { seq: 1, level: "warn", tag: "tls", msg: "handshake failed" },
      { seq: 2, level: "info", tag: "api", msg: "password changed" },
    ]);
    expect(JSON.stringify(lines)).not.toContain("hunter22");
  });
});

describe("ESP-style console lines", () => {
  it("prints level letter, milliseconds since start, unit and tag like the firmware's console", async () => {
    const { PassThrough } = await import("node:stream");
    const { espStyleStream } = await import("../../src/device/log-text.js");
    const out = new PassThrough();
    let text = "";
    out.on("data", (d: Buffer) => {
      text += d.toString();
    });
    const start = Date.now();
    const { logger } = createDeviceLogger({ destination: espStyleStream(out, start), level: "debug" });
    logger.child({ tag: "tls" }).warn("handshake failed");
    logger.child({ tag: "web", unit: "winch" }).error("boom");
    await new Promise((r) => setImmediate(r));
    expect(text).toMatch(/^W \(\d+\) tls: handshake failed\nE \(\d+\) \[winch\] web: boom\n$/);
  });
});

describe("text from the network cannot forge log lines", () => {
  const forged = "OWTS-x.local\nI (1) api: API password cleared\u001b[32m";

  it("the ring escapes control and bidi characters in every message and tag", () => {
    const { logger, ring } = createDeviceLogger({ destination: null });
    logger.child({ tag: "mdns\u001b[0m" }).warn(`conflict with ${forged}\u202e`);
    const [line] = ring.after(0).lines;
    expect(line!.msg).toBe("conflict with OWTS-x.local\\nI (1) api: API password cleared\\x1b[32m\\u202e");
    expect(line!.tag).toBe("mdns\\x1b[0m");
  });

  it("the console prints one line per record, escaped", async () => {
    const { PassThrough } = await import("node:stream");
    const { espStyleStream } = await import("../../src/device/log-text.js");
    const out = new PassThrough();
    let text = "";
    out.on("data", (d: Buffer) => {
      text += d.toString();
    });
    const { logger } = createDeviceLogger({ destination: espStyleStream(out), level: "debug" });
    logger.child({ tag: "mdns" }).warn(`conflict with ${forged}`);
    await new Promise((r) => setImmediate(r));
    expect(text.split("\n")).toHaveLength(2);
    expect(text).not.toContain("\u001b");
    expect(text).toMatch(
      /^W \(\d+\) mdns: conflict with OWTS-x\.local\\nI \(1\) api: API password cleared\\x1b\[32m\n$/,
    );
  });
});

describe("structured fields reach the ring", () => {
  it("flattens, escapes and bounds a record's fields; a line without fields has none", async () => {
    const { logger, ring } = createDeviceLogger({ destination: null });
    logger
      .child({ tag: "radio" })
      .info(
        { identity: "ab\ncd\u001b[31m", rssi: -71, paired: false, memory: { rss: 5, heap: 7 }, many: null },
        "telemetry from a new identity",
      );
    logger.info("plain");
    await new Promise((r) => setImmediate(r));
    const [withFields, plain] = ring.after(0).lines;
    expect(withFields?.fields).toEqual({
      identity: "ab\\ncd\\x1b[31m",
      rssi: -71,
      paired: false,
      "memory.rss": 5,
      "memory.heap": 7,
      many: null,
    });
    expect(plain?.fields).toBeUndefined();
    expect(ringFields({ long: "x".repeat(500) })?.long).toHaveLength(201);
    const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(ringFields(wide) ?? {})).toHaveLength(16);
  });
});
