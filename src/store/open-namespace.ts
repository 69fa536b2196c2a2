import type { Static, TSchema } from "typebox";
import type { NamespaceDecl } from "../core/namespace-decl.js";
import type { Namespace } from "./namespace.js";
import type { SettingsStore } from "./settings-store.js";

/** Opens (or returns the already open) namespace `decl` of `store`. */
export function openNamespace<S extends TSchema>(
  store: SettingsStore,
  decl: NamespaceDecl<S>,
): Namespace<Static<S>> {
  return store.namespace(decl.name, decl.schema, decl.defaults);
}
