import { useEffect, useState } from "preact/hooks";

/** Fullscreen for the monitor: whether the browser offers it, whether it is on, and a toggle. */
export function useFullscreen(): { supported: boolean; on: boolean; toggle(): void } {
  const [on, setOn] = useState(() => !!document.fullscreenElement);
  useEffect(() => {
    const l = () => setOn(!!document.fullscreenElement);
    document.addEventListener("fullscreenchange", l);
    return () => document.removeEventListener("fullscreenchange", l);
  }, []);
  const supported =
    !!document.fullscreenEnabled && typeof document.documentElement.requestFullscreen === "function";
  return {
    supported,
    on,
    toggle: () => {
      // A refusal (no user gesture, policy) leaves the page as it was; nothing to recover.
      if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
      else void document.documentElement.requestFullscreen({ navigationUI: "hide" }).catch(() => undefined);
    },
  };
}
