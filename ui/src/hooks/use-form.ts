import { useCallback, useEffect, useState } from "preact/hooks";
import { type ApiFailure, asFailure, load } from "../api/client.js";
import type { FieldProblem } from "../api/types.js";
import { navigate } from "../router.js";
import { plainFieldErrors } from "../words/plain.js";

/** After a refused save, the first marked field (in page order) of form `key` gets the focus. */
export function focusFirstProblem(key: string): void {
  // After the render that marks the fields.
  setTimeout(() => {
    const el = document.querySelector<HTMLElement>(
      `[data-form="${key}"] .has-error input, [data-form="${key}"] .has-error select`,
    );
    el?.focus();
  }, 0);
}

/**
 * Unsaved form input per form, kept in memory for the life of the page (not in storage: it may hold
 * WiFi passwords). A detour to the security page, or a failed save, never loses it.
 */
const drafts = new Map<string, unknown>();

export function hasDraft(key: string): boolean {
  return drafts.has(key);
}

/** Sends the user to the password form, remembering where to come back to. */
export function goToSecurity(): void {
  navigate(`/config/security?back=${encodeURIComponent(location.pathname)}`);
}

export interface FormState<V, S> {
  /** What the device holds (last load or save); null until loaded. */
  server: S | null;
  /** What the form shows: a kept draft, or derived from `server`. */
  values: V | null;
  loadError: ApiFailure | null;
  /** Field pointer (`/v_min`) → message, from the API's `details`. */
  fieldErrors: Record<string, string>;
  /** A problem not tied to one field. */
  formError: ApiFailure | null;
  saving: boolean;
  /** Set after a successful save, until the next edit. */
  savedAt: number;
  /** The input differs from what was loaded (a draft is held). */
  dirty: boolean;
  set(patch: Partial<V>): void;
  /** Runs a write; on success `server` becomes its result and the draft is dropped. */
  submit(write: (values: V) => Promise<S | null>, localErrors?: Record<string, string>): Promise<boolean>;
  /** Throws away the draft. */
  discard(): void;
  reload(): void;
}

/**
 * Load-edit-save for one settings form. `key` names the draft; `toValues` turns the device's answer
 * into form values. On a failed save everything typed stays; a 401 goes to the security page.
 */
export function useForm<S, V>(
  key: string,
  url: string,
  toValues: (s: S) => V,
  opts: {
    /** The device's `details` as plain messages per field (see words/plain.ts); default: the field rules only. */
    plain?: (details: readonly FieldProblem[], values: V) => Record<string, string>;
  } = {},
): FormState<V, S> {
  const [server, setServer] = useState<S | null>(null);
  const [values, setValues] = useState<V | null>(() => (drafts.get(key) as V | undefined) ?? null);
  const [loadError, setLoadError] = useState<ApiFailure | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<ApiFailure | null>(null);
  const [saving, setSaving] = useState(false);
  const [savedAt, setSavedAt] = useState(0);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoadError(null);
    load<S>(url, { signal: ctrl.signal }).then(
      (s) => {
        setServer(s);
        if (!drafts.has(key)) setValues(toValues(s));
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) setLoadError(asFailure(err));
      },
    );
    return () => ctrl.abort();
  }, [key, url, generation]);

  const set = useCallback(
    (patch: Partial<V>) => {
      setValues((v) => {
        const next = { ...(v as V), ...patch };
        drafts.set(key, next);
        return next;
      });
      setSavedAt(0);
      setFieldErrors((errs) => {
        const out = { ...errs };
        for (const k of Object.keys(patch)) delete out[`/${k}`];
        return out;
      });
    },
    [key],
  );

  const submit = async (
    write: (values: V) => Promise<S | null>,
    localErrors: Record<string, string> = {},
  ) => {
    if (!values) return false;
    setFormError(null);
    if (Object.keys(localErrors).length > 0) {
      setFieldErrors(localErrors);
      focusFirstProblem(key);
      return false;
    }
    setSaving(true);
    try {
      const result = await write(values);
      drafts.delete(key);
      setFieldErrors({});
      if (result !== null) {
        setServer(result);
        setValues(toValues(result));
      }
      setSavedAt(Date.now());
      return true;
    } catch (err) {
      const failure = asFailure(err);
      // The draft stays as typed whatever happened; make sure it is kept for a detour.
      drafts.set(key, values);
      if (failure.kind === "unauthorized") {
        goToSecurity();
        return false;
      }
      setFieldErrors((opts.plain ?? ((d) => plainFieldErrors(d, {})))(failure.details, values));
      setFormError(failure);
      focusFirstProblem(key);
      return false;
    } finally {
      setSaving(false);
    }
  };

  return {
    server,
    values,
    loadError,
    fieldErrors,
    formError,
    saving,
    savedAt,
    dirty: drafts.has(key),
    set,
    submit,
    discard: () => {
      drafts.delete(key);
      setFieldErrors({});
      setFormError(null);
      if (server) setValues(toValues(server));
    },
    reload: () => setGeneration((g) => g + 1),
  };
}
