import type { TSchema } from "typebox";

/**
 * A `$ref` to a schema registered with `fastify.addSchema`, typed as the schema itself so the TypeBox
 * type provider still infers request and reply types. Referencing instead of inlining is what lets one
 * `$id`'d schema serve many routes (Fastify rejects the same `$id` twice) and appear once in OpenAPI.
 */
export function ref<T extends TSchema>(schema: T): T {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== "string") throw new TypeError("ref() needs a schema with an $id");
  return { $ref: id } as unknown as T;
}
