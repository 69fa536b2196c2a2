import type { FormState } from "../hooks/use-form.js";
import { t } from "../i18n/translate.js";

/** Save / discard row with the form's progress in words. */
export function FormFooter<V, S>({ form, label }: { form: FormState<V, S>; label?: string }) {
  return (
    <div class="form-footer">
      <button type="submit" class="primary" disabled={form.saving}>
        {form.saving ? t("form.saving") : (label ?? t("form.save"))}
      </button>
      {form.dirty && !form.saving && (
        <button type="button" class="link-button" onClick={form.discard}>
          {t("form.discard")}
        </button>
      )}
      {form.savedAt > 0 && !form.dirty && (
        <span class="saved" role="status">
          ✓ {t("form.saved")}
        </span>
      )}
      {form.dirty && form.savedAt === 0 && <span class="muted">{t("form.unsaved")}</span>}
    </div>
  );
}
