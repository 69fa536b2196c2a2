import type { FormState } from "../hooks/use-form.js";

/** Save / discard row with the form's progress in words. */
export function FormFooter<V, S>({ form, label = "Save" }: { form: FormState<V, S>; label?: string }) {
  return (
    <div class="form-footer">
      <button type="submit" class="primary" disabled={form.saving}>
        {form.saving ? "Saving…" : label}
      </button>
      {form.dirty && !form.saving && (
        <button type="button" class="link-button" onClick={form.discard}>
          Discard changes
        </button>
      )}
      {form.savedAt > 0 && !form.dirty && (
        <span class="saved" role="status">
          ✓ Saved
        </span>
      )}
      {form.dirty && form.savedAt === 0 && <span class="muted">Unsaved changes</span>}
    </div>
  );
}
