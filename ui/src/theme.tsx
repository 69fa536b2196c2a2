import { useEffect, useState } from "preact/hooks";

/** `auto` follows prefers-color-scheme; `light` is the high-contrast sunlight theme. */
export type ThemeChoice = "auto" | "light" | "dark";
const KEY = "owts-theme";
const ORDER: ThemeChoice[] = ["auto", "light", "dark"];

function stored(): ThemeChoice {
  try {
    const t = localStorage.getItem(KEY);
    return t === "light" || t === "dark" ? t : "auto";
  } catch {
    return "auto";
  }
}

const media = window.matchMedia?.("(prefers-color-scheme: dark)");

/** The theme in effect, for canvases that cannot use CSS variables live. */
export function effectiveTheme(choice: ThemeChoice): "light" | "dark" {
  return choice === "auto" ? (media?.matches ? "dark" : "light") : choice;
}

let current: ThemeChoice = stored();
const listeners = new Set<() => void>();

function apply(choice: ThemeChoice): void {
  current = choice;
  if (choice === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  try {
    if (choice === "auto") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // No storage: the choice lasts for this page only.
  }
  for (const l of listeners) l();
}

export function useTheme(): { choice: ThemeChoice; effective: "light" | "dark"; cycle(): void } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    media?.addEventListener?.("change", l);
    return () => {
      listeners.delete(l);
      media?.removeEventListener?.("change", l);
    };
  }, []);
  return {
    choice: current,
    effective: effectiveTheme(current),
    cycle: () => apply(ORDER[(ORDER.indexOf(current) + 1) % ORDER.length] ?? "auto"),
  };
}

export function ThemeToggle() {
  const { choice, cycle } = useTheme();
  const label = { auto: "Theme: automatic", light: "Theme: sunlight", dark: "Theme: dark" }[choice];
  const icon = { auto: "◐", light: "☀", dark: "☾" }[choice];
  return (
    <button
      type="button"
      class="theme-toggle"
      onClick={cycle}
      title={label}
      aria-label={label}
      data-theme-choice={choice}
    >
      <span aria-hidden="true">{icon}</span>
    </button>
  );
}
