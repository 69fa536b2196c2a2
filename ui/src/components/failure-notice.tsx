import type { ApiFailure } from "../api/client.js";
import { t } from "../i18n/translate.js";
import { Link } from "../router.js";

function title(f: ApiFailure): string {
  switch (f.kind) {
    case "network":
    case "timeout":
      return t("fail.unreachable");
    case "not_json":
    case "absent":
      return t("fail.absent");
    case "wrong_mode":
      return t(f.token === "aircraft_mode_only" ? "fail.only_aircraft" : "fail.only_winch");
    case "unauthorized":
      return t("fail.password_needed");
    case "rate_limited":
      return t("fail.too_many");
    case "validation":
    case "rejected":
      return t("fail.not_accepted");
    case "server":
      return t("fail.server");
  }
}

/**
 * What to do, in the UI's own words: the device's `message` is for programs and logs (it may name API
 * paths or schema rules), so it is never shown here; validation problems are shown next to their fields.
 */
function advice(f: ApiFailure, retrying: boolean): string {
  const again = retrying && f.transient ? ` ${t("fail.trying_again")}` : "";
  switch (f.kind) {
    case "network":
    case "timeout":
      return `${t("fail.unreachable_advice")}${retrying ? ` ${t("fail.trying_again")}` : ""}`;
    case "not_json":
    case "absent":
      return t("fail.absent_advice");
    case "wrong_mode":
      return t(f.token === "aircraft_mode_only" ? "fail.wrong_mode_aircraft" : "fail.wrong_mode_winch");
    case "unauthorized":
      return t("fail.password_advice");
    case "rate_limited":
      return f.retryAfterS ? t("fail.rate_limited_in", { seconds: f.retryAfterS }) : t("fail.rate_limited");
    case "validation":
      return t("fail.validation");
    case "rejected":
      return `${t("fail.rejected", { status: f.status })}${again}`;
    case "server":
      return `${f.status ? t("fail.server_status", { status: f.status }) : t("fail.server_advice")}${again}`;
  }
}

/** The on-screen state for a failed request: what happened, in plain words, and what to do. */
export function FailureNotice({
  failure,
  retrying = false,
  compact = false,
}: {
  failure: ApiFailure;
  retrying?: boolean;
  compact?: boolean;
}) {
  return (
    <div
      class={`notice notice-${failure.transient ? "warn" : "info"}${compact ? " compact" : ""}`}
      role="status"
      data-failure={failure.kind}
    >
      <strong>{title(failure)}</strong>
      <span> {advice(failure, retrying)}</span>
      {failure.kind === "wrong_mode" && (
        <span>
          {" "}
          <Link href="/config">{t("fail.open_config_device")}</Link>
        </span>
      )}
      {failure.kind === "unauthorized" && (
        <span>
          {" "}
          <Link href="/config/security">{t("fail.enter_password")}</Link>
        </span>
      )}
    </div>
  );
}
