/**
 * Problems with settings and request bodies, in the one shape every layer shares: the store's schema
 * checks, the domain rules (aircraft band, radio profile, Wi-Fi) and the API's `details` entries.
 */

/** One problem with one field; `field` is a JSON-pointer-like path (e.g. `/v_min`, `/softap/ssid`). */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Settings that make no sense. Thrown before anything changes, carrying every problem found at once
 * so the API layer can turn them into `validation_failed` details without re-validating.
 */
export class SettingsError extends Error {
  override name = "SettingsError";

  constructor(
    readonly what: string,
    readonly problems: FieldProblem[],
  ) {
    super(`invalid ${what}: ${problems.map((p) => `${p.field.replace(/^\//, "")} ${p.message}`).join("; ")}`);
  }
}

/** Collects problems; `throwIfAny` raises one SettingsError listing them all. */
export class ProblemList {
  readonly problems: FieldProblem[] = [];

  add(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  /** Checks an optional number: finite, within [min, max], integer when asked. Returns true if acceptable. */
  number(
    field: string,
    value: unknown,
    rule: { min: number; max: number; integer?: boolean; minExclusive?: boolean },
  ): value is number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.add(field, `must be a finite number (got ${describe(value)})`);
      return false;
    }
    if (rule.integer && !Number.isInteger(value)) {
      this.add(field, `must be a whole number (got ${value})`);
      return false;
    }
    const belowMin = rule.minExclusive ? value <= rule.min : value < rule.min;
    if (belowMin || value > rule.max) {
      const lo = rule.minExclusive ? `above ${rule.min}` : `at least ${rule.min}`;
      this.add(field, `must be ${lo} and at most ${rule.max} (got ${value})`);
      return false;
    }
    return true;
  }

  throwIfAny(what: string): void {
    if (this.problems.length > 0) throw new SettingsError(what, this.problems);
  }
}

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === undefined) return "nothing";
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return typeof value;
}
