import type { Zone } from "../winch/receiver.js";
import {
  type AircraftContent,
  type DisplayContent,
  type StartContent,
  TX_LABEL,
  UNIT_LABEL,
  type WinchContent,
  ZONE_LABEL,
} from "./content.js";
import {
  createCanvas,
  drawText,
  fillDisc,
  fillRect,
  fillTriangle,
  invertRect,
  type MonoCanvas,
  textWidth,
} from "./mono-canvas.js";

/**
 * Where everything goes on a 128×64 OLED. The IAS is drawn at four times the font size (20×28
 * pixels a digit), whole numbers only: the winch driver reads it from a metre away, and a tenth of
 * a km/h is noise at that distance.
 */

export const OLED_WIDTH = 128;
export const OLED_HEIGHT = 64;

const BIG = 4;
const SHAPE = 21;
const LINE_CHARS = Math.floor((OLED_WIDTH + 1) / 6);

export function renderOled(
  content: DisplayContent,
  canvas = createCanvas(OLED_WIDTH, OLED_HEIGHT),
): MonoCanvas {
  canvas.bytes.fill(0);
  if (content.kind === "start") drawStart(canvas, content);
  else if (content.kind === "winch") drawWinch(canvas, content);
  else drawAircraft(canvas, content);
  return canvas;
}

function centred(c: MonoCanvas, y: number, text: string, scale = 1): void {
  drawText(c, Math.max(0, Math.floor((c.width - textWidth(text, scale)) / 2)), y, text, scale);
}

function clip(text: string, chars = LINE_CHARS): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}*`;
}

/** Whole-number IAS, right-aligned in three digit cells so the digits do not jump as it changes. */
function bigSpeed(c: MonoCanvas, x: number, y: number, ias: number): void {
  const text = String(Math.min(999, Math.max(0, Math.round(ias)))).padStart(3, " ");
  drawText(c, x, y, text, BIG);
}

export function drawZoneShape(c: MonoCanvas, x: number, y: number, zone: Zone, size = SHAPE): void {
  if (zone === "inside") fillDisc(c, x, y, size);
  else fillTriangle(c, x, y, size, zone === "above");
}

function drawStart(c: MonoCanvas, s: StartContent): void {
  drawText(c, 0, 0, "OWTS", 2);
  drawText(c, 54, 7, "ABOUT");
  drawText(c, 0, 18, clip(s.hostname));
  drawText(c, 0, 29, clip(s.address ?? "NO ADDRESS YET"));
  drawText(c, 0, 43, "CERT SHA-256");
  drawText(c, 0, 54, clip(s.fingerprint));
}

function drawWinch(c: MonoCanvas, w: WinchContent): void {
  if (w.link === "no_signal") {
    centred(c, 4, "NO SIGNAL", 2);
    // Dashes where the speed would be: nothing on this screen is a reading.
    centred(c, 24, "- - -", 1);
    drawText(c, 0, 42, clip(w.hostname));
    drawText(c, 0, 54, clip(w.address ?? "NO ADDRESS YET"));
    return;
  }
  drawText(c, 0, 0, clip(w.registration, 12));
  if (w.link === "stale") {
    // Lit banner, dark letters: the one screen with a bright block, so it cannot pass for live.
    fillRect(c, 0, 10, OLED_WIDTH, 27);
    const t = "STALE";
    drawText(c, Math.floor((OLED_WIDTH - textWidth(t, 3)) / 2), 13, t, 3, false);
    const last = `LAST ${Math.round(w.last_ias)} ${UNIT_LABEL[w.unit]}`;
    drawText(c, 0, 42, last);
    fillRect(c, 0, 45, textWidth(last), 1); // struck through: history, not a reading
    drawText(c, 0, 54, `SIGNAL LOST ${w.age_s} S AGO`);
    return;
  }
  if (w.link === "held") {
    centred(c, 14, w.reason === "released" ? "RELEASED" : "UNVERIFIED", 2);
    drawText(c, 0, 38, `HEARD ${Math.round(w.heard_ias)} ${UNIT_LABEL[w.unit]}`);
    drawText(c, 0, 50, w.reason === "released" ? "LAUNCH COMPLETE" : "NOT PAIRED: NO ZONE");
    return;
  }
  const rssi = w.rssi_dbm === null ? "" : `${Math.round(w.rssi_dbm)}DBM`;
  drawText(c, OLED_WIDTH - 10 - textWidth(rssi), 0, rssi);
  if (w.rx) fillRect(c, OLED_WIDTH - 6, 0, 6, 7);
  bigSpeed(c, 0, 10, w.ias);
  drawZoneShape(c, OLED_WIDTH - SHAPE - 2, 10, w.zone);
  drawText(c, 76, 31, UNIT_LABEL[w.unit]);
  centred(c, 46, ZONE_LABEL[w.zone], 2);
}

function drawAircraft(c: MonoCanvas, a: AircraftContent): void {
  const phase =
    a.phase === "landing_hold"
      ? `HOLD ${a.landing_hold_s}${a.landing_hold_total_s === null ? "S" : `/${a.landing_hold_total_s}`}`
      : a.phase === "landed"
        ? "LANDED"
        : "AIRBORNE";
  // Landed: dark letters on a lit block, so "not transmitting" is told apart from across the cockpit.
  drawText(c, 1, 1, phase, 2);
  if (a.phase === "landed") invertRect(c, 0, 0, textWidth(phase, 2) + 2, 16);
  if (a.ias === null) {
    centred(c, 22, "NO IAS", 2);
    centred(c, 40, clip(`SENSOR ${a.sensor}`));
  } else {
    bigSpeed(c, 0, 18, a.ias);
    drawText(c, 76, 39, UNIT_LABEL[a.unit]);
  }
  drawText(c, 0, 56, TX_LABEL[a.tx]);
}
