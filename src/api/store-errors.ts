import { ApiError } from "../core/api-error.js";
import { StoreValidationError } from "../store/settings-store.js";
import type { FieldProblem } from "./schemas/common.js";

/** 400 `validation_failed` with one detail per problem; nothing was stored. */
export function rulesFailed(problems: FieldProblem[], what: string): ApiError {
  return new ApiError(
    400,
    "validation_failed",
    `the ${what} breaks ${problems.length === 1 ? "a rule" : "rules"}`,
    problems,
  );
}

/**
 * Runs a settings write; a value the namespace's own schema refuses becomes `400 validation_failed`
 * (the store changed nothing). Anything else (a failed disk write) propagates as an internal error.
 */
export async function storeOrReject<T>(write: () => Promise<T>, what: string): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof StoreValidationError) throw rulesFailed(err.details, what);
    throw err;
  }
}
