/** The two things a unit can be: the one in the glider, or the one at the winch. */
export const MODES = ["aircraft", "winch"] as const;
export type Mode = (typeof MODES)[number];

export function isMode(value: unknown): value is Mode {
  return typeof value === "string" && (MODES as readonly string[]).includes(value);
}
