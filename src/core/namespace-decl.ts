import type { Static, TSchema } from "typebox";

/**
 * A settings namespace declared once, beside the code it configures: its file name, schema and defaults.
 * The runtime and the API routes open it through `openNamespace` (src/store/open-namespace.ts), so
 * neither restates the triple and the store's "opened with a different schema" check cannot fire between
 * them. Here at the bottom, with no store types, so browser-safe domain modules can declare theirs.
 */
export interface NamespaceDecl<S extends TSchema> {
  readonly name: string;
  readonly schema: S;
  readonly defaults: Static<S>;
}

export function defineNamespace<S extends TSchema>(
  name: string,
  schema: S,
  defaults: Static<S>,
): NamespaceDecl<S> {
  return { name, schema, defaults };
}
