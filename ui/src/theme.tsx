import { useEffect, useState } from "preact/hooks";
import { type MessageKey, t } from "./i18n/translate.js";

/** `system` follows prefers-color-scheme (light or dark); `sunlight` is the high-contrast one. */
export type ThemeChoice = "system" | "light" | "sunlight" | "dark";
export const THEMES: readonly ThemeChoice[] = ["system", "light", "sunlight", "dark"];
const KEY = "owts-theme";

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "sunlight" || v === "dark" ? v : "system";
  } catch {
    return "system";
  }
}

const media = window.matchMedia?.("(prefers-color-scheme: dark)");

/** The theme in effect, for canvases that cannot use CSS variables live. */
export function effectiveTheme(choice: ThemeChoice): Exclude<ThemeChoice, "system"> {
  return choice === "system" ? (media?.matches ? "dark" : "light") : choice;
}

let current: ThemeChoice = stored();
const listeners = new Set<() => void>();

export function setTheme(choice: ThemeChoice): void {
  current = choice;
  if (choice === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  try {
    if (choice === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // No storage: the choice lasts for this page only.
  }
  for (const l of listeners) l();
}

export function useTheme(): { choice: ThemeChoice; effective: Exclude<ThemeChoice, "system"> } {
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
  return { choice: current, effective: effectiveTheme(current) };
}

const LABEL: Record<ThemeChoice, { glyph: string; key: MessageKey }> = {
  system: { glyph: "◐", key: "theme.system" },
  light: { glyph: "○", key: "theme.light" },
  sunlight: { glyph: "☀", key: "theme.sunlight" },
  dark: { glyph: "☾", key: "theme.dark" },
};

/** The theme control: a labelled list, not a glyph to guess at. */
export function ThemeChoiceControl() {
  const { choice } = useTheme();
  return (
    <label class="theme-choice">
      <span class="visually-hidden">{t("theme.label")}</span>
      <select
        value={choice}
        data-testid="theme"
        onChange={(e) => setTheme(e.currentTarget.value as ThemeChoice)}
      >
        {THEMES.map((th) => (
          <option key={th} value={th}>
            {LABEL[th].glyph} {t(LABEL[th].key)}
          </option>
        ))}
      </select>
    </label>
  );
}
