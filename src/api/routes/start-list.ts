import type { Launch } from "../schemas/history.js";

/*
 * The start list: one CSV row per launch, in the columns a club's flight log imports (Vereinsflieger,
 * Startkladde: UTC time, registration, type, launch method W for winch). RFC 4180 quoting; a cell that
 * a spreadsheet would run as a formula (= + - @ at the start) is prefixed with an apostrophe.
 */

export const START_LIST_HEADER =
  "start_utc,duration_s,registration,type,launch_method,max_ias,unit,in_band_percent,frames_lost,released,complete,id";

function cell(v: string | number | boolean): string {
  let s = String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function* startListCsv(launches: readonly Launch[]): Generator<string> {
  yield START_LIST_HEADER;
  for (const l of launches) {
    yield [
      l.start,
      l.duration_s,
      l.registration,
      l.type,
      "W",
      l.max_ias,
      l.unit,
      Math.round(l.in_band_share * 1000) / 10,
      l.frames_lost,
      l.released,
      l.complete,
      l.id,
    ]
      .map(cell)
      .join(",");
  }
}
