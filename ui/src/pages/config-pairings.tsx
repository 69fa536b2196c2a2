import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiFailure, asFailure, getJson, isAbort, write } from "../api/client.js";
import type { WinchPairing, WinchPairingList, WinchState } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { Field } from "../components/field.js";
import { QrScanner, qrScanSupport } from "../components/qr-scanner.js";
import { goToSecurity } from "../hooks/use-form.js";
import { t } from "../i18n/translate.js";
import { plainFieldErrors } from "../words/plain.js";

/** What the code field accepts, for messages of the device that speak schema. */
const codeRules = () => ({ "/code": t("pairings.rule_code") });

type Step =
  | { kind: "idle" }
  | { kind: "adding" }
  | { kind: "added"; pairing: WinchPairing; created: boolean }
  | { kind: "confirm-remove"; pairing: WinchPairing }
  | { kind: "removing" }
  | { kind: "failed"; failure: ApiFailure };

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : t("pairings.not_yet");
}

/**
 * Config → Pairings (winch): the aircraft units this winch trusts. Add one by its pairing code, typed
 * or scanned with the camera where the browser can read QR codes; remove one after a confirmation.
 * A code the device refuses gets the device's reason next to the field, and nothing is stored.
 */
export function ConfigPairings() {
  const [list, setList] = useState<WinchPairing[] | null>(null);
  const [heard, setHeard] = useState<WinchState["unpaired_heard"]>([]);
  const [loadFailure, setLoadFailure] = useState<ApiFailure | null>(null);
  const [code, setCode] = useState("");
  const [codeError, setCodeError] = useState<string | undefined>(undefined);
  const [step, setStep] = useState<Step>({ kind: "idle" });
  const [scanning, setScanning] = useState(false);
  const [canScan, setCanScan] = useState<boolean | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const load = async (signal?: AbortSignal) => {
    try {
      const [p, w] = await Promise.all([
        getJson<WinchPairingList>("/api/winch/pairings", signal ? { signal } : {}),
        getJson<WinchState>("/api/winch", signal ? { signal } : {}),
      ]);
      setList(p.data.pairings);
      setHeard(w.data.unpaired_heard);
      setLoadFailure(null);
    } catch (err) {
      if (!isAbort(err)) setLoadFailure(asFailure(err));
    }
  };
  useEffect(() => {
    const ctrl = new AbortController();
    void load(ctrl.signal);
    void qrScanSupport().then(setCanScan);
    return () => ctrl.abort();
  }, []);

  const add = async (text: string) => {
    setStep({ kind: "adding" });
    setCodeError(undefined);
    try {
      const res = await write<WinchPairing>("POST", "/api/winch/pairings", { code: text });
      if (!res) throw new Error(t("pairings.no_pairing_sent"));
      const known = list?.some((p) => p.key_id === res.key_id) ?? false;
      setStep({ kind: "added", pairing: res, created: !known });
      setCode("");
      await load();
    } catch (err) {
      const failure = asFailure(err);
      if (failure.kind === "unauthorized") return goToSecurity();
      if (failure.kind === "validation" || (failure.kind === "rejected" && failure.status === 409)) {
        const errors = plainFieldErrors(failure.details, codeRules());
        setCodeError(errors["/code"] ?? t("pairings.not_accepted"));
        setStep({ kind: "idle" });
        input.current?.focus();
        return;
      }
      setStep({ kind: "failed", failure });
    }
  };

  const remove = async (p: WinchPairing) => {
    setStep({ kind: "removing" });
    try {
      await write("DELETE", `/api/winch/pairings/${encodeURIComponent(p.key_id)}`);
      setStep({ kind: "idle" });
      await load();
    } catch (err) {
      const failure = asFailure(err);
      if (failure.kind === "unauthorized") return goToSecurity();
      setStep({ kind: "failed", failure });
    }
  };

  const busy = step.kind === "adding" || step.kind === "removing";
  return (
    <div class="config-section" data-section="pairings">
      <section class="card">
        <h2>{t("pairings.add_title")}</h2>
        <p>{t("pairings.add_intro")}</p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void add(code);
          }}
        >
          <Field
            name="/code"
            label={t("pairings.code_label")}
            hint={t("pairings.code_hint")}
            error={codeError}
          >
            {(id, desc) => (
              <input
                id={id}
                ref={input}
                type="text"
                autocomplete="off"
                autocapitalize="characters"
                spellcheck={false}
                aria-describedby={desc}
                aria-invalid={!!desc}
                value={code}
                maxLength={200}
                disabled={busy}
                onInput={(e) => {
                  setCode(e.currentTarget.value);
                  setCodeError(undefined);
                }}
              />
            )}
          </Field>
          <button type="submit" class="primary" disabled={busy || code.trim() === ""}>
            {t("pairings.pair")}
          </button>{" "}
          {canScan && !scanning && (
            <button type="button" disabled={busy} onClick={() => setScanning(true)} data-testid="scan-start">
              {t("pairings.scan")}
            </button>
          )}
        </form>
        {canScan === false && (
          <p class="muted" data-testid="scan-unsupported">
            {t("pairings.scan_unsupported")}
          </p>
        )}
        {scanning && (
          <QrScanner
            onCode={(text) => {
              setScanning(false);
              setCode(text);
              void add(text);
            }}
            onClose={() => setScanning(false)}
          />
        )}
        {step.kind === "added" && (
          <p class="notice notice-info" role="status" data-testid="pairing-added">
            {step.created
              ? t("pairings.added", { key_id: step.pairing.key_id })
              : t("pairings.already", { key_id: step.pairing.key_id })}
          </p>
        )}
      </section>

      <section class="card">
        <h2>{t("pairings.list_title")}</h2>
        {loadFailure && <FailureNotice failure={loadFailure} />}
        {list === null && !loadFailure && <p class="muted">{t("common.loading")}</p>}
        {list?.length === 0 && <p data-testid="no-pairings">{t("pairings.none")}</p>}
        {list && list.length > 0 && (
          <ul class="pairing-list" data-testid="pairings-table">
            {list.map((p) => (
              <li key={p.key_id} data-key-id={p.key_id}>
                <strong>
                  {p.registration ? `${p.registration} (${p.type ?? "?"})` : t("pairings.not_heard")}
                </strong>
                <dl class="facts">
                  <div>
                    <dt>{t("pairings.key_id")}</dt>
                    <dd>
                      <code>{p.key_id}</code>
                    </dd>
                  </div>
                  <div>
                    <dt>{t("pairings.added_at")}</dt>
                    <dd>{when(p.added)}</dd>
                  </div>
                  <div>
                    <dt>{t("pairings.last_verified")}</dt>
                    <dd>{when(p.last_verified)}</dd>
                  </div>
                </dl>
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => setStep({ kind: "confirm-remove", pairing: p })}
                >
                  {t("pairings.remove_button")}
                </button>
              </li>
            ))}
          </ul>
        )}
        {step.kind === "confirm-remove" && (
          <div class="confirm" role="alertdialog" aria-label={t("pairings.confirm_remove")}>
            <p>
              {t("pairings.confirm_remove_text", {
                name: step.pairing.registration ?? t("pairings.key_name", { key_id: step.pairing.key_id }),
              })}
            </p>
            <button type="button" class="primary danger" onClick={() => void remove(step.pairing)}>
              {t("pairings.remove")}
            </button>
            <button type="button" onClick={() => setStep({ kind: "idle" })}>
              {t("common.cancel")}
            </button>
          </div>
        )}
        {heard.length > 0 && (
          <div class="notice notice-warn" data-testid="pairings-heard">
            {t("pairings.heard")}{" "}
            {heard.map((h, i) => (
              <span key={`${h.registration}-${i}`}>
                {i > 0 && ", "}
                <strong>{h.registration}</strong> ({h.type})
              </span>
            ))}
            . {t("pairings.heard_help")}
          </div>
        )}
      </section>
      {step.kind === "failed" && <FailureNotice failure={step.failure} />}
    </div>
  );
}
