import { load } from "./client.js";
import type { About } from "./types.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * After a mode change or reboot: asks /api/about once a second until `ready` accepts the answer, or
 * gives up after `timeoutMs` (null). The first look waits a moment so the old runtime is not mistaken
 * for the new one.
 */
export async function waitForDevice(
  ready: (about: About) => boolean,
  opts: {
    timeoutMs?: number;
    firstDelayMs?: number;
    signal?: AbortSignal;
    onAttempt?: (elapsedMs: number) => void;
  } = {},
): Promise<About | null> {
  const started = Date.now();
  const timeout = opts.timeoutMs ?? 60_000;
  await sleep(opts.firstDelayMs ?? 1000);
  while (Date.now() - started < timeout && !opts.signal?.aborted) {
    opts.onAttempt?.(Date.now() - started);
    try {
      const about = await load<About>("/api/about", {
        timeoutMs: 3000,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (ready(about)) return about;
    } catch {
      // Restarting: not answering is expected for a while.
    }
    await sleep(1000);
  }
  return null;
}
