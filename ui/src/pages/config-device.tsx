import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiFailure, asFailure, write } from "../api/client.js";
import type { DeviceMode, ModeChange } from "../api/types.js";
import { waitForDevice } from "../api/wait-for-device.js";
import { FailureNotice } from "../components/failure-notice.js";
import { useDevice } from "../device.js";
import { goToSecurity } from "../hooks/use-form.js";

const MODE_TEXT: Record<DeviceMode, { title: string; text: string }> = {
  aircraft: { title: "Aircraft", text: "In the glider: measures IAS and sends it." },
  winch: { title: "Winch", text: "At the winch: receives and shows the glider's IAS." },
};

type Step =
  | { kind: "idle" }
  | { kind: "confirm"; action: "mode" | "reboot"; mode?: DeviceMode }
  | { kind: "sending"; action: "mode" | "reboot" }
  | { kind: "waiting"; action: "mode" | "reboot"; mode?: DeviceMode; elapsedS: number }
  | { kind: "timeout"; action: "mode" | "reboot"; mode?: DeviceMode }
  | { kind: "done"; message: string }
  | { kind: "failed"; failure: ApiFailure };

/** Where to reload: the same origin, unless the page was opened by the mDNS name that the mode change renames. */
function reloadTarget(oldHost: string | undefined, newHost: string | undefined): string {
  const here = location.hostname.toLowerCase();
  if (oldHost && newHost && here === oldHost.toLowerCase() && oldHost.toLowerCase() !== newHost.toLowerCase())
    return `${location.protocol}//${newHost}${location.port ? `:${location.port}` : ""}/`;
  return "/";
}

/** Config → Device: mode (confirm, wait for the restart, reload) and reboot. */
export function ConfigDevice() {
  const dev = useDevice();
  const [step, setStep] = useState<Step>({ kind: "idle" });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const wait = async (action: "mode" | "reboot", mode?: DeviceMode) => {
    const ctrl = new AbortController();
    abort.current = ctrl;
    setStep({ kind: "waiting", action, ...(mode ? { mode } : {}), elapsedS: 0 });
    const oldHost = dev.about?.hostname;
    const about = await waitForDevice((a) => (mode ? a.mode === mode : true), {
      signal: ctrl.signal,
      firstDelayMs: action === "reboot" ? 1500 : 500,
      onAttempt: (ms) =>
        setStep({ kind: "waiting", action, ...(mode ? { mode } : {}), elapsedS: Math.round(ms / 1000) }),
    });
    if (ctrl.signal.aborted) return;
    if (!about) {
      setStep({ kind: "timeout", action, ...(mode ? { mode } : {}) });
      return;
    }
    location.assign(reloadTarget(oldHost, about.hostname));
  };

  const switchMode = async (mode: DeviceMode) => {
    setStep({ kind: "sending", action: "mode" });
    try {
      const res = await write<ModeChange>("PUT", "/api/mode", { mode });
      if (res && !res.restarting) {
        setStep({ kind: "done", message: `The device is already in ${mode} mode.` });
        dev.refresh();
        return;
      }
      await wait("mode", mode);
    } catch (err) {
      const failure = asFailure(err);
      if (failure.kind === "unauthorized") return goToSecurity();
      setStep({ kind: "failed", failure });
    }
  };

  const reboot = async () => {
    setStep({ kind: "sending", action: "reboot" });
    try {
      await write("POST", "/api/reboot");
      await wait("reboot");
    } catch (err) {
      const failure = asFailure(err);
      if (failure.kind === "unauthorized") return goToSecurity();
      setStep({ kind: "failed", failure });
    }
  };

  const busy = step.kind === "sending" || step.kind === "waiting";
  return (
    <div class="config-section" data-section="device">
      <section class="card">
        <h2>Mode</h2>
        {dev.mode ? (
          <p>
            This device is in <strong data-testid="current-mode">{dev.mode}</strong> mode.
          </p>
        ) : dev.error ? (
          <FailureNotice failure={dev.error} retrying={dev.error.transient} />
        ) : (
          <p class="muted">The current mode is not known yet.</p>
        )}
        <fieldset class="mode-choices">
          <legend class="visually-hidden">Device mode</legend>
          {(Object.keys(MODE_TEXT) as DeviceMode[]).map((m) => (
            <button
              type="button"
              key={m}
              class={`mode-choice${dev.mode === m ? " current" : ""}`}
              aria-pressed={dev.mode === m}
              disabled={busy || dev.mode === m}
              onClick={() => setStep({ kind: "confirm", action: "mode", mode: m })}
              data-mode={m}
            >
              <strong>{MODE_TEXT[m].title}</strong>
              <span>{MODE_TEXT[m].text}</span>
              {dev.mode === m && <em>current</em>}
            </button>
          ))}
        </fieldset>
        {step.kind === "confirm" && step.action === "mode" && step.mode && (
          <div class="confirm" role="alertdialog" aria-label="Confirm the mode change">
            <p>
              Switch this device to <strong>{step.mode}</strong> mode? It restarts in the new mode; this page
              waits and reloads when the device is back. Unsaved changes on other pages are lost.
            </p>
            <button
              type="button"
              class="primary danger"
              onClick={() => void switchMode(step.mode as DeviceMode)}
            >
              Switch to {step.mode} mode
            </button>
            <button type="button" onClick={() => setStep({ kind: "idle" })}>
              Cancel
            </button>
          </div>
        )}
      </section>

      <section class="card">
        <h2>Reboot</h2>
        <p>Restarts the device from its stored settings.</p>
        {step.kind === "confirm" && step.action === "reboot" ? (
          <div class="confirm" role="alertdialog" aria-label="Confirm the reboot">
            <p>Reboot the device now? It is unavailable for a few seconds.</p>
            <button type="button" class="primary danger" onClick={() => void reboot()}>
              Reboot now
            </button>
            <button type="button" onClick={() => setStep({ kind: "idle" })}>
              Cancel
            </button>
          </div>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() => setStep({ kind: "confirm", action: "reboot" })}
          >
            Reboot…
          </button>
        )}
      </section>

      {step.kind === "sending" && (
        <p class="notice notice-info" role="status">
          Sending…
        </p>
      )}
      {step.kind === "waiting" && (
        <p class="notice notice-info" role="status" data-testid="restart-wait">
          {step.action === "mode" ? `Restarting in ${step.mode} mode` : "Rebooting"}… waiting for the device (
          {step.elapsedS} s). The page reloads when it is back.
        </p>
      )}
      {step.kind === "timeout" && (
        <div class="notice notice-warn" role="alert">
          The device has not come back within a minute. It may have a new address or name.{" "}
          <button type="button" onClick={() => void wait(step.action, step.mode)}>
            Keep waiting
          </button>{" "}
          <button type="button" onClick={() => location.assign("/")}>
            Reload now
          </button>
        </div>
      )}
      {step.kind === "done" && (
        <p class="notice notice-info" role="status">
          {step.message}
        </p>
      )}
      {step.kind === "failed" && <FailureNotice failure={step.failure} />}
    </div>
  );
}
