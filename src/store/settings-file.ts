import { createHash } from "node:crypto";

/**
 * On-disk form of one namespace: a marker, a format version, the namespace it belongs to, and a
 * SHA-256 over the compact JSON of the value. The checksum catches what a successful JSON.parse
 * would not: a file edited by hand, copied from another namespace, or damaged by the medium.
 */
export const SETTINGS_FORMAT = "owts-settings";
export const SETTINGS_FORMAT_VERSION = 1;

export type DecodedSettings = { ok: true; value: unknown } | { ok: false; reason: string };

function digest(compactJson: string): string {
  return createHash("sha256").update(compactJson).digest("hex");
}

export function encodeSettingsFile(namespace: string, value: unknown): string {
  const doc = {
    format: SETTINGS_FORMAT,
    version: SETTINGS_FORMAT_VERSION,
    namespace,
    sha256: digest(JSON.stringify(value)),
    value,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Never throws: every way a file can be wrong becomes a reason in plain words. */
export function decodeSettingsFile(text: string, namespace: string): DecodedSettings {
  if (text.trim() === "") return { ok: false, reason: "the file is empty" };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // The parser's message quotes file content, which may be a secret's hash: report the size only.
    return { ok: false, reason: `not valid JSON (${Buffer.byteLength(text)} bytes)` };
  }
  if (!isRecord(doc) || doc.format !== SETTINGS_FORMAT) {
    return { ok: false, reason: `not an OWTS settings file (no "format": "${SETTINGS_FORMAT}" marker)` };
  }
  if (doc.version !== SETTINGS_FORMAT_VERSION) {
    return {
      ok: false,
      reason: `format version ${JSON.stringify(doc.version)} is not supported (this software reads version ${SETTINGS_FORMAT_VERSION})`,
    };
  }
  if (doc.namespace !== namespace) {
    return {
      ok: false,
      reason: `it belongs to namespace ${JSON.stringify(doc.namespace)}, not "${namespace}"`,
    };
  }
  if (typeof doc.sha256 !== "string" || !("value" in doc)) {
    return { ok: false, reason: "the checksum or the value is missing" };
  }
  if (digest(JSON.stringify(doc.value)) !== doc.sha256) {
    return { ok: false, reason: "checksum mismatch (torn write or edited by hand)" };
  }
  return { ok: true, value: doc.value };
}
