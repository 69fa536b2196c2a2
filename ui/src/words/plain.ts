import type { FieldProblem } from "../api/types.js";
import { t } from "../i18n/translate.js";

/** Field pointer (`/v_min`) → what the field accepts, in a club member's words, with its limits. */
export type FieldRules = Readonly<Record<string, string>>;

/** API prose that speaks schema (patterns, unions, paths): never shown, the field's rule is shown instead. */
export const SCHEMA_SPEAK =
  /pattern|allowed|must match|\/api\/|\bschema\b|JSON|\^|\$\)|must be (string|integer|number|boolean|object|array|null|equal)\b|>=|<=|must NOT|must have|is not a known field/i;

/**
 * The device's `details` as messages next to the fields: where the device's sentence is plain (a radio
 * profile's power cap, the FLARM band) it is shown; where it speaks schema, the form's own rule for
 * the field, with its limits; a missing field asks to be filled in. `cross` adds messages the form
 * worked out itself (rules between fields), which mark every field involved and win over the others.
 */
export function plainFieldErrors(
  details: readonly FieldProblem[],
  rules: FieldRules,
  cross: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of details) {
    const field = d.field || "/";
    if (out[field]) continue;
    out[field] =
      d.message === "is required"
        ? t("rule.required")
        : SCHEMA_SPEAK.test(d.message)
          ? (rules[field] ?? t("rule.not_accepted"))
          : sentence(d.message);
  }
  return { ...out, ...cross };
}

function sentence(s: string): string {
  const t = s.trim();
  if (!t) return t;
  return `${t[0]?.toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? "" : "."}`;
}
