import { Type } from "typebox";

/*
 * Where a launch stands, as the aircraft unit's phase machine decides it (src/aircraft/launch-phase.ts),
 * frames carry it and the winch shows it. Declared once here, at the bottom, because telemetry (below
 * aircraft and winch), the API schemas and the UI all need the same names.
 */

/** In flight order. `launch` is "on the cable"; the winch driver's part ends at `released`. */
export const LAUNCH_PHASES = ["ground_roll", "launch", "released", "landing_hold", "landed"] as const;
export type LaunchPhase = (typeof LAUNCH_PHASES)[number];

/** Phases in which the glider is off the cable: the winch shows no zone colours then. */
export function isOffCable(phase: LaunchPhase | null | undefined): boolean {
  return phase === "released" || phase === "landing_hold" || phase === "landed";
}

export const LaunchPhaseSchema = Type.Enum(LAUNCH_PHASES, {
  description:
    "Launch phase as the aircraft unit decides it: `ground_roll` (rolling, not yet flying), `launch` " +
    "(climbing on the cable), `released` (free flight), `landing_hold` (slowed below the landing " +
    "threshold, counting down), `landed`.",
  examples: ["launch"],
});
