import { contentKey, type DisplayContent, PHASE_LABEL, TX_LABEL, UNIT_LABEL, ZONE_LABEL } from "./content.js";
import { GLYPH_H, GLYPH_W, glyphPixel } from "./font.js";
import type { DisplaySink } from "./sink.js";

/**
 * The same content on a text console (an HDMI screen on the board's console, or a terminal): the
 * alternate screen, cursor hidden, and only the lines that changed rewritten in place. Speeds and
 * words are drawn with the OLED's 5×7 font in block characters, seven lines high, so they read
 * from across a winch cabin. Only the 8 basic ANSI colours are used: the Linux console has no more.
 */

const ESC = "\x1b[";
export const ENTER = `${ESC}?1049h${ESC}?25l${ESC}2J`;
export const LEAVE = `${ESC}0m${ESC}?25h${ESC}?1049l`;
const RESET = `${ESC}0m`;
const BOLD = `${ESC}1m`;
const REVERSE = `${ESC}7m`;
const FG = { blue: `${ESC}34m`, green: `${ESC}32m`, yellow: `${ESC}33m`, white: `${ESC}37m` } as const;
const ZONE_FG = { below: FG.blue, inside: FG.green, above: FG.yellow } as const;

/** `text` in the 5×7 font, one `pixel` string per lit dot; GLYPH_H lines. */
export function bigText(text: string, pixel = "█"): string[] {
  const blank = " ".repeat(pixel.length);
  const rows: string[] = [];
  for (let y = 0; y < GLYPH_H; y++) {
    let row = "";
    for (const ch of text) {
      for (let x = 0; x < GLYPH_W; x++) row += glyphPixel(ch, x, y) ? pixel : blank;
      row += blank;
    }
    rows.push(row.trimEnd());
  }
  return rows;
}

/** ▲ ● ▼ as seven-line pictures, matching the OLED's shapes. */
const SHAPES = {
  above: ["   █   ", "  ███  ", "  ███  ", " █████ ", " █████ ", "███████", "███████"],
  inside: ["  ███  ", " █████ ", "███████", "███████", "███████", " █████ ", "  ███  "],
  below: ["███████", "███████", " █████ ", " █████ ", "  ███  ", "  ███  ", "   █   "],
} as const;

function speedDigits(ias: number): string {
  return String(Math.min(999, Math.max(0, Math.round(ias)))).padStart(3, " ");
}

