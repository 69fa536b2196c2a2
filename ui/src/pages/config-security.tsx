import { useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, load, session, write } from "../api/client.js";
import type { SecurityState } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { Field, PasswordInput } from "../components/field.js";
import { focusFirstProblem } from "../hooks/use-form.js";
import { type MessageKey, t } from "../i18n/translate.js";
import { Link, useLocation } from "../router.js";
import { passwordRule } from "../words/settings-rules.js";

type Outcome = { ok: true; text: string } | { ok: false; text?: string; failure?: ApiFailure } | null;

const PAGE_NAMES: Record<string, MessageKey> = {
  "/": "security.back_settings",
  "/config": "security.back_config_device",
  "/config/radio": "security.back_config_radio",
  "/config/wifi": "security.back_config_wifi",
  "/config/mqtt": "security.back_config_mqtt",
  "/history": "nav.history",
};

/** Only a path of this app (`/…`, not `//host`): the `back` parameter must not lead elsewhere. */
function safeBack(raw: string | null): string | null {
  return raw && /^\/(?!\/)[\w\-/]*$/.test(raw) ? raw : null;
}

/** Config → Security: set, clear and validate the API password; the validated one is kept for the session. */
export function ConfigSecurity() {
  const { query } = useLocation();
  const back = safeBack(query.get("back"));
  const [state, setState] = useState<SecurityState | null>(null);
  const [loadError, setLoadError] = useState<ApiFailure | null>(null);
  const [token, setToken] = useState(session.current());
  const [entered, setEntered] = useState("");
  const [checkResult, setCheckResult] = useState<Outcome>(null);
  const [fresh, setFresh] = useState({ password: "", repeat: "" });
  const [changeResult, setChangeResult] = useState<Outcome>(null);
  const [fieldErr, setFieldErr] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [confirmClear, setConfirmClear] = useState(false);

  const refresh = () =>
    load<SecurityState>("/api/security").then(
      (s) => {
        setState(s);
        setLoadError(null);
      },
      (err: unknown) => setLoadError(asFailure(err)),
    );
  useEffect(() => {
    void refresh();
  }, []);

  const validate = async (e: Event) => {
    e.preventDefault();
    if (!entered) {
      setCheckResult({ ok: false, text: t("security.enter_first") });
      return;
    }
    setBusy(true);
    try {
      await write("POST", "/api/security/check", undefined, { token: entered });
      session.setToken(entered);
      setToken(entered);
      setEntered("");
      setCheckResult({
        ok: true,
        text: state?.password_set === false ? t("security.no_password_open") : t("security.accepted"),
      });
    } catch (err) {
      const f = asFailure(err);
      setCheckResult(
        f.kind === "unauthorized" ? { ok: false, text: t("security.wrong") } : { ok: false, failure: f },
      );
    } finally {
      setBusy(false);
    }
  };

  const change = async (password: string | null) => {
    setBusy(true);
    setChangeResult(null);
    setFieldErr({});
    try {
      const s = await write<SecurityState>("PUT", "/api/security", { password });
      if (s) setState(s);
      session.setToken(password);
      setToken(password);
      setFresh({ password: "", repeat: "" });
      setConfirmClear(false);
      setChangeResult({
        ok: true,
        text: password ? t("security.set_done") : t("security.cleared"),
      });
    } catch (err) {
      const f = asFailure(err);
      if (f.kind === "unauthorized")
        setChangeResult({
          ok: false,
          text: t("security.current_needed"),
        });
      else if (f.kind === "validation") {
        setFieldErr({ "/password": passwordRule() });
        focusFirstProblem("new-password");
        setChangeResult({ ok: false, text: t("security.not_changed") });
      } else setChangeResult({ ok: false, failure: f });
    } finally {
      setBusy(false);
    }
  };

  const submitNew = (e: Event) => {
    e.preventDefault();
    if (fresh.password !== fresh.repeat) {
      setFieldErr({ "/repeat": t("security.differ") });
      focusFirstProblem("new-password");
      return;
    }
    if (!fresh.password) {
      setFieldErr({ "/password": t("security.enter_new") });
      focusFirstProblem("new-password");
      return;
    }
    void change(fresh.password);
  };

  return (
    <div class="config-section" data-section="security">
      {back && (
        <div class="notice notice-warn" role="alert" data-testid="auth-needed">
          <strong>{t("security.needs_password")}</strong> {t("security.enter_below")}
          {checkResult?.ok && (
            <>
              {" "}
              <Link href={back} class="button primary" data-testid="back-to-form">
                {t("security.back_to", { page: PAGE_NAMES[back] ? t(PAGE_NAMES[back]) : back })}
              </Link>
            </>
          )}
        </div>
      )}
      {loadError && <FailureNotice failure={loadError} />}
      {state && (
        <p data-testid="password-state">
          {state.password_set ? t("security.state_set") : t("security.state_open")}
        </p>
      )}

      <form class="card form" onSubmit={validate} noValidate data-form="session-password">
        <h2>{t("security.session_title")}</h2>
        {token ? (
          <p>
            {t("security.session_kept")}{" "}
            <button
              type="button"
              class="link-button"
              onClick={() => {
                session.setToken(null);
                setToken(null);
                setCheckResult(null);
              }}
            >
              {t("security.forget")}
            </button>
          </p>
        ) : (
          <p class="muted">{t("security.not_entered")}</p>
        )}
        <Field
          name="/session"
          label={t("security.api_password")}
          error={checkResult && !checkResult.ok ? checkResult.text : undefined}
        >
          {(id, desc) => (
            <input
              id={id}
              type="password"
              autocomplete="current-password"
              aria-describedby={desc}
              value={entered}
              onInput={(e) => setEntered(e.currentTarget.value)}
            />
          )}
        </Field>
        <div class="form-footer">
          <button type="submit" class="primary" disabled={busy}>
            {t("security.validate")}
          </button>
          {checkResult?.ok && (
            <span class="saved" role="status">
              ✓ {checkResult.text}
            </span>
          )}
        </div>
        {checkResult && !checkResult.ok && checkResult.failure && (
          <FailureNotice failure={checkResult.failure} />
        )}
      </form>

      <form class="card form" onSubmit={submitNew} noValidate data-form="new-password">
        <h2>{state?.password_set ? t("security.change_title") : t("security.set_title")}</h2>
        <Field
          name="/password"
          label={t("mqtt.new_password")}
          error={fieldErr["/password"]}
          hint={t("security.new_hint")}
        >
          {(id, desc) => (
            <PasswordInput
              id={id}
              desc={desc}
              value={fresh.password}
              onValue={(text) => setFresh({ ...fresh, password: text })}
            />
          )}
        </Field>
        <Field name="/repeat" label={t("security.repeat")} error={fieldErr["/repeat"]}>
          {(id, desc) => (
            <PasswordInput
              id={id}
              desc={desc}
              value={fresh.repeat}
              onValue={(text) => setFresh({ ...fresh, repeat: text })}
            />
          )}
        </Field>
        <div class="form-footer">
          <button type="submit" class="primary" disabled={busy}>
            {state?.password_set ? t("security.change") : t("security.set")}
          </button>
          {state?.password_set &&
            (confirmClear ? (
              <>
                <button type="button" class="danger" disabled={busy} onClick={() => void change(null)}>
                  {t("security.yes_clear")}
                </button>
                <button type="button" onClick={() => setConfirmClear(false)}>
                  {t("common.cancel")}
                </button>
              </>
            ) : (
              <button type="button" disabled={busy} onClick={() => setConfirmClear(true)}>
                {t("security.clear")}
              </button>
            ))}
        </div>
        {changeResult?.ok && (
          <p class="saved" role="status">
            ✓ {changeResult.text}
          </p>
        )}
        {changeResult && !changeResult.ok && changeResult.text && (
          <p class="form-error">⚠ {changeResult.text}</p>
        )}
        {changeResult && !changeResult.ok && changeResult.failure && (
          <FailureNotice failure={changeResult.failure} />
        )}
      </form>
    </div>
  );
}
