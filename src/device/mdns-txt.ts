import { shortFingerprint } from "../certs/index.js";
import type { Mode } from "./identity.js";

/**
 * The unit's mDNS TXT pairs. `cert` is the short form of the HTTPS certificate's SHA-256 (its first
 * 16 bytes in lower-case hex), so an integration that finds the unit can pin it before connecting;
 * it changes only when the certificate does (renewal, `owts certs`), never on a mode change.
 */
export function deviceTxt(unit: {
  mode: Mode;
  espId: string;
  version: string;
  fingerprintSha256: string;
}): Record<string, string> {
  return {
    mode: unit.mode,
    id: unit.espId,
    version: unit.version,
    cert: shortFingerprint(unit.fingerprintSha256),
  };
}
