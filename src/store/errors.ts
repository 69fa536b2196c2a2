import type { FieldProblem } from "../core/problems.js";

/** A value was refused before anything was written; the namespace and its file are unchanged. */
export class StoreValidationError extends Error {
  override name = "StoreValidationError";

  constructor(
    readonly namespace: string,
    readonly details: FieldProblem[],
  ) {
    const first = details[0];
    const summary = first ? `${first.field} ${first.message}` : "invalid value";
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
    super(`settings "${namespace}" rejected: ${summary}${more}`);
  }
}

/** The data directory cannot hold settings; `message` is one line meant for the user. */
export class StoreOpenError extends Error {
  override name = "StoreOpenError";

  constructor(
    readonly dataDir: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot use data directory ${dataDir}: ${reason}`);
  }
}

/** The file system refused a write; the namespace keeps its previous value. */
export class StoreWriteError extends Error {
  override name = "StoreWriteError";

  constructor(
    readonly namespace: string,
    readonly file: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`settings "${namespace}" not saved to ${file}: ${reason}`);
  }
}

export function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

const PLAIN: Record<string, string> = {
  ENOTDIR: "a part of the path is a file, not a directory",
  EEXIST: "a file is in the way where a directory is needed",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EISDIR: "a directory is in the way where a file is needed",
  EIO: "input/output error on the storage",
  ENOENT: "no such file or directory",
};

/** An errno in plain words, with the code kept for searching ("permission denied (EACCES)"). */
export function plainReason(err: unknown): string {
  const code = errnoCode(err);
  if (code && PLAIN[code]) return `${PLAIN[code]} (${code})`;
  return err instanceof Error ? err.message : String(err);
}
