import { write } from "../api/client.js";
import type { MqttStatus, MqttUpdate, MqttView } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { Field, PasswordInput } from "../components/field.js";
import { FormFooter } from "../components/form-footer.js";
import { useForm } from "../hooks/use-form.js";
import { usePoll } from "../hooks/use-poll.js";
import { type MessageKey, t } from "../i18n/translate.js";

interface Values {
  enabled: boolean;
  url: string;
  user: string;
  /** Empty keeps the stored password (it cannot be read back). */
  password: string;
  clear_password: boolean;
  ca_pem: string;
  prefix: string;
  discovery: boolean;
}

const toValues = (m: MqttView): Values => ({
  enabled: m.enabled,
  url: m.url,
  user: m.user ?? "",
  password: "",
  clear_password: false,
  ca_pem: m.ca_pem ?? "",
  prefix: m.prefix,
  discovery: m.discovery,
});

const STATE_WORDS: Record<MqttStatus["state"], MessageKey> = {
  off: "mqtt.state_off",
  connecting: "common.connecting",
  connected: "mqtt.state_connected",
  waiting: "mqtt.state_waiting",
  stopped: "mqtt.state_stopped",
};

/** The connection as it is now: state, last error in plain words, messages sent and dropped. */
function ConnectionCard({ fallback }: { fallback: MqttStatus }) {
  const poll = usePoll<MqttView>("/api/mqtt", 1);
  const s = poll.data?.status ?? fallback;
  return (
    <section class="card" data-mqtt-state={s.state}>
      <h2>{t("mqtt.connection")}</h2>
      <dl class="facts">
        <dt>{t("mqtt.state")}</dt>
        <dd>{t(STATE_WORDS[s.state])}</dd>
        {s.broker && (
          <>
            <dt>{t("mqtt.broker")}</dt>
            <dd>
              {s.broker}
              {s.protocol ? ` (MQTT ${s.protocol})` : ""}
            </dd>
          </>
        )}
        <dt>{t("mqtt.last_error")}</dt>
        <dd data-mqtt-error>{s.last_error ?? t("mqtt.none")}</dd>
        <dt>{t("mqtt.messages")}</dt>
        <dd>
          {s.sent} / {s.dropped} / {s.queued}
        </dd>
      </dl>
    </section>
  );
}

/** Config → MQTT: broker, credentials (write-only password), CA for mqtts, prefix, Home Assistant. */
export function ConfigMqtt() {
  const form = useForm<MqttView, Values>("mqtt", "/api/mqtt", toValues);
  const m = form.server;
  const v = form.values;
  if (!m || !v) {
    return (
      <div class="config-section" data-section="mqtt">
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
    const body: MqttUpdate = {
      enabled: v.enabled,
      url: v.url.trim(),
      user: v.user.trim() === "" ? null : v.user.trim(),
      ca_pem: v.ca_pem.trim() === "" ? null : v.ca_pem,
      prefix: v.prefix.trim(),
      discovery: v.discovery,
    };
    if (v.clear_password) body.password = null;
    else if (v.password) body.password = v.password;
    void form.submit(() => write<MqttView>("PUT", "/api/mqtt", body));
  };

  const text = (name: keyof Values & string, label: string, hint?: string, placeholder?: string) => (
    <Field name={`/${name}`} label={label} error={err[`/${name}`]} hint={hint}>
      {(id, desc) => (
        <input
          id={id}
          aria-describedby={desc}
          aria-invalid={!!desc}
          placeholder={placeholder}
          value={v[name] as string}
          onInput={(e) => form.set({ [name]: e.currentTarget.value } as Partial<Values>)}
        />
      )}
    </Field>
  );

  return (
    <div class="config-section" data-section="mqtt">
      <ConnectionCard fallback={m.status} />
      <form class="card form" onSubmit={save} noValidate data-form="mqtt">
        <label class="check">
          <input
            type="checkbox"
            checked={v.enabled}
            onChange={(e) => form.set({ enabled: e.currentTarget.checked })}
          />{" "}
          {t("mqtt.enabled")}
        </label>
        {text("url", t("mqtt.broker"), t("mqtt.url_hint"), "mqtt://192.168.4.2:1883")}
        {text("user", t("mqtt.user"), t("mqtt.user_hint"))}
        <Field
          name="/password"
          label={t("mqtt.new_password")}
          error={err["/password"]}
          hint={m.password_set ? t("mqtt.password_stored") : undefined}
        >
          {(id, desc) => (
            <PasswordInput
              id={id}
              desc={desc}
              disabled={v.clear_password}
              value={v.password}
              onValue={(t) => form.set({ password: t })}
            />
          )}
        </Field>
        {m.password_set && (
          <label class="check">
            <input
              type="checkbox"
              checked={v.clear_password}
              onChange={(e) => form.set({ clear_password: e.currentTarget.checked })}
            />{" "}
            {t("mqtt.remove_password")}
          </label>
        )}
        <Field name="/ca_pem" label={t("mqtt.ca")} error={err["/ca_pem"]} hint={t("mqtt.ca_hint")}>
          {(id, desc) => (
            <textarea
              id={id}
              aria-describedby={desc}
              aria-invalid={!!desc}
              rows={4}
              value={v.ca_pem}
              onInput={(e) => form.set({ ca_pem: e.currentTarget.value })}
            />
          )}
        </Field>
        {text("prefix", t("mqtt.prefix"), t("mqtt.prefix_hint"))}
        <label class="check">
          <input
            type="checkbox"
            checked={v.discovery}
            onChange={(e) => form.set({ discovery: e.currentTarget.checked })}
          />{" "}
          {t("mqtt.discovery")}
        </label>
        {err["/"] && <p class="form-error">⚠ {err["/"]}</p>}
        {form.formError && form.formError.kind !== "validation" && <FailureNotice failure={form.formError} />}
        <FormFooter form={form} />
      </form>
    </div>
  );
}
