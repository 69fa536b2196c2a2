import type { ComponentChildren } from "preact";

let nextId = 0;
const ids = new Map<string, string>();
function idFor(name: string): string {
  let id = ids.get(name);
  if (!id) {
    id = `f${++nextId}`;
    ids.set(name, id);
  }
  return id;
}

/**
 * A labelled form row with its validation message right under the input (from the API's `details`).
 * `name` is the API field pointer (`/v_min`), also used by tests to find the row.
 */
export function Field({
  name,
  label,
  hint,
  error,
  children,
}: {
  name: string;
  label: string;
  hint?: ComponentChildren;
  error?: string | undefined;
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}) {
  const id = idFor(name);
  const errId = `${id}-err`;
  return (
    <div class={`field${error ? " has-error" : ""}`} data-field={name}>
      <label for={id}>{label}</label>
      {children(id, error ? errId : undefined)}
      {hint && !error && <small class="hint">{hint}</small>}
      {error && (
        <small class="field-error" id={errId} role="alert">
          ⚠ {error}
        </small>
      )}
    </div>
  );
}

/** A new-password input for a Field row: never prefilled, tied to the row's message. */
export function PasswordInput({
  id,
  desc,
  value,
  onValue,
  disabled,
}: {
  id: string;
  desc: string | undefined;
  value: string;
  onValue: (value: string) => void;
  disabled?: boolean;
}) {
  return (
    <input
      id={id}
      type="password"
      autocomplete="new-password"
      aria-describedby={desc}
      aria-invalid={!!desc}
      disabled={disabled}
      value={value}
      onInput={(e) => onValue(e.currentTarget.value)}
    />
  );
}
