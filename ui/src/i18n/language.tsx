import { useEffect, useState } from "preact/hooks";
import { GlobeIcon } from "../components/icons.js";
import {
  currentLang,
  isLang,
  LANGUAGE_NAMES,
  LANGUAGES,
  type Lang,
  type Messages,
  pickLanguage,
  setCatalog,
  t,
} from "./translate.js";

/**
 * Each language is its own chunk (`app-de.js`), fetched only when it is the one in effect: the first
 * load carries no words, and nobody downloads five languages they do not read.
 */
const LOADERS: Readonly<Record<Lang, () => Promise<{ default: unknown }>>> = {
  en: () => import("./locales/en.json"),
};

/** The viewer's override, kept per browser like the theme and the units; absent: the browser's languages. */
const KEY = "owts-lang";

function storedChoice(): Lang | null {
  try {
    const v = localStorage.getItem(KEY);
    return isLang(v) ? v : null;
  } catch {
    return null;
  }
}

let choice: Lang | null = storedChoice();
const listeners = new Set<() => void>();

/** The language to start in: the override, else the best match for the browser's list. */
export function initialLanguage(): Lang {
  return choice ?? pickLanguage(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

/** Fetches a language's words and makes them current (document language included). */
export async function applyLanguage(lang: Lang): Promise<void> {
  const mod = await LOADERS[lang]();
  setCatalog(lang, mod.default as Messages);
  document.documentElement.lang = lang;
  for (const l of listeners) l();
}

/** Sets (or with null, clears) the override; the words change once the language has loaded. */
export async function setLanguageChoice(next: Lang | null): Promise<void> {
  choice = next;
  try {
    if (next) localStorage.setItem(KEY, next);
    else localStorage.removeItem(KEY);
  } catch {
    // No storage: the choice lasts for this page only.
  }
  await applyLanguage(initialLanguage());
}

/** Re-renders the caller when the language changes; returns the language in effect and the override. */
export function useLanguage(): { lang: Lang; choice: Lang | null } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return { lang: currentLang(), choice };
}

/** The language control: "Auto" (the browser's languages) or one named in its own language. */
export function LanguageControl() {
  const { choice: picked } = useLanguage();
  const [failed, setFailed] = useState(false);
  return (
    <label class="lang-choice">
      <GlobeIcon />
      <span class="visually-hidden">{t("shell.language")}</span>
      <select
        value={picked ?? ""}
        data-testid="language"
        onChange={(e) => {
          const v = e.currentTarget.value;
          setLanguageChoice(isLang(v) ? v : null).then(
            () => setFailed(false),
            () => setFailed(true),
          );
        }}
      >
        <option value="">{t("shell.language_auto")}</option>
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
      {failed && (
        <span class="field-error" role="alert">
          {t("shell.language_failed")}
        </span>
      )}
    </label>
  );
}
