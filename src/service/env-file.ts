/**
 * /etc/default/owts: the baked-in `owts start` flags as OWTS_* lines, in the syntax systemd's
 * `EnvironmentFile=` reads (KEY="value", backslash escapes inside the quotes).
 */

/** A value that cannot be written as one line of an environment file. */
export class EnvFileError extends Error {
  override name = "EnvFileError";
}

/** One KEY="value" line per entry, in the given order, under a header saying where they came from. */
export function renderEnvFile(entries: ReadonlyArray<readonly [string, string]>): string {
  const lines = ["# owts start flags baked in by `owts service install` (see owts start --help)."];
  for (const [key, value] of entries) {
    if (!/^OWTS_[A-Z0-9_]+$/.test(key)) throw new EnvFileError(`${key} is not an OWTS_* variable name`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(value))
      throw new EnvFileError(`${key}: the value holds a control character`);
    // systemd may expand $VAR in these files; a literal dollar sign is refused rather than guessed at.
    if (/[$`]/.test(value))
      throw new EnvFileError(`${key}: the value holds "$" or "\`", which the file cannot carry as is`);
    lines.push(`${key}="${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`);
  }
  return `${lines.join("\n")}\n`;
}
