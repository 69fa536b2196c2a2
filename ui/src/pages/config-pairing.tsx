import { useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, getJson, isAbort, write } from "../api/client.js";
import type { LinkKeyInfo, PairingCode } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { QrCode } from "../components/qr-code.js";
import { goToSecurity } from "../hooks/use-form.js";
import { t } from "../i18n/translate.js";

/** `OWTS-0G4TR-7KQ2M-…` as the groups a person types, one by one. */
export function codeGroups(code: string): string[] {
  return code.split("-").filter(Boolean);
}

type Step =
  | { kind: "idle" }
  | { kind: "confirm-rotate" }
  | { kind: "busy"; what: "show" | "rotate" }
  | { kind: "failed"; failure: ApiFailure };

/**
 * Config → Pairing (aircraft): the pairing code a winch needs to trust this unit, as a QR code and as
 * typed groups, shown on request (it is the key itself); and a new key, confirmed first, after which
 * every winch must pair again.
 */
export function ConfigPairing() {
  const [info, setInfo] = useState<LinkKeyInfo | null>(null);
  const [loadFailure, setLoadFailure] = useState<ApiFailure | null>(null);
  const [shown, setShown] = useState<PairingCode | null>(null);
  const [rotated, setRotated] = useState(false);
  const [step, setStep] = useState<Step>({ kind: "idle" });

  const load = (signal?: AbortSignal) =>
    getJson<LinkKeyInfo>("/api/pairing", signal ? { signal } : {})
      .then((r) => {
        setInfo(r.data);
        setLoadFailure(null);
      })
      .catch((err) => {
        if (!isAbort(err)) setLoadFailure(asFailure(err));
      });
  useEffect(() => {
    const ctrl = new AbortController();
    void load(ctrl.signal);
    return () => ctrl.abort();
  }, []);

  const fetchCode = async (what: "show" | "rotate") => {
    setStep({ kind: "busy", what });
    try {
      const code = await write<PairingCode>("POST", what === "show" ? "/api/pairing" : "/api/pairing/rotate");
      if (!code) throw new Error(t("pairing.no_code"));
      setShown(code);
      if (what === "rotate") void load();
      setRotated(what === "rotate");
      setStep({ kind: "idle" });
    } catch (err) {
      const failure = asFailure(err);
      if (failure.kind === "unauthorized") return goToSecurity();
      setStep({ kind: "failed", failure });
    }
  };

  const busy = step.kind === "busy";
  return (
    <div class="config-section" data-section="pairing">
      <section class="card">
        <h2>{t("pairing.code_title")}</h2>
        <p>{t("pairing.intro")}</p>
        {loadFailure && <FailureNotice failure={loadFailure} />}
        {info && (
          <p class="muted" data-testid="key-id">
            {t("pairing.key_id", { key_id: info.key_id, created: new Date(info.created).toLocaleString() })}
          </p>
        )}
        {shown ? (
          <div class="pairing-code" data-testid="pairing-code">
            <QrCode text={shown.code} label={t("pairing.qr_label", { registration: shown.registration })} />
            <p class="visually-hidden">{t("pairing.code_to_type")}</p>
            <p class="code-groups">
              {codeGroups(shown.code).map((g, i) => (
                <code key={i} class="code-group">
                  {g}
                </code>
              ))}
            </p>
            <p class="hint">
              {t("pairing.code_for", { registration: shown.registration, type: shown.type })}
            </p>
            {rotated && (
              <p class="notice notice-warn" role="status" data-testid="rotated">
                {t("pairing.rotated")}
              </p>
            )}
            <button type="button" onClick={() => setShown(null)}>
              {t("pairing.hide")}
            </button>
          </div>
        ) : (
          <button type="button" class="primary" disabled={busy} onClick={() => void fetchCode("show")}>
            {t("pairing.show")}
          </button>
        )}
      </section>

      <section class="card">
        <h2>{t("pairing.new_key_title")}</h2>
        <p>{t("pairing.new_key_intro")}</p>
        {step.kind === "confirm-rotate" ? (
          <div class="confirm" role="alertdialog" aria-label={t("pairing.confirm_new_key")}>
            <p>{t("pairing.confirm_new_key_text")}</p>
            <button type="button" class="primary danger" onClick={() => void fetchCode("rotate")}>
              {t("pairing.make_new_key")}
            </button>
            <button type="button" onClick={() => setStep({ kind: "idle" })}>
              {t("common.cancel")}
            </button>
          </div>
        ) : (
          <button type="button" disabled={busy} onClick={() => setStep({ kind: "confirm-rotate" })}>
            {t("pairing.new_key_button")}
          </button>
        )}
      </section>
      {busy && (
        <p class="notice notice-info" role="status">
          {t("pairing.asking")}
        </p>
      )}
      {step.kind === "failed" && <FailureNotice failure={step.failure} />}
    </div>
  );
}
