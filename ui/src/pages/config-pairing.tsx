import { useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, getJson, isAbort, write } from "../api/client.js";
import type { LinkKeyInfo, PairingCode } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { QrCode } from "../components/qr-code.js";
import { goToSecurity } from "../hooks/use-form.js";

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
      if (!code) throw new Error("The device sent no pairing code.");
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
        <h2>Pairing code</h2>
        <p>
          A winch shows this unit's airspeed as verified only once it is paired with it. On the winch, open
          Config → Pairings and scan the QR code or type the code.
        </p>
        {loadFailure && <FailureNotice failure={loadFailure} />}
        {info && (
          <p class="muted" data-testid="key-id">
            Key id <code>{info.key_id}</code>, made {new Date(info.created).toLocaleString()}
          </p>
        )}
        {shown ? (
          <div class="pairing-code" data-testid="pairing-code">
            <QrCode text={shown.code} label={`Pairing code of ${shown.registration} as a QR code`} />
            <p class="visually-hidden">Pairing code to type:</p>
            <p class="code-groups">
              {codeGroups(shown.code).map((g, i) => (
                <code key={i} class="code-group">
                  {g}
                </code>
              ))}
            </p>
            <p class="hint">
              For {shown.registration} ({shown.type}). Anyone with this code can send frames a paired winch
              believes: show it to the winch, not to the crowd.
            </p>
            {rotated && (
              <p class="notice notice-warn" role="status" data-testid="rotated">
                New key made: winches paired before no longer trust this unit. Pair each again with this code.
              </p>
            )}
            <button type="button" onClick={() => setShown(null)}>
              Hide the code
            </button>
          </div>
        ) : (
          <button type="button" class="primary" disabled={busy} onClick={() => void fetchCode("show")}>
            Show the pairing code
          </button>
        )}
      </section>

      <section class="card">
        <h2>New key</h2>
        <p>
          Makes a new link key, for when the code got into the wrong hands. Every winch paired with this unit
          stops trusting it until it is paired again with the new code.
        </p>
        {step.kind === "confirm-rotate" ? (
          <div class="confirm" role="alertdialog" aria-label="Confirm the new key">
            <p>
              Make a new key now? Winches paired with the old one no longer show this unit's airspeed as
              verified.
            </p>
            <button type="button" class="primary danger" onClick={() => void fetchCode("rotate")}>
              Make a new key
            </button>
            <button type="button" onClick={() => setStep({ kind: "idle" })}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" disabled={busy} onClick={() => setStep({ kind: "confirm-rotate" })}>
            New key…
          </button>
        )}
      </section>
      {busy && (
        <p class="notice notice-info" role="status">
          Asking the device…
        </p>
      )}
      {step.kind === "failed" && <FailureNotice failure={step.failure} />}
    </div>
  );
}
