import type { Logger } from "../core/logger.js";
import { SettingsError } from "../core/problems.js";
import { type Bmp280Bus, type Bmp280Filter, Bmp280PressureSource } from "./bmp280.js";
import { SimPressureSource } from "./bmp280-sim.js";
import type { IasSource } from "./ias-source.js";
import type { PressureSource } from "./pressure-source.js";
import { SimIasSource } from "./sim-source.js";

export const BARO_KINDS = ["none", "bmp280", "sim"] as const;
export type BaroKind = (typeof BARO_KINDS)[number];
/**
 * A unit has no static-pressure sensor unless one is wired and asked for: a real unit never flies by
 * a simulated climb rate.
 */
export const DEFAULT_BARO_KIND: BaroKind = "none";
/** The demo flies with the simulated one, so that its launches show the climb-rate release rule. */
export const DEMO_BARO_KIND: BaroKind = "sim";

/** Which static-pressure sensor the aircraft uses beside its airspeed, with its own settings. */
export type BaroSettings =
  | { kind: "none" }
  | { kind: "bmp280"; bus?: number; address?: number; filter?: Bmp280Filter; readTimeoutMs?: number }
  | { kind: "sim"; seed?: number; noisePa?: number };

export interface BaroContext {
  /** The airspeed source the unit flies with: the simulated pressure follows the simulator's flight. */
  ias: IasSource;
  logger?: Logger;
  now?: () => number;
  /** Replaces the real I2C bus (tests). */
  openBus?: (busNumber: number) => Promise<Bmp280Bus>;
}

const ALLOWED: Record<BaroKind, readonly string[]> = {
  none: ["kind"],
  bmp280: ["kind", "bus", "address", "filter", "readTimeoutMs"],
  sim: ["kind", "seed", "noisePa"],
};

/**
 * The configured static-pressure source, or null for none. Settings are checked here (unknown kind or
 * field, out-of-range values, `sim` without the simulated flight → SettingsError); nothing is opened
 * until its start().
 */
export function createPressureSource(settings: BaroSettings, ctx: BaroContext): PressureSource | null {
  const raw = settings as unknown as Record<string, unknown> | null;
  const what = "static-pressure sensor settings";
  if (typeof raw !== "object" || raw === null)
    throw new SettingsError(what, [{ field: "/", message: "must be an object" }]);
  const kind = raw.kind;
  if (typeof kind !== "string" || !(BARO_KINDS as readonly string[]).includes(kind)) {
    throw new SettingsError(what, [
      {
        field: "/kind",
        message: `must be one of ${BARO_KINDS.join(", ")} (got ${JSON.stringify(kind) ?? "nothing"})`,
      },
    ]);
  }
  const unknown = Object.keys(raw).filter((k) => !ALLOWED[kind as BaroKind].includes(k));
  if (unknown.length > 0) {
    throw new SettingsError(
      what,
      unknown.map((k) => ({ field: `/${k}`, message: `is not a setting of the ${kind} sensor` })),
    );
  }
  const common = { ...(ctx.logger ? { logger: ctx.logger } : {}) };
  switch (settings.kind) {
    case "none":
      return null;
    case "bmp280": {
      const { kind: _k, ...rest } = settings;
      return new Bmp280PressureSource({
        ...rest,
        ...common,
        ...(ctx.now ? { now: ctx.now } : {}),
        ...(ctx.openBus ? { openBus: ctx.openBus } : {}),
      });
    }
    case "sim": {
      const sim = ctx.ias;
      if (!(sim instanceof SimIasSource)) {
        throw new SettingsError(what, [
          {
            field: "/kind",
            message: `sim follows the simulated flight's altitude and needs the sim airspeed source (got ${sim.kind})`,
          },
        ]);
      }
      const { kind: _k, ...rest } = settings;
      return new SimPressureSource({
        seed: sim.seed,
        ...rest,
        ...common,
        altitudeAt: (ms) => sim.stateAt(ms).altitude_m,
      });
    }
  }
}
