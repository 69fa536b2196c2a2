import type { SpeedUnit } from "./api/types.js";

export const UNIT_LABEL: Record<SpeedUnit, string> = { kmh: "km/h", kt: "kt", mph: "mph" };

export function unitLabel(unit: string | undefined): string {
  return unit && unit in UNIT_LABEL ? UNIT_LABEL[unit as SpeedUnit] : (unit ?? "");
}

/** IAS at the API's 0.1 resolution, shown as a whole number: the winch driver reads it at a glance. */
export function speed(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toString() : "—";
}

/** IAS split for display: the whole part large, the tenth small (the zone is decided on the tenth). */
export function speedParts(value: number): { whole: string; tenth: string } {
  if (!Number.isFinite(value)) return { whole: "—", tenth: "" };
  const [whole = "0", tenth = "0"] = value.toFixed(1).split(".");
  return { whole, tenth: `.${tenth}` };
}

export function ageText(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Parts per million of the hour as a percentage. */
export function ppmPercent(ppm: number): string {
  return `${(ppm / 10_000).toFixed(ppm < 10_000 ? 3 : 2)} %`;
}

export function mhz(hz: number): string {
  return `${(hz / 1e6).toFixed(3)} MHz`;
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString([], { dateStyle: "medium", timeStyle: "medium" });
}
