import { write } from "../api/client.js";
import type { WifiSettings, WifiUpdate } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { Field, PasswordInput } from "../components/field.js";
import { FormFooter } from "../components/form-footer.js";
import { useForm } from "../hooks/use-form.js";
import { t } from "../i18n/translate.js";
import { plainFieldErrors } from "../words/plain.js";
import { wifiRules } from "../words/settings-rules.js";

interface Values {
  ap_ssid: string;
  ap_channel: string;
  /** Empty keeps the stored passphrase (it cannot be read back). */
  ap_password: string;
  sta_enabled: boolean;
  sta_ssid: string;
  sta_password: string;
  sta_open: boolean;
}

const toValues = (w: WifiSettings): Values => ({
  ap_ssid: w.softap.ssid,
  ap_channel: String(w.softap.channel),
  ap_password: "",
  sta_enabled: w.station.enabled,
  sta_ssid: w.station.ssid,
  sta_password: "",
  sta_open: false,
});

const CHANNELS = Array.from({ length: 13 }, (_, i) => i + 1);

/** Config → Wi-Fi: the device's own network and joining a club WLAN. Passwords are write-only. */
export function ConfigWifi() {
  const form = useForm<WifiSettings, Values>("wifi", "/api/wifi", toValues, {
    plain: (details) => plainFieldErrors(details, wifiRules()),
  });
  const w = form.server;
  const v = form.values;
  if (!w || !v) {
    return (
      <div class="config-section" data-section="wifi">
        {form.loadError ? (
          <FailureNotice failure={form.loadError} />
        ) : (
          <p class="muted">{t("common.loading")}</p>
        )}
      </div>
    );
  }
  const err = form.fieldErrors;

  const save = (e: Event) => {
    e.preventDefault();
    const body: WifiUpdate = {
      softap: { ssid: v.ap_ssid, channel: Number(v.ap_channel) },
      station: { enabled: v.sta_enabled, ssid: v.sta_ssid.trim() },
    };
    if (v.ap_password) body.softap.password = v.ap_password;
    if (v.sta_open) body.station.password = null;
    else if (v.sta_password) body.station.password = v.sta_password;
    void form.submit(() => write<WifiSettings>("PUT", "/api/wifi", body));
  };

  return (
    <form class="config-section card form" onSubmit={save} noValidate data-section="wifi" data-form="wifi">
      <p class="notice notice-info">{t("wifi.warning")}</p>
      <fieldset>
        <legend>{t("wifi.device_network", { address: w.softap.address })}</legend>
        <Field name="/softap/ssid" label={t("wifi.ssid")} error={err["/softap/ssid"]}>
          {(id, desc) => (
            <input
              id={id}
              aria-describedby={desc}
              aria-invalid={!!desc}
              value={v.ap_ssid}
              onInput={(e) => form.set({ ap_ssid: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field name="/softap/channel" label={t("wifi.channel")} error={err["/softap/channel"]}>
          {(id, desc) => (
            <select
              id={id}
              aria-describedby={desc}
              value={v.ap_channel}
              onChange={(e) => form.set({ ap_channel: e.currentTarget.value })}
            >
              {CHANNELS.map((c) => (
                <option key={c} value={String(c)}>
                  {c}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          name="/softap/password"
          label={t("wifi.new_passphrase")}
          error={err["/softap/password"]}
          hint={w.softap.password_set ? t("wifi.passphrase_stored") : t("wifi.passphrase_hint")}
        >
          {(id, desc) => (
            <PasswordInput
              id={id}
              desc={desc}
              value={v.ap_password}
              onValue={(text) => form.set({ ap_password: text })}
            />
          )}
        </Field>
      </fieldset>
      <fieldset>
        <legend>{t("wifi.club_network")}</legend>
        <label class="check">
          <input
            type="checkbox"
            checked={v.sta_enabled}
            onChange={(e) => form.set({ sta_enabled: e.currentTarget.checked })}
          />{" "}
          {t("wifi.join")}
        </label>
        <Field name="/station/ssid" label={t("wifi.ssid")} error={err["/station/ssid"]}>
          {(id, desc) => (
            <input
              id={id}
              aria-describedby={desc}
              aria-invalid={!!desc}
              value={v.sta_ssid}
              onInput={(e) => form.set({ sta_ssid: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field
          name="/station/password"
          label={t("wifi.passphrase")}
          error={err["/station/password"]}
          hint={w.station.password_set ? t("wifi.passphrase_stored") : undefined}
        >
          {(id, desc) => (
            <PasswordInput
              id={id}
              desc={desc}
              disabled={v.sta_open}
              value={v.sta_password}
              onValue={(text) => form.set({ sta_password: text })}
            />
          )}
        </Field>
        <label class="check">
          <input
            type="checkbox"
            checked={v.sta_open}
            onChange={(e) => form.set({ sta_open: e.currentTarget.checked })}
          />{" "}
          {t("wifi.open")}
        </label>
      </fieldset>
      {err["/"] && <p class="form-error">⚠ {err["/"]}</p>}
      {form.formError && form.formError.kind !== "validation" && <FailureNotice failure={form.formError} />}
      <FormFooter form={form} />
    </form>
  );
}
