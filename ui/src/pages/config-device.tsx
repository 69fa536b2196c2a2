import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiFailure, asFailure, write } from "../api/client.js";
import type { DeviceMode, ModeChange } from "../api/types.js";
import { waitForDevice } from "../api/wait-for-device.js";
import { FailureNotice } from "../components/failure-notice.js";
import { useDevice } from "../device.js";
import { goToSecurity } from "../hooks/use-form.js";
import { type MessageKey, t, tParts } from "../i18n/translate.js";

const MODE_TEXT: Record<DeviceMode, { title: MessageKey; text: MessageKey; name: MessageKey }> = {
  aircraft: { title: "device.aircraft", text: "device.aircraft_text", name: "mode.aircraft" },
  winch: { title: "device.winch", text: "device.winch_text", name: "mode.winch" },
};

/** The mode's name as a sentence uses it ("winch", "Winde"). */
const modeName = (m: DeviceMode): string => t(MODE_TEXT[m].name);

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
        setStep({ kind: "done", message: t("device.already_in_mode", { mode: modeName(mode) }) });
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
        <h2>{t("device.mode")}</h2>
        {dev.mode ? (
          <p>
            {tParts("device.mode_is", {
              mode: <strong data-testid="current-mode">{modeName(dev.mode)}</strong>,
            })}
          </p>
        ) : dev.error ? (
          <FailureNotice failure={dev.error} retrying={dev.error.transient} />
        ) : (
          <p class="muted">{t("device.mode_unknown")}</p>
        )}
        <fieldset class="mode-choices">
          <legend class="visually-hidden">{t("device.device_mode")}</legend>
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
              <strong>{t(MODE_TEXT[m].title)}</strong>
              <span>{t(MODE_TEXT[m].text)}</span>
              {dev.mode === m && <em>{t("device.current")}</em>}
            </button>
          ))}
        </fieldset>
        {step.kind === "confirm" && step.action === "mode" && step.mode && (
          <div class="confirm" role="alertdialog" aria-label={t("device.confirm_mode_label")}>
            <p>{tParts("device.confirm_mode", { mode: <strong>{modeName(step.mode)}</strong> })}</p>
            <button
              type="button"
              class="primary danger"
              onClick={() => void switchMode(step.mode as DeviceMode)}
            >
              {t("device.switch_to", { mode: modeName(step.mode) })}
            </button>
            <button type="button" onClick={() => setStep({ kind: "idle" })}>
              {t("common.cancel")}
            </button>
          </div>
        )}
      </section>

      <section class="card">
        <h2>{t("device.reboot")}</h2>
        <p>{t("device.reboot_text")}</p>
        {step.kind === "confirm" && step.action === "reboot" ? (
          <div class="confirm" role="alertdialog" aria-label={t("device.confirm_reboot_label")}>
            <p>{t("device.confirm_reboot")}</p>
            <button type="button" class="primary danger" onClick={() => void reboot()}>
              {t("device.reboot_now")}
            </button>
            <button type="button" onClick={() => setStep({ kind: "idle" })}>
              {t("common.cancel")}
            </button>
          </div>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() => setStep({ kind: "confirm", action: "reboot" })}
          >
            {t("device.reboot_ellipsis")}
          </button>
        )}
      </section>

      {step.kind === "sending" && (
        <p class="notice notice-info" role="status">
          {t("device.sending")}
        </p>
      )}
      {step.kind === "waiting" && (
        <p class="notice notice-info" role="status" data-testid="restart-wait">
          {step.action === "mode" && step.mode
            ? t("device.restarting_in", { mode: modeName(step.mode), seconds: step.elapsedS })
            : t("device.rebooting", { seconds: step.elapsedS })}
        </p>
      )}
      {step.kind === "timeout" && (
        <div class="notice notice-warn" role="alert">
          {t("device.not_back")}{" "}
          <button type="button" onClick={() => void wait(step.action, step.mode)}>
            {t("device.keep_waiting")}
          </button>{" "}
          <button type="button" onClick={() => location.assign("/")}>
            {t("device.reload_now")}
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
