import type { SpeedUnit } from "./api/types.js";
import { currentLang } from "./i18n/translate.js";

export const UNIT_LABEL: Record<SpeedUnit, string> = { kmh: "km/h", kt: "kt", mph: "mph" };

export function unitLabel(unit: string | undefined): string {
  return unit && unit in UNIT_LABEL ? UNIT_LABEL[unit as SpeedUnit] : (unit ?? "");
}

/*
 * Numbers and times in the viewer's language (decimal comma in German, French, Dutch, Polish and
 * Czech). Formatters are made once per language and number of decimals: the monitor formats at 2 Hz.
 */
const formatters = new Map<string, Intl.NumberFormat>();

/** `value` with exactly `digits` decimals, in the active language, without thousands separators. */
export function decimal(value: number, digits: number): string {
  const lang = currentLang();
  const id = `${lang}:${digits}`;
  let f = formatters.get(id);
  if (!f) {
    f = new Intl.NumberFormat(lang, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      useGrouping: false,
    });
    formatters.set(id, f);
  }
  return f.format(value);
}

/** The active language's decimal separator ("." or ","). */
export function decimalSeparator(): string {
  return decimal(1.5, 1).replace(/\d/g, "");
}

/** IAS at the API's 0.1 resolution, shown as a whole number: the winch driver reads it at a glance. */
export function speed(value: number): string {
  return Number.isFinite(value) ? decimal(Math.round(value), 0) : "—";
}

/** IAS split for display: the whole part large, the tenth small (the zone is decided on the tenth). */
export function speedParts(value: number): { whole: string; tenth: string } {
  if (!Number.isFinite(value)) return { whole: "—", tenth: "" };
  const [whole = "0", tenth = "0"] = value.toFixed(1).split(".");
  return { whole, tenth: `${decimalSeparator()}${tenth}` };
}

export function ageText(ms: number): string {
  if (ms < 10_000) return `${decimal(ms / 1000, 1)} s`;
  if (ms < 120_000) return `${decimal(Math.round(ms / 1000), 0)} s`;
  return `${decimal(Math.round(ms / 60_000), 0)} min`;
}

export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${decimal(n / (1024 * 1024), 1)} MiB`;
  if (n >= 1024) return `${decimal(n / 1024, 1)} KiB`;
  return `${n} B`;
}

/** Parts per million of the hour as a percentage. */
export function ppmPercent(ppm: number): string {
  return `${decimal(ppm / 10_000, ppm < 10_000 ? 3 : 2)} %`;
}

export function mhz(hz: number): string {
  return `${decimal(hz / 1e6, 3)} MHz`;
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(currentLang(), { dateStyle: "medium", timeStyle: "medium" });
}

/** Time of day (24 h, as on the airfield) in the active language, for a graph's time axis. */
export function clockTime(d: Date): string {
  return d.toLocaleTimeString(currentLang(), {
    hour: "numeric",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
}
