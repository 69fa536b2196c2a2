import { useEffect, useState } from "preact/hooks";

/** What became of the wake lock: held, not offered by this browser, or refused (battery saver, policy). */
export type WakeLockState = "held" | "unsupported" | "refused" | "idle";

interface Sentinel {
  released: boolean;
  release(): Promise<void>;
  addEventListener(type: "release", l: () => void): void;
}
interface WakeLockApi {
  request(type: "screen"): Promise<Sentinel>;
}

/**
 * Keeps the screen on while `active` and the page is visible: a phone at the winch must not go dark
 * mid-launch. Browsers drop the lock whenever the page is hidden, so it is asked for again each time
 * the page becomes visible. A browser without the API, or one that refuses, is reported, never retried
 * in a loop (one attempt per visibility change).
 */
export function useWakeLock(active: boolean): WakeLockState {
  const [state, setState] = useState<WakeLockState>("idle");
  useEffect(() => {
    if (!active) return;
    const api = (navigator as Navigator & { wakeLock?: WakeLockApi }).wakeLock;
    if (!api || typeof api.request !== "function") {
      setState("unsupported");
      return;
    }
    let sentinel: Sentinel | null = null;
    let stopped = false;
    const acquire = () => {
      if (stopped || document.visibilityState !== "visible" || (sentinel && !sentinel.released)) return;
      api.request("screen").then(
        (s) => {
          if (stopped) {
            void s.release().catch(() => undefined);
            return;
          }
          sentinel = s;
          setState("held");
          s.addEventListener("release", () => {
            if (!stopped) setState("idle");
          });
        },
        () => {
          if (!stopped) setState("refused");
        },
      );
    };
    acquire();
    document.addEventListener("visibilitychange", acquire);
    return () => {
      stopped = true;
      document.removeEventListener("visibilitychange", acquire);
      if (sentinel && !sentinel.released) void sentinel.release().catch(() => undefined);
      setState("idle");
    };
  }, [active]);
  return state;
}
