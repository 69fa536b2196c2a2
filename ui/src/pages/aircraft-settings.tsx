import { useRef } from "preact/hooks";
import { SPEED_UNITS } from "../../../src/core/units.js";
import { write } from "../api/client.js";
import type { AircraftProfile, SpeedUnit } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { Field } from "../components/field.js";
import { FormFooter } from "../components/form-footer.js";
import { UNIT_LABEL } from "../format.js";
import { useForm } from "../hooks/use-form.js";
import { type MessageKey, t } from "../i18n/translate.js";
import { Link } from "../router.js";
import { type SpeedOrigin, switchUnit } from "../speed-convert.js";
import { aircraftProblems, aircraftRules } from "../words/aircraft-rules.js";
import { plainFieldErrors } from "../words/plain.js";

const SPEEDS = ["v_min", "v_opt", "v_max", "v_en"] as const;
type SpeedKey = (typeof SPEEDS)[number];

/** Form values: speeds as typed (strings), so half-typed input survives a failed save untouched. */
type Values = { registration: string; type: string; unit: SpeedUnit } & Record<SpeedKey, string>;

const toValues = (p: AircraftProfile): Values => ({
  registration: p.registration,
  type: p.type,
  unit: p.unit,
  v_min: String(p.v_min),
  v_opt: String(p.v_opt),
  v_max: String(p.v_max),
  v_en: String(p.v_en),
});

const SPEED_LABEL: Record<SpeedKey, { label: MessageKey; hint: MessageKey }> = {
  v_min: { label: "aircraft.v_min", hint: "aircraft.v_min_hint" },
  v_opt: { label: "aircraft.v_opt", hint: "aircraft.v_opt_hint" },
  v_max: { label: "aircraft.v_max", hint: "aircraft.v_max_hint" },
  v_en: { label: "aircraft.v_en", hint: "aircraft.v_en_hint" },
};

const speedsOf = (v: Values): Record<SpeedKey, number> => ({
  v_min: Number(v.v_min),
  v_opt: Number(v.v_opt),
  v_max: Number(v.v_max),
  v_en: Number(v.v_en),
});

/** Aircraft home: the profile the winch sees (identity, band, unit). Loads once; never polls. */
export function AircraftSettings() {
  const form = useForm<AircraftProfile, Values>("aircraft", "/api/aircraft", toValues, {
    plain: (details, vals) =>
      plainFieldErrors(details, aircraftRules(vals.unit), aircraftProblems(vals.unit, speedsOf(vals))),
  });
  const v = form.values;
  // Where each speed came from (the stored profile, or what was typed), so unit switches never drift.
  const origins = useRef<{ of: AircraftProfile | null; at: Partial<Record<SpeedKey, SpeedOrigin>> }>({
    of: null,
    at: {},
  });
  if (form.server && origins.current.of !== form.server) {
    const s = form.server;
    origins.current = {
      of: s,
      at: Object.fromEntries(SPEEDS.map((k) => [k, { unit: s.unit, value: s[k] }])),
    };
  }

  if (!v) {
    return (
      <div class="page">
        <h1>{t("aircraft.title")}</h1>
        {form.loadError ? (
          <FailureNotice failure={form.loadError} />
        ) : (
          <p class="muted">{t("common.loading")}</p>
        )}
      </div>
    );
  }

  const changeUnit = (unit: SpeedUnit) => {
    // Same speeds in the new unit, so a switch from km/h to kt does not leave nonsense behind.
    const patch: Partial<Values> = { unit };
    for (const k of SPEEDS) {
      const next = switchUnit(origins.current.at[k], v[k], v.unit, unit);
      origins.current.at[k] = next.origin;
      patch[k] = next.text;
    }
    form.set(patch);
  };

  const save = (e: Event) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    const body: Record<string, unknown> = {
      registration: v.registration.trim().toUpperCase(),
      type: v.type.trim(),
      unit: v.unit,
    };
    for (const k of SPEEDS) {
      const raw = v[k].trim();
      if (!/^\d+$/.test(raw)) local[`/${k}`] = t("rule.enter_whole_number");
      else body[k] = Number(raw);
    }
    void form.submit((_vals) => write<AircraftProfile>("PUT", "/api/aircraft", body), local);
  };

  const err = form.fieldErrors;
  const fieldKeys = Object.keys(err).filter((k) => k !== "/");
  const general = !!form.formError && fieldKeys.length === 0;
  return (
    <div class="page">
      <div class="page-head">
        <h1>{t("aircraft.title")}</h1>
        <Link href="/aircraft/live" class="button">
          {t("page.live_ias")} →
        </Link>
      </div>
      {form.loadError && <FailureNotice failure={form.loadError} compact />}
      <form class="card form" onSubmit={save} noValidate data-form="aircraft">
        <fieldset>
          <legend>{t("aircraft.identity")}</legend>
          <Field
            name="/registration"
            label={t("aircraft.registration")}
            error={err["/registration"]}
            hint={t("aircraft.registration_hint")}
          >
            {(id, desc) => (
              <input
                id={id}
                aria-describedby={desc}
                aria-invalid={!!desc}
                value={v.registration}
                autocapitalize="characters"
                autocomplete="off"
                spellcheck={false}
                maxLength={16}
                onInput={(e) => form.set({ registration: e.currentTarget.value.toUpperCase() })}
              />
            )}
          </Field>
          <Field name="/type" label={t("aircraft.type")} error={err["/type"]} hint={t("aircraft.type_hint")}>
            {(id, desc) => (
              <input
                id={id}
                aria-describedby={desc}
                aria-invalid={!!desc}
                value={v.type}
                autocomplete="off"
                maxLength={32}
                onInput={(e) => form.set({ type: e.currentTarget.value })}
              />
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>{t("aircraft.speed_band")}</legend>
          <Field name="/unit" label={t("aircraft.unit")} error={err["/unit"]} hint={t("aircraft.unit_hint")}>
            {(id, desc) => (
              <select
                id={id}
                aria-describedby={desc}
                value={v.unit}
                onChange={(e) => changeUnit(e.currentTarget.value as SpeedUnit)}
              >
                {SPEED_UNITS.map((u) => (
                  <option value={u} key={u}>
                    {UNIT_LABEL[u]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div class="speed-grid">
            {SPEEDS.map((k) => (
              <Field
                key={k}
                name={`/${k}`}
                label={t(SPEED_LABEL[k].label)}
                error={err[`/${k}`]}
                hint={t(SPEED_LABEL[k].hint)}
              >
                {(id, desc) => (
                  <div class="with-unit">
                    <input
                      id={id}
                      aria-describedby={desc}
                      aria-invalid={!!desc}
                      inputMode="numeric"
                      value={v[k]}
                      onInput={(e) => form.set({ [k]: e.currentTarget.value } as Partial<Values>)}
                    />
                    <span>{UNIT_LABEL[v.unit]}</span>
                  </div>
                )}
              </Field>
            ))}
          </div>
        </fieldset>
        {general && form.formError && <FailureNotice failure={form.formError} />}
        {err["/"] && <p class="form-error">⚠ {err["/"]}</p>}
        {fieldKeys.length > 0 && (
          <p class="form-error" role="alert">
            {t("form.not_saved_fields")}
          </p>
        )}
        <FormFooter form={form} />
      </form>
    </div>
  );
}
