import type en from "./locales/en.json";

/*
 * The UI's words: one JSON file per language in ./locales (en.json is the reference), flat keys
 * ("monitor.too_slow"), `{name}` placeholders, and for counted words an object of plural forms
 * ({"one": "…", "other": "…"}; Polish and Czech also "few" and "many"), chosen by Intl.PluralRules.
 * scripts/check-i18n.mjs fails the build on a missing or extra key, a changed placeholder or a
 * missing plural form. This module is DOM-free (the unit tests use it under Node); choosing and
 * loading a language in the browser is ./language.ts.
 */

export type MessageKey = keyof typeof en;
export type PluralForms = Readonly<Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }>;
export type Messages = Readonly<Record<MessageKey, string | PluralForms>>;
export type Params = Readonly<Record<string, string | number>>;

/** The languages the UI speaks, in the order the language list shows them. */
export const LANGUAGES = ["en"] as const;
export type Lang = (typeof LANGUAGES)[number];

/** Each language's own name: a reader looks for the name of the language they read. */
export const LANGUAGE_NAMES: Readonly<Record<Lang, string>> = {
  en: "English",
};

interface Active {
  lang: Lang;
  messages: Messages;
  plural: Intl.PluralRules;
  count: Intl.NumberFormat;
}

let active: Active | null = null;

/** Makes `messages` the words of the UI (after the language's chunk has loaded). */
export function setCatalog(lang: Lang, messages: Messages): void {
  active = {
    lang,
    messages,
    plural: new Intl.PluralRules(lang),
    // Counts and limits in sentences: the language's digits, no grouping (a port or year stays 8443).
    count: new Intl.NumberFormat(lang, { useGrouping: false, maximumFractionDigits: 3 }),
  };
}

/** The language in effect (BCP 47, also what Intl formats with). */
export function currentLang(): Lang {
  return active?.lang ?? "en";
}

export function isLang(x: unknown): x is Lang {
  return typeof x === "string" && (LANGUAGES as readonly string[]).includes(x);
}

/**
 * The best of our languages for a browser's list (`navigator.languages`, best first): the first whose
 * primary subtag we speak ("de-AT" → de), else English.
 */
export function pickLanguage(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (isLang(primary)) return primary;
  }
  return "en";
}

/**
 * The text for `key` in the active language, `{name}` replaced from `params` (numbers in the
 * language's digits); a plural entry picks its form by `params.count`.
 * @example t("logs.dropped", { count: 3 })
 */
export function t(key: MessageKey, params?: Params): string {
  if (!active) throw new Error(`OWTS UI: t("${key}") before a language was loaded`);
  const entry = active.messages[key];
  const text =
    typeof entry === "string"
      ? entry
      : (entry[active.plural.select(Number(params?.count ?? 0))] ?? entry.other);
  if (!params) return text;
  const { count } = active;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : typeof v === "number" ? count.format(v) : v;
  });
}

/**
 * Like `t`, for a sentence with an element inside (a link, a bold word): the text split at each
 * `{name}` found in `parts`, with that part in its place, so each language may put it where it belongs.
 * @example tParts("device.mode_is", { mode: <strong>winch</strong> })
 */
export function tParts<T>(
  key: MessageKey,
  parts: Readonly<Record<string, T>>,
  params?: Params,
): (string | T)[] {
  const keep: Record<string, string> = {};
  for (const name of Object.keys(parts)) keep[name] = `{${name}}`;
  const text = t(key, { ...params, ...keep });
  return text
    .split(/(\{\w+\})/)
    .filter((s) => s !== "")
    .map((s) => {
      const name = /^\{(\w+)\}$/.exec(s)?.[1];
      return name !== undefined && name in parts ? (parts[name] as T) : s;
    });
}
