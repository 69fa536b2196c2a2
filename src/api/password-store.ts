import { Type } from "typebox";
import { defineNamespace } from "../core/namespace-decl.js";
import { openNamespace } from "../store/open-namespace.js";
import type { SettingsStore } from "../store/settings-store.js";
import type { PasswordStore, StoredHash } from "./auth.js";
import { StoredHashSchema } from "./password-hash.js";

/** The `security` namespace: the API password's salted scrypt hash, or null (no password, the default). */
export const SecuritySettings = Type.Object(
  { api_password: Type.Union([StoredHashSchema, Type.Null()]) },
  { additionalProperties: false },
);
export const SECURITY_NAMESPACE = defineNamespace("security", SecuritySettings, { api_password: null });

/** The API password kept in the device's settings store, so it survives restarts and power loss. */
export function settingsPasswordStore(store: SettingsStore): PasswordStore {
  const ns = openNamespace(store, SECURITY_NAMESPACE);
  return {
    load: () => ns.get().api_password as StoredHash | null,
    save: async (hash) => {
      await ns.set({ api_password: hash });
    },
  };
}
