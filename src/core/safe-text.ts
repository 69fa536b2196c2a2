/**
 * Text that came from somewhere we do not control (an mDNS packet, a radio identity, a Host header, a
 * stored string) must not be able to forge a log line or recolour a terminal. Escaping happens where
 * text leaves for a console or the log ring, so no call site can forget it; call sites that quote a
 * peer's text also bound its length.
 */

// C0 controls, DEL and C1 controls; bidi embeddings, overrides and isolates; zero-width characters and
// the BOM; the Unicode line and paragraph separators. Each can hide, reorder or fake text on a screen.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

function escapeOne(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (ch === "\n") return "\\n";
  if (ch === "\r") return "\\r";
  if (ch === "\t") return "\\t";
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** True when `text` holds a character `escapeUnsafe` would change. */
export function hasUnsafeChars(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text);
}

/**
 * Why `text` cannot be stored as a name other software will show (an SSID, a type, a label), or null
 * when it can. Control characters end up in configuration files and logs; text-direction overrides
 * and invisible characters make one name look like another; a name of spaces only looks like none.
 */
export function freeTextProblem(text: string): string | null {
  if (hasUnsafeChars(text))
    return "must not contain control characters, invisible characters or text-direction overrides";
  if (text.length > 0 && text.trim().length === 0) return "must not be only spaces";
  return null;
}

/** Replaces every control, bidi and invisible character by a visible escape (`\n`, `\x1b`, `\u202e`). */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * A peer's text, quoted for a log line: escaped, at most `max` characters (then `…`), in double quotes
 * so where it starts and ends is never in doubt.
 * @default max 80
 */
export function quoted(text: string, max = 80): string {
  const cut = [...text];
  const shown = cut.length > max ? `${cut.slice(0, max).join("")}…` : text;
  return `"${escapeUnsafe(shown).replace(/"/g, '\\"')}"`;
}
