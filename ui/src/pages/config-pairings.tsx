import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiFailure, asFailure, getJson, isAbort, write } from "../api/client.js";
import type { WinchPairing, WinchPairingList, WinchState } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { Field } from "../components/field.js";
import { QrScanner, qrScanSupport } from "../components/qr-scanner.js";
import { goToSecurity } from "../hooks/use-form.js";
import { plainFieldErrors } from "../words/plain.js";

/** What the code field accepts, for messages of the device that speak schema. */
const CODE_RULES = { "/code": "A pairing code: OWTS- and 7 groups of 5 letters and digits." };

type Step =
  | { kind: "idle" }
  | { kind: "adding" }
  | { kind: "added"; pairing: WinchPairing; created: boolean }
  | { kind: "confirm-remove"; pairing: WinchPairing }
  | { kind: "removing" }
  | { kind: "failed"; failure: ApiFailure };

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "not yet";
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
      if (!res) throw new Error("The device sent no pairing.");
      const known = list?.some((p) => p.key_id === res.key_id) ?? false;
      setStep({ kind: "added", pairing: res, created: !known });
      setCode("");
      await load();
    } catch (err) {
      const failure = asFailure(err);
      if (failure.kind === "unauthorized") return goToSecurity();
      if (failure.kind === "validation" || (failure.kind === "rejected" && failure.status === 409)) {
        const errors = plainFieldErrors(failure.details, CODE_RULES);
        setCodeError(errors["/code"] ?? "The device did not accept this code.");
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
        <h2>Pair an aircraft</h2>
        <p>
          On the aircraft unit, open Config → Pairing and show its pairing code. Once this winch has a
          pairing, it shows only the airspeed of paired aircraft; others are named as heard, never shown as
          IAS.
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void add(code);
          }}
        >
          <Field
            name="/code"
            label="Pairing code"
            hint="OWTS- and 7 groups of 5; case, spaces and dashes do not matter."
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
            Pair
          </button>{" "}
          {canScan && !scanning && (
            <button type="button" disabled={busy} onClick={() => setScanning(true)} data-testid="scan-start">
              Scan with the camera
            </button>
          )}
        </form>
        {canScan === false && (
          <p class="muted" data-testid="scan-unsupported">
            This browser cannot read QR codes with the camera: type the code instead.
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
            {step.created ? "Paired" : "Already paired"}: key <code>{step.pairing.key_id}</code>. The
            aircraft's name appears with its first verified frame.
          </p>
        )}
      </section>

      <section class="card">
        <h2>Paired aircraft</h2>
        {loadFailure && <FailureNotice failure={loadFailure} />}
        {list === null && !loadFailure && <p class="muted">Loading…</p>}
        {list?.length === 0 && (
          <p data-testid="no-pairings">
            No aircraft paired. This winch shows any aircraft it hears, marked <strong>unverified</strong>.
          </p>
        )}
        {list && list.length > 0 && (
          <ul class="pairing-list" data-testid="pairings-table">
            {list.map((p) => (
              <li key={p.key_id} data-key-id={p.key_id}>
                <strong>{p.registration ? `${p.registration} (${p.type ?? "?"})` : "Not heard yet"}</strong>
                <dl class="facts">
                  <div>
                    <dt>Key id</dt>
                    <dd>
                      <code>{p.key_id}</code>
                    </dd>
                  </div>
                  <div>
                    <dt>Added</dt>
                    <dd>{when(p.added)}</dd>
                  </div>
                  <div>
                    <dt>Last verified frame</dt>
                    <dd>{when(p.last_verified)}</dd>
                  </div>
                </dl>
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => setStep({ kind: "confirm-remove", pairing: p })}
                >
                  Remove…
                </button>
              </li>
            ))}
          </ul>
        )}
        {step.kind === "confirm-remove" && (
          <div class="confirm" role="alertdialog" aria-label="Confirm removing the pairing">
            <p>
              Remove the pairing with{" "}
              <strong>{step.pairing.registration ?? `key ${step.pairing.key_id}`}</strong>? Its airspeed is no
              longer shown as verified until it is paired again.
            </p>
            <button type="button" class="primary danger" onClick={() => void remove(step.pairing)}>
              Remove
            </button>
            <button type="button" onClick={() => setStep({ kind: "idle" })}>
              Cancel
            </button>
          </div>
        )}
        {heard.length > 0 && (
          <div class="notice notice-warn" data-testid="pairings-heard">
            Heard but not paired:{" "}
            {heard.map((h, i) => (
              <span key={`${h.registration}-${i}`}>
                {i > 0 && ", "}
                <strong>{h.registration}</strong> ({h.type})
              </span>
            ))}
            . Pair it with the code its unit shows.
          </div>
        )}
      </section>
      {step.kind === "failed" && <FailureNotice failure={step.failure} />}
    </div>
  );
}
