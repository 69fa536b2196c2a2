import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createConflictLog } from "../../src/mdns/conflict-log.js";
import type { MdnsConflict } from "../../src/mdns/responder.js";

function captureLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

const conflict = (i: number): MdnsConflict => ({
  name: "OWTS-winch-3A4F1C.local",
  type: "A",
  theirs: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  ours: ["127.0.0.1"],
});

const settle = () => new Promise((r) => setImmediate(r));

describe("mDNS conflict log", () => {
  it("warns about a real conflict at once, once per distinct record", async () => {
    const { logger, lines } = captureLogger();
    const log = createConflictLog({ logger, now: () => 0 });
    log.note([conflict(1)], "192.0.2.7");
    log.note([conflict(1)], "192.0.2.7");
    await settle();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toContain('also claims "OWTS-winch-3A4F1C.local" (A "10.0.0.1"');
    expect(log.conflicts()).toEqual([conflict(1)]);
    expect(log.total()).toBe(2);
  });

  it("a flood of distinct conflicts costs bounded memory and a few lines a minute", async () => {
    const { logger, lines } = captureLogger();
    let t = 0;
    const log = createConflictLog({ logger, now: () => t, keep: 32, warnPerWindow: 4, windowMs: 60_000 });
    // 200k packets over 5 simulated minutes, each with a record never seen before.
    for (let i = 0; i < 200_000; i++) {
      t = (i / 200_000) * 300_000;
      log.note([conflict(i)], `192.0.2.${i % 250}`);
    }
    log.flush();
    await settle();
    expect(log.total()).toBe(200_000);
    expect(log.conflicts()).toHaveLength(32);
    expect(log.conflicts().at(-1)).toEqual(conflict(199_999));
    // 5 windows: 4 warnings + 1 summary each.
    expect(lines.length).toBeLessThanOrEqual(5 * 5);
    expect(lines.filter((l) => /more conflicting record/.test(l.msg)).length).toBe(5);
    expect(lines.at(-1)!.msg).toMatch(/^mDNS: \d+ more conflicting record\(s\) from 16\+ host\(s\)/);
  });

  it("a record carrying newlines and escape sequences is quoted and escaped, never a line of its own", async () => {
    const { logger, lines } = captureLogger();
    const log = createConflictLog({ logger, now: () => 0 });
    log.note(
      [
        {
          name: "x\nI (1) api: API password cleared\u001b[0m",
          type: "TXT",
          theirs: "\u001b[31mred",
          ours: [],
        },
      ],
      "192.0.2.9",
    );
    await settle();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).not.toContain("\n");
    expect(lines[0]!.msg).not.toContain("\u001b");
    expect(lines[0]!.msg).toContain('"x\\nI (1) api: API password cleared\\x1b[0m"');
  });
});
