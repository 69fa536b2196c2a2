import type { Logger } from "../core/logger.js";
import { SettingsError } from "../core/problems.js";
import type { IasSource } from "./ias-source.js";
import { type I2cBus, Ms4525IasSource, type Ms4525OutputType } from "./ms4525do.js";
import { ReplayIasSource, type ReplayUnit } from "./replay-source.js";
import { type SimFlight, SimIasSource, type SimSpeeds } from "./sim-source.js";

export const SOURCE_KINDS = ["sim", "ms4525do", "replay"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
/** The source a unit flies with when none is chosen: the simulator, since it needs no hardware. */
export const DEFAULT_SOURCE_KIND: SourceKind = "sim";

/** Which airspeed source the aircraft uses, and its own settings (see each source for ranges). */
export type IasSourceSettings =
  | {
      kind: "sim";
      seed?: number;
      timeScale?: number;
      loop?: boolean;
      firstLaunchAfterS?: number;
      groundPauseS?: number;
      flight?: SimFlight;
    }
  | {
      kind: "ms4525do";
      bus?: number;
      address?: number;
      outputType?: Ms4525OutputType;
      range?: string;
      pminPsi?: number;
      pmaxPsi?: number;
      calibrationSamples?: number;
      calibrationIntervalMs?: number;
      readTimeoutMs?: number;
    }
  | {
      kind: "replay";
      path: string;
      unit?: ReplayUnit;
      loop?: boolean;
      timeScale?: number;
    };

/** What the runtime hands every source besides its settings. */
export interface IasSourceContext {
  /** The sim derives its speeds from it. */
  profile: SimSpeeds;
  logger?: Logger;
  now?: () => number;
  /** Replaces the real I2C bus (tests). */
  openBus?: (busNumber: number) => Promise<I2cBus>;
}

const ALLOWED: Record<SourceKind, readonly string[]> = {
  sim: ["kind", "seed", "timeScale", "loop", "firstLaunchAfterS", "groundPauseS", "flight"],
  ms4525do: [
    "kind",
    "bus",
    "address",
    "outputType",
    "range",
    "pminPsi",
    "pmaxPsi",
    "calibrationSamples",
    "calibrationIntervalMs",
    "readTimeoutMs",
  ],
  replay: ["kind", "path", "unit", "loop", "timeScale"],
};

/**
 * Builds the configured source. Settings are checked here (unknown kind, unknown or out-of-range
 * fields → SettingsError); nothing is opened until the source's start().
 */
export function createIasSource(settings: IasSourceSettings, ctx: IasSourceContext): IasSource {
  const raw = settings as unknown as Record<string, unknown> | null;
  if (typeof raw !== "object" || raw === null) {
    throw new SettingsError("ias source settings", [{ field: "/", message: "must be an object" }]);
  }
  const kind = raw.kind;
  if (typeof kind !== "string" || !(SOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new SettingsError("ias source settings", [
      {
        field: "/kind",
        message: `must be one of ${SOURCE_KINDS.join(", ")} (got ${JSON.stringify(kind) ?? "nothing"})`,
      },
    ]);
  }
  const unknown = Object.keys(raw).filter((k) => !ALLOWED[kind as SourceKind].includes(k));
  if (unknown.length > 0) {
    throw new SettingsError(
      "ias source settings",
      unknown.map((k) => ({ field: `/${k}`, message: `is not a setting of the ${kind} source` })),
    );
  }
  const common = { ...(ctx.logger ? { logger: ctx.logger } : {}), ...(ctx.now ? { now: ctx.now } : {}) };
  switch (settings.kind) {
    case "sim": {
      const { kind: _k, ...rest } = settings;
      return new SimIasSource({ ...rest, ...common, profile: ctx.profile });
    }
    case "ms4525do": {
      const { kind: _k, ...rest } = settings;
      return new Ms4525IasSource({ ...rest, ...common, ...(ctx.openBus ? { openBus: ctx.openBus } : {}) });
    }
    case "replay": {
      const { kind: _k, ...rest } = settings;
      return new ReplayIasSource({ ...rest, ...common });
    }
  }
}
