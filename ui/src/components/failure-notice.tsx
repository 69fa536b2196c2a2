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
    case "storage_full":
      return "Not saved: the device's storage is full";
    case "server":
      return "The device had a problem";
  }
}

/**
 * What to do, in the UI's own words: the device's `message` is for programs and logs (it may name API
 * paths or schema rules), so it is never shown here; validation problems are shown next to their fields.
 */
function advice(f: ApiFailure, retrying: boolean): string {
  const again = retrying && f.transient ? " Trying again…" : "";
  switch (f.kind) {
    case "network":
    case "timeout":
      return `The device does not answer: it may be restarting, switched off or out of WiFi range.${retrying ? " Trying again…" : ""}`;
    case "not_json":
    case "absent":
      return "This device does not offer this page; an older device may not have it.";
    case "wrong_mode":
      return `This page belongs to ${f.token === "aircraft_mode_only" ? "aircraft" : "winch"} mode, and the device is in the other mode. Switch the mode under Config → Device if this unit should do that.`;
    case "unauthorized":
      return "Changes on this device need its API password.";
    case "rate_limited":
      return f.retryAfterS
        ? `Too many wrong passwords. Try again in ${f.retryAfterS} s.`
        : "Too many wrong passwords. Try again in a moment.";
    case "validation":
      return "Some values were not accepted; each is marked next to its field.";
    case "storage_full":
      return "Nothing was changed on the device, and what you entered is still here. Free some space on the device's storage (or ask whoever looks after it), then try again.";
    case "rejected":
      return `The device did not accept this request (answer ${f.status}).${again}`;
    case "server":
      return `The device had a problem${f.status ? ` (answer ${f.status})` : ""}; try again in a moment.${again}`;
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
          <Link href="/config">Open Config → Device</Link>
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