/** The screen as lines (with ANSI colour), without cursor movement. */
export function ttyLines(content: DisplayContent): string[] {
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  if (content.kind === "start") {
    push(`${BOLD} OWTS — ABOUT THIS UNIT${RESET}`, "");
    push(...bigText("OWTS"), "");
    push(` host         ${content.hostname}`);
    push(` address      ${content.address ?? "no address yet"}`);
    push(` certificate  SHA-256 ${content.fingerprint}…`);
    return lines;
  }
  if (content.kind === "aircraft") {
    const phase =
      content.phase === "landing_hold"
        ? `HOLD ${content.landing_hold_s}${content.landing_hold_total_s === null ? "S" : `/${content.landing_hold_total_s}`}`
        : PHASE_LABEL[content.phase];
    push(`${BOLD} OWTS AIRCRAFT   ${PHASE_LABEL[content.phase]}   ${TX_LABEL[content.tx]}${RESET}`, "");
    push(...bigText(phase), "");
    if (content.ias === null) {
      push(...bigText("NO IAS"), "", ` sensor: ${content.sensor}`);
    } else {
      const digits = bigText(speedDigits(content.ias), "██");
      digits[digits.length - 1] = `${digits[digits.length - 1]!.padEnd(36)}  ${UNIT_LABEL[content.unit]}`;
      push(...digits);
    }
    return lines;
  }
  if (content.link === "no_signal") {
    push(`${BOLD} OWTS WINCH${RESET}`, "");
    push(...bigText("NO SIGNAL").map((l) => `${REVERSE}${l}${RESET}`), "");
    push(" No telemetry from an aircraft. The speed appears here when frames arrive.", "");
    push(` host     ${content.hostname}`, ` address  ${content.address ?? "no address yet"}`);
    return lines;
  }
  if (content.link === "stale") {
    push(`${BOLD} OWTS WINCH   ${content.registration}${RESET}`, "");
    push(...bigText("STALE").map((l) => `${REVERSE}${l.padEnd(36)}${RESET}`), "");
    push(` SIGNAL LOST ${content.age_s} s ago`);
    push(` last ${Math.round(content.last_ias)} ${UNIT_LABEL[content.unit]} — not current`);
    return lines;
  }
  if (content.link === "held") {
    push(`${BOLD} OWTS WINCH   ${content.registration}${RESET}`, "");
    push(...bigText(content.reason === "released" ? "RELEASED" : "UNVERIFIED"), "");
    push(
      content.reason === "released"
        ? " launch complete: the glider is off the cable"
        : " this winch has no pairing: do not launch by this figure",
    );
    push(` heard ${Math.round(content.heard_ias)} ${UNIT_LABEL[content.unit]} — no zone`);
    return lines;
  }
  const rssi = content.rssi_dbm === null ? "" : `RSSI ${Math.round(content.rssi_dbm)} dBm`;
  push(
    `${BOLD} OWTS WINCH   ${content.registration}   ${rssi}   ${content.rx ? "● RX" : "  RX"}${RESET}`,
    "",
  );
  const digits = bigText(speedDigits(content.ias), "██");
  digits[digits.length - 1] = `${digits[digits.length - 1]!.padEnd(36)}  ${UNIT_LABEL[content.unit]}`;
  push(...digits, "");
  const words = bigText(ZONE_LABEL[content.zone]);
  const zc = ZONE_FG[content.zone];
  push(...SHAPES[content.zone].map((s, i) => `${zc}${BOLD}${s}  ${words[i]}${RESET}`));
  return lines;
}

/** A writable text stream (process.stdout, or a console opened with fs.createWriteStream). */
export interface TextOut {
  write(chunk: string): boolean;
  once(event: "drain", fn: () => void): unknown;
  on(event: "error", fn: (err: Error) => void): unknown;
}

export interface TtySinkOptions {
  openOut: () => Promise<TextOut>;
  /** Closes the stream after the screen is restored; @default leaves it open (stdout). */
  closeOut?: (out: TextOut) => Promise<void>;
}

export function ttySink(opts: TtySinkOptions): DisplaySink {
  let out: TextOut | undefined;
  let shown: string[] = [];
  let lastKey: string | null = null;
  let waitingDrain = false;
  let failure: Error | undefined;
  const send = (s: string) => {
    if (!out!.write(s)) {
      // The console is slow (or gone): skip frames until it drains rather than pile them up.
      waitingDrain = true;
      out!.once("drain", () => {
        waitingDrain = false;
      });
    }
  };
  return {
    name: "tty",
    async open() {
      if (out) return;
      failure = undefined;
      out = await opts.openOut();
      out.on("error", (err) => {
        failure = err;
      });
      shown = [];
      lastKey = null;
      waitingDrain = false;
      send(ENTER);
    },
    async show(content) {
      if (!out) throw new Error("console is not open");
      if (failure) throw failure;
      if (waitingDrain) return;
      const key = contentKey(content);
      if (key === lastKey) return;
      const lines = ttyLines(content);
      let s = "";
      const n = Math.max(lines.length, shown.length);
      for (let i = 0; i < n; i++) {
        const l = lines[i] ?? "";
        if (l === (shown[i] ?? "")) continue;
        s += `${ESC}${i + 1};1H${l}${RESET}${ESC}K`;
      }
      if (s) send(s);
      shown = lines;
      lastKey = key;
    },
    async close() {
      const o = out;
      out = undefined;
      if (!o) return;
      o.write(LEAVE);
      await opts.closeOut?.(o);
    },
  };
}
