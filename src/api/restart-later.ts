import type { Restarter } from "./device-port.js";

/**
 * Starts the in-place restart without awaiting it (the request that asked for it is already answered).
 * A failure is logged, never left as an unhandled rejection that would end the process.
 */
export function restartInBackground(restarter: Restarter, reason: string): void {
  restarter.restart(reason).catch((err: unknown) => {
    restarter.logger
      .child({ tag: "api" })
      .error(`restart (${reason}) failed: ${err instanceof Error ? err.message : String(err)}`);
  });
}
