import { type ComponentChildren, createContext } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import { type ApiFailure, asFailure, load } from "./api/client.js";
import type { About, DeviceMode, ModeSetting } from "./api/types.js";
import { backoffMs } from "./hooks/use-poll.js";

export interface DeviceInfo {
  /** null while loading, or when neither /api/about nor /api/mode answers. */
  mode: DeviceMode | null;
  about: About | null;
  error: ApiFailure | null;
  loading: boolean;
  /** Loads /api/about again (after a mode change or a failure). */
  refresh(): void;
}

const DeviceCtx = createContext<DeviceInfo>({
  mode: null,
  about: null,
  error: null,
  loading: true,
  refresh: () => {},
});

export const useDevice = (): DeviceInfo => useContext(DeviceCtx);

/**
 * Who the device is, read once at start (not polled: the settings home must stay quiet). Only while
 * the device cannot be reached does it retry, with the pollers' backoff. An older device without
 * /api/about may still answer /api/mode.
 */
export function DeviceProvider({ children }: { children: ComponentChildren }) {
  const [info, setInfo] = useState<Omit<DeviceInfo, "refresh">>({
    mode: null,
    about: null,
    error: null,
    loading: true,
  });
  const attempt = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  const fetchInfo = useCallback(async () => {
    clearTimeout(timer.current);
    const mine = ++attempt.current;
    setInfo((s) => ({ ...s, loading: true }));
    let failures = 0;
    for (;;) {
      try {
        const about = await load<About>("/api/about");
        if (mine === attempt.current) setInfo({ mode: about.mode, about, error: null, loading: false });
        return;
      } catch (err) {
        let failure = asFailure(err);
        if (failure.kind === "not_json" || failure.kind === "absent") {
          try {
            const m = await load<ModeSetting>("/api/mode");
            if (mine === attempt.current) setInfo({ mode: m.mode, about: null, error: null, loading: false });
            return;
          } catch (err2) {
            failure = asFailure(err2);
          }
        }
        if (mine !== attempt.current) return;
        failures++;
        setInfo((s) => ({ ...s, error: failure, loading: false }));
        if (!failure.transient) return;
        await new Promise((r) => {
          timer.current = setTimeout(r, backoffMs(failures, failure));
        });
        if (mine !== attempt.current) return;
      }
    }
  }, []);

  useEffect(() => {
    void fetchInfo();
    return () => {
      attempt.current++;
      clearTimeout(timer.current);
    };
  }, [fetchInfo]);

  return (
    <DeviceCtx.Provider value={{ ...info, refresh: () => void fetchInfo() }}>{children}</DeviceCtx.Provider>
  );
}
