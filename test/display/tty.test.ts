import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { bigText, ENTER, LEAVE, type TextOut, ttySink } from "../../src/display/tty.js";
import { aircraft, live, NO_SIGNAL, SCREENS, STALE } from "./screens.js";

/**
 * A terminal as far as the console view uses one (ECMA-48): cursor position (CSI r;c H), erase to
 * end of line (CSI K), erase display (CSI 2 J), SGR attributes (ignored), private modes (alternate
 * screen, cursor visibility: recorded). Text overwrites cells from the cursor.
 */
const ESC_CHAR = "\x1b";

class TerminalModel extends EventEmitter implements TextOut {
  screen: string[][] = [];
  row = 0;
  col = 0;
  modes = new Map<string, boolean>();
  bytes = 0;
  writes: string[] = [];
  /** What write() answers: false models a console that cannot keep up. */
  accept = true;

  write(chunk: string): boolean {
    this.writes.push(chunk);
    this.bytes += chunk.length;
    const re = new RegExp(`${ESC_CHAR}\\[([?\\d;]*)([A-Za-z])`, "y");
    let i = 0;
    while (i < chunk.length) {
      if (chunk[i] === "\x1b") {
        re.lastIndex = i;
        const m = re.exec(chunk);
        if (!m) throw new Error(`unparsed escape at ${JSON.stringify(chunk.slice(i, i + 8))}`);
        this.control(m[1]!, m[2]!);
        i = re.lastIndex;
        continue;
      }
      this.screen[this.row] ??= [];
      this.screen[this.row]![this.col++] = chunk[i]!;
      i++;
    }
    return this.accept;
  }

  private control(params: string, op: string): void {
    if (params.startsWith("?")) {
      this.modes.set(params.slice(1), op === "h");
    } else if (op === "H") {
      const [r, c] = params.split(";").map(Number);
      this.row = (r ?? 1) - 1;
      this.col = (c ?? 1) - 1;
    } else if (op === "K") {
      const line = this.screen[this.row];
      if (line) line.length = this.col;
    } else if (op === "J" && params === "2") {
      this.screen = [];
    } else if (op !== "m") throw new Error(`unexpected control ${params}${op}`);
  }

  lines(): string[] {
    const out = Array.from(this.screen, (l) => Array.from(l ?? [], (c) => c ?? " ").join(""));
    while (out.length && out[out.length - 1] === "") out.pop();
    return out;
  }

  text(): string {
    return this.lines().join("\n");
  }
}

async function rig() {
  const term = new TerminalModel();
  const sink = ttySink({ openOut: async () => term });
  await sink.open();
  return { term, sink };
}

describe("console view", () => {
  it("takes the alternate screen with the cursor hidden, and gives both back on close", async () => {
    const { term, sink } = await rig();
    expect(term.writes[0]).toBe(ENTER);
    expect(term.modes.get("1049")).toBe(true);
    expect(term.modes.get("25")).toBe(false);
    await sink.close();
    expect(term.writes.at(-1)).toBe(LEAVE);
    expect(term.modes.get("1049")).toBe(false);
    expect(term.modes.get("25")).toBe(true);
  });

  it("live: the IAS in seven-line block digits with the unit, the zone as shape and big words, registration, RSSI", async () => {
    const { term, sink } = await rig();
    await sink.show(live(104, "inside"), 0);
    const text = term.text();
    for (const row of bigText("104", "██")) expect(text).toContain(row);
    for (const row of bigText("IN BAND").filter((r) => r.trim())) expect(text).toContain(row);
    expect(text).toMatch(/km\/h/);
    expect(text).toMatch(/D-1234/);
    expect(text).toMatch(/RSSI -87 dBm/);
    expect(text).toMatch(/● RX/);
    await sink.show(live(82, "below", false), 100);
    expect(term.text()).toContain(bigText("TOO SLOW")[0]);
    expect(term.text()).not.toMatch(/● RX/);
    expect(term.text()).not.toContain(bigText("IN BAND")[3]);
  });

  it("stale and no signal show no big digits; stale names the last value as not current", async () => {
    const { term, sink } = await rig();
    await sink.show(live(104, "inside"), 0);
    await sink.show(STALE, 100);
    const stale = term.text();
    // Every trace of the big "104" is gone once the line is redrawn.
    for (const row of bigText("104", "██").filter((r) => r.trim())) expect(stale).not.toContain(row);
    expect(stale).toContain(bigText("STALE")[0]);
    expect(stale).toMatch(/SIGNAL LOST 3 s ago/);
    expect(stale).toMatch(/last 104 km\/h — not current/);
    await sink.show(NO_SIGNAL, 200);
    const lost = term.text();
    expect(lost).toContain(bigText("NO SIGNAL")[0]);
    expect(lost).not.toMatch(/104/);
    expect(lost).toMatch(/owts-winch\.local/);
    expect(lost).toMatch(/192\.168\.4\.1/);
  });

  it("aircraft phases, transmit state and hold seconds; start screen with host, address, fingerprint", async () => {
    const { term, sink } = await rig();
    await sink.show(aircraft({ phase: "landing_hold", ias: 58, landing_hold_s: 12 }), 0);
    expect(term.text()).toContain(bigText("HOLD 12/30")[0]);
    expect(term.text()).toMatch(/LANDING HOLD {3}TX SENDING/);
    await sink.show(SCREENS["aircraft-landed"], 100);
    expect(term.text()).toContain(bigText("LANDED")[0]);
    expect(term.text()).toMatch(/TX IDLE/);
    await sink.show(SCREENS["aircraft-sensor-fault"], 200);
    expect(term.text()).toContain(bigText("NO IAS")[0]);
    expect(term.text()).toMatch(/sensor: fault/);
    await sink.show(SCREENS.start, 300);
    expect(term.text()).toMatch(/owts-winch\.local/);
    expect(term.text()).toMatch(/SHA-256 3F:A2:9C:01:7E:D4…/);
  });

  it("redraws in place: the same content writes nothing, a new speed rewrites only the digit lines", async () => {
    const { term, sink } = await rig();
    await sink.show(live(104, "inside", false), 0);
    const n = term.writes.length;
    await sink.show(live(104, "inside", false), 100);
    expect(term.writes.length).toBe(n);
    await sink.show(live(105, "inside", false), 200);
    const update = term.writes.at(-1)!;
    const moved = update.match(new RegExp(`${ESC_CHAR}\\[\\d+;1H`, "g")) ?? [];
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThanOrEqual(7);
    expect(update).not.toContain("\x1b[2J");
  });

  it("never waits for a slow console: frames are skipped until it drains", async () => {
    const { term, sink } = await rig();
    term.accept = false;
    await sink.show(live(104, "inside"), 0);
    const n = term.writes.length;
    await sink.show(live(110, "inside"), 100);
    await sink.show(live(120, "inside"), 200);
    expect(term.writes.length).toBe(n);
    term.accept = true;
    term.emit("drain");
    await sink.show(live(120, "inside"), 300);
    expect(term.text()).toContain(bigText("120", "██")[0]);
  });

  it("a console that errors makes the next update fail (reported by the runner)", async () => {
    const { term, sink } = await rig();
    term.emit("error", new Error("EIO: i/o error, write"));
    await expect(sink.show(live(104, "inside"), 0)).rejects.toThrow(/EIO/);
  });
});
