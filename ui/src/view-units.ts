import { useEffect, useState } from "preact/hooks";
import { SPEED_UNITS, type SpeedUnit } from "../../src/core/units.js";

export { convertSpeed } from "./speed-convert.js";

/** The unit a viewer reads speeds in: `null` follows the aircraft's own unit. Remembered per browser. */
const KEY = "owts-view-unit";
let current: SpeedUnit | null = readStored();
const listeners = new Set<() => void>();

function readStored(): SpeedUnit | null {
  try {
    const v = localStorage.getItem(KEY);
    return SPEED_UNITS.includes(v as SpeedUnit) ? (v as SpeedUnit) : null;
  } catch {
    return null;
  }
}

export function setViewUnit(unit: SpeedUnit | null): void {
  current = unit;
  try {
    if (unit) localStorage.setItem(KEY, unit);
    else localStorage.removeItem(KEY);
  } catch {
    // No storage: the choice lasts for this page.
  }
  for (const l of listeners) l();
}

export function useViewUnit(): SpeedUnit | null {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return current;
}
