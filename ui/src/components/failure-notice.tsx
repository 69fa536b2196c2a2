import type { ApiFailure } from "../api/client.js";
import { Link } from "../router.js";

function title(f: ApiFailure): string {
  switch (f.kind) {
    case "network":
    case "timeout":
      return "Device not reachable";
    case "not_json":
    case "absent":
      return "Not available on this device";
    case "wrong_mode":
      return f.token === "aircraft_mode_only" ? "Only in aircraft mode" : "Only in winch mode";
    case "unauthorized":
      return "API password needed";
    case "rate_limited":
      return "Too many attempts";
    case "validation":
    case "rejected":
      return "Not accepted";
    case "server":
      return "The device had a problem";
  }
}

function advice(f: ApiFailure, retrying: boolean): string {
  switch (f.kind) {
    case "network":
    case "timeout":
      return `The device does not answer: it may be restarting, switched off or out of WiFi range.${retrying ? " Trying again…" : ""}`;
    case "not_json":
      return `${f.message} An older device may not have this page.`;
    case "wrong_mode":
      return `${f.message} Switch the mode under Config → Device if this unit should do that.`;
    case "rate_limited":
      return f.retryAfterS ? `${f.message} Wait ${f.retryAfterS} s.` : f.message;
    default:
      return retrying && f.transient ? `${f.message} Trying again…` : f.message;
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
          <Link href="/config">Config → Device</Link>
        </span>
      )}
      {failure.kind === "unauthorized" && (
        <span>
          {" "}
          <Link href="/config/security">Enter the password</Link>
        </span>
      )}
    </div>
  );
}
