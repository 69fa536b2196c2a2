import { useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, load, session, write } from "../api/client.js";
import type { SecurityState } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { Field, PasswordInput } from "../components/field.js";
import { focusFirstProblem } from "../hooks/use-form.js";
import { Link, useLocation } from "../router.js";
import { PASSWORD_RULE } from "../words/settings-rules.js";

type Outcome = { ok: true; text: string } | { ok: false; text?: string; failure?: ApiFailure } | null;

const PAGE_NAMES: Record<string, string> = {
  "/": "your settings",
  "/config": "Config → Device",
  "/config/radio": "Config → Radio",
  "/config/wifi": "Config → Wi-Fi",
  "/history": "History",
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
      setCheckResult({ ok: false, text: "Enter the password first." });
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
        text:
          state?.password_set === false
            ? "No password is set on the device: writes are open."
            : "Password accepted; kept for this browser session.",
      });
    } catch (err) {
      const f = asFailure(err);
      setCheckResult(
        f.kind === "unauthorized" ? { ok: false, text: "Wrong password." } : { ok: false, failure: f },
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
        text: password
          ? "Password set. It is kept for this session; other browsers need it for changes."
          : "Password cleared: writes are open.",
      });
    } catch (err) {
      const f = asFailure(err);
      if (f.kind === "unauthorized")
        setChangeResult({
          ok: false,
          text: "The current password is needed first: enter it above and validate.",
        });
      else if (f.kind === "validation") {
        setFieldErr({ "/password": PASSWORD_RULE });
        focusFirstProblem("new-password");
        setChangeResult({ ok: false, text: "Not changed." });
      } else setChangeResult({ ok: false, failure: f });
    } finally {
      setBusy(false);
    }
  };

  const submitNew = (e: Event) => {
    e.preventDefault();
    if (fresh.password !== fresh.repeat) {
      setFieldErr({ "/repeat": "The two entries differ." });
      focusFirstProblem("new-password");
      return;
    }
    if (!fresh.password) {
      setFieldErr({ "/password": "Enter the new password." });
      focusFirstProblem("new-password");
      return;
    }
    void change(fresh.password);
  };

  return (
    <div class="config-section" data-section="security">
      {back && (
        <div class="notice notice-warn" role="alert" data-testid="auth-needed">
          <strong>The device needs the API password to save.</strong> Enter it below; your unsaved changes are
          kept.
          {checkResult?.ok && (
            <>
              {" "}
              <Link href={back} class="button primary" data-testid="back-to-form">
                Back to {PAGE_NAMES[back] ?? back}
              </Link>
            </>
          )}
        </div>
      )}
      {loadError && <FailureNotice failure={loadError} />}
      {state && (
        <p data-testid="password-state">
          {state.password_set
            ? "An API password is set: changes need it (reading stays open)."
            : "No API password is set: anyone on the network can change settings."}
        </p>
      )}

      <form class="card form" onSubmit={validate} noValidate data-form="session-password">
        <h2>Password for this session</h2>
        {token ? (
          <p>
            A password is kept for this browser session and sent with every change.{" "}
            <button
              type="button"
              class="link-button"
              onClick={() => {
                session.setToken(null);
                setToken(null);
                setCheckResult(null);
              }}
            >
              Forget it
            </button>
          </p>
        ) : (
          <p class="muted">Not entered yet.</p>
        )}
        <Field
          name="/session"
          label="API password"
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
            Validate
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
        <h2>{state?.password_set ? "Change the password" : "Set a password"}</h2>
        <Field
          name="/password"
          label="New password"
          error={fieldErr["/password"]}
          hint="8–64 characters, no spaces."
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
        <Field name="/repeat" label="Repeat" error={fieldErr["/repeat"]}>
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
            {state?.password_set ? "Change password" : "Set password"}
          </button>
          {state?.password_set &&
            (confirmClear ? (
              <>
                <button type="button" class="danger" disabled={busy} onClick={() => void change(null)}>
                  Yes, clear it
                </button>
                <button type="button" onClick={() => setConfirmClear(false)}>
                  Cancel
                </button>
              </>
            ) : (
              <button type="button" disabled={busy} onClick={() => setConfirmClear(true)}>
                Clear password…
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
