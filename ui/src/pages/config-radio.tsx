import { useState } from "preact/hooks";
import { write } from "../api/client.js";
import type { RadioPatch, RadioView } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { Field } from "../components/field.js";
import { FormFooter } from "../components/form-footer.js";
import { decimal, mhz, ppmPercent } from "../format.js";
import { useForm } from "../hooks/use-form.js";
import { t } from "../i18n/translate.js";
import { plainFieldErrors } from "../words/plain.js";
import { radioRules } from "../words/settings-rules.js";

interface Values {
  srd_profile_id: string;
  modem_backend: string;
  frequency_mhz: string;
  tx_power_dbm: string;
  duty_cycle_lab_override: boolean;
}

const toValues = (r: RadioView): Values => ({
  srd_profile_id: r.srd_profile_id,
  modem_backend: r.modem_backend,
  // In the viewer's decimal notation; either separator is read back.
  frequency_mhz: decimal(r.frequency_hz / 1e6, 3),
  tx_power_dbm: String(r.tx_power_dbm),
  duty_cycle_lab_override: r.duty_cycle_lab_override,
});

/** Config → Radio: SRD profile, frequency, power, modem, lab override, and the rolling duty cycle. */
export function ConfigRadio() {
  const form = useForm<RadioView, Values>("radio", "/api/radio", toValues, {
    plain: (details) => plainFieldErrors(details, radioRules()),
  });
  const [note, setNote] = useState<string | null>(null);
  const [requestedHz, setRequestedHz] = useState<number | null>(null);
  const r = form.server;
  const v = form.values;
  if (!r || !v) {
    return (
      <div class="config-section" data-section="radio">
        {form.loadError ? (
          <FailureNotice failure={form.loadError} />
        ) : (
          <p class="muted">{t("common.loading")}</p>
        )}
      </div>
    );
  }

  const profile = r.srd_profiles.find((p) => p.id === v.srd_profile_id);
  const err = form.fieldErrors;
  const used = r.duty_cycle_used_ppm;
  const limit = r.duty_cycle_max_ppm;
  const share = limit > 0 ? Math.min(1, used / limit) : 0;

  const save = (e: Event) => {
    e.preventDefault();
    setNote(null);
    setRequestedHz(null);
    const local: Record<string, string> = {};
    const patch: RadioPatch = {};
    if (v.srd_profile_id !== r.srd_profile_id) patch.srd_profile_id = v.srd_profile_id;
    if (v.modem_backend !== r.modem_backend)
      patch.modem_backend = v.modem_backend as RadioPatch["modem_backend"];
    const f = Number(v.frequency_mhz.replace(",", "."));
    if (!Number.isFinite(f) || v.frequency_mhz.trim() === "")
      local["/frequency_hz"] = t("radio.enter_frequency");
    else if (Math.round(f * 1e6) !== r.frequency_hz) patch.frequency_hz = Math.round(f * 1e6);
    const p = v.tx_power_dbm.trim();
    if (!/^-?\d+$/.test(p)) local["/tx_power_dbm"] = t("radio.enter_power");
    else if (Number(p) !== r.tx_power_dbm) patch.tx_power_dbm = Number(p);
    if (v.duty_cycle_lab_override !== r.duty_cycle_lab_override)
      patch.duty_cycle_lab_override = v.duty_cycle_lab_override;
    if (Object.keys(local).length === 0 && Object.keys(patch).length === 0) {
      setNote(t("radio.nothing_changed"));
      return;
    }
    void form
      .submit(() => write<RadioView>("PATCH", "/api/radio", patch), local)
      .then((ok) => {
        if (ok && patch.frequency_hz !== undefined) setRequestedHz(patch.frequency_hz);
      });
  };

  return (
    <div class="config-section" data-section="radio">
      <section class="card">
        <h2>{t("radio.duty_title")}</h2>
        <div class="meter" aria-hidden="true">
          <div
            class={`meter-fill${share > 0.9 ? " high" : ""}`}
            style={{ width: `${(share * 100).toFixed(1)}%` }}
          />
        </div>
        <p data-testid="duty">
          {t(r.duty_cycle_lab_override ? "radio.duty_text_override" : "radio.duty_text", {
            used: ppmPercent(used),
            limit: ppmPercent(limit),
            window: r.duty_cycle_window_s,
          })}
        </p>
        {r.lbt ? (
          <p data-testid="lbt">{t("radio.lbt", { deferred: r.lbt.deferred, dropped: r.lbt.dropped })}</p>
        ) : null}
        <button type="button" class="link-button" onClick={form.reload}>
          {t("common.refresh")}
        </button>
      </section>
      <form class="card form" onSubmit={save} noValidate data-form="radio">
        <h2>{t("radio.title")}</h2>
        <Field
          name="/srd_profile_id"
          label={t("radio.profile")}
          error={err["/srd_profile_id"]}
          hint={
            profile
              ? t("radio.profile_hint", {
                  from: mhz(profile.segment_hz[0] ?? 0),
                  to: mhz(profile.segment_hz[1] ?? 0),
                  duty: ppmPercent(profile.duty_cycle_max_ppm),
                  power: profile.power_cap_dbm,
                })
              : undefined
          }
        >
          {(id, desc) => (
            <select
              id={id}
              aria-describedby={desc}
              value={v.srd_profile_id}
              onChange={(e) => form.set({ srd_profile_id: e.currentTarget.value })}
            >
              {r.srd_profiles.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          name="/modem_backend"
          label={t("radio.modem")}
          error={err["/modem_backend"]}
          hint={t("radio.modem_hint")}
        >
          {(id, desc) => (
            <select
              id={id}
              aria-describedby={desc}
              value={v.modem_backend}
              onChange={(e) => form.set({ modem_backend: e.currentTarget.value })}
            >
              {(profile?.modems ?? [v.modem_backend]).map((m) => (
                <option key={m} value={m}>
                  {m.toUpperCase()}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          name="/frequency_hz"
          label={t("radio.frequency")}
          error={err["/frequency_hz"]}
          hint={t("radio.frequency_hint", {
            step: Math.round(r.frequency_hz_step / 1000),
            from: mhz(r.flarm_avoidance_hz[0] ?? 0),
            to: mhz(r.flarm_avoidance_hz[1] ?? 0),
          })}
        >
          {(id, desc) => (
            <input
              id={id}
              aria-describedby={desc}
              aria-invalid={!!desc}
              inputMode="decimal"
              value={v.frequency_mhz}
              onInput={(e) => form.set({ frequency_mhz: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field
          name="/tx_power_dbm"
          label={t("radio.power")}
          error={err["/tx_power_dbm"]}
          hint={profile ? t("radio.power_hint", { power: profile.power_cap_dbm }) : undefined}
        >
          {(id, desc) => (
            <input
              id={id}
              aria-describedby={desc}
              aria-invalid={!!desc}
              inputMode="numeric"
              value={v.tx_power_dbm}
              onInput={(e) => form.set({ tx_power_dbm: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field
          name="/duty_cycle_lab_override"
          label={t("radio.lab_override")}
          error={err["/duty_cycle_lab_override"]}
        >
          {(id) => (
            <label class="check">
              <input
                id={id}
                type="checkbox"
                checked={v.duty_cycle_lab_override}
                onChange={(e) => form.set({ duty_cycle_lab_override: e.currentTarget.checked })}
              />{" "}
              {t("radio.lab_override_text")}
            </label>
          )}
        </Field>
        {err["/"] && <p class="form-error">⚠ {err["/"]}</p>}
        {form.formError && form.formError.kind !== "validation" && <FailureNotice failure={form.formError} />}
        {requestedHz !== null && requestedHz !== r.frequency_hz && (
          <p class="muted" role="status">
            {t("radio.off_grid", { requested: mhz(requestedHz), used: mhz(r.frequency_hz) })}
          </p>
        )}
        {note && (
          <p class="muted" role="status">
            {note}
          </p>
        )}
        <FormFooter form={form} />
      </form>
    </div>
  );
}
