import type { Validator } from "typebox/compile";
import type { Logger } from "../core/logger.js";
import type { FieldProblem } from "../core/problems.js";
import { writeFileAtomic } from "./atomic-write.js";
import { errnoCode, plainReason, StoreValidationError, StoreWriteError } from "./errors.js";
import { encodeSettingsFile } from "./settings-file.js";

/** TypeBox errors → one entry per offending field, with missing and unknown keys named. */
export function fieldErrors(validator: Validator, value: unknown): FieldProblem[] {
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  const add = (field: string, message: string) => {
    const key = `${field}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ field, message });
    }
  };
  for (const e of validator.Errors(value)) {
    const at = e.instancePath;
    if (e.keyword === "required") {
      for (const prop of e.params.requiredProperties) add(`${at}/${prop}`, "is required");
    } else if (e.keyword === "additionalProperties") {
      for (const prop of e.params.additionalProperties) add(`${at}/${prop}`, "is not allowed");
    } else if (e.keyword === "boolean" && e.schemaPath.endsWith("/additionalProperties")) {
      // Duplicate of the additionalProperties entry above, worded for schema authors.
    } else {
      add(at === "" ? "/" : at, e.message);
    }
  }
  return out.length > 0 ? out : [{ field: "/", message: "does not match the schema" }];
}

export interface NamespaceInit<T> {
  name: string;
  file: string;
  validator: Validator;
  defaults: T;
  initial: T;
  /** Whether `initial` is exactly what the file holds (false for defaults or a repaired value). */
  persisted: boolean;
  logger: Logger;
}

/**
 * One typed group of settings backed by one file. Reads come from memory; writes are validated,
 * then queued so that writes to this namespace never interleave, and only after the file is
 * durably replaced does the in-memory value (and what listeners see) change.
 */
export class Namespace<T> {
  readonly name: string;
  /** Absolute path of the backing file (it may not exist yet: then the defaults apply). */
  readonly file: string;
  readonly #validator: Validator;
  readonly #defaults: T;
  readonly #log: Logger;
  #value: T;
  #json: string;
  #persisted: boolean;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<(value: T) => void>();

  constructor(init: NamespaceInit<T>) {
    this.name = init.name;
    this.file = init.file;
    this.#validator = init.validator;
    this.#defaults = structuredClone(init.defaults);
    this.#log = init.logger;
    this.#value = init.initial;
    this.#json = JSON.stringify(init.initial);
    this.#persisted = init.persisted;
  }

  /** The current value, as a copy the caller may change freely. */
  get(): T {
    return structuredClone(this.#value);
  }

  /** A copy of the defaults this namespace falls back to. */
  defaults(): T {
    return structuredClone(this.#defaults);
  }

  /**
   * Validates `value` (a StoreValidationError rejects at once and changes nothing), then writes it
   * durably after any writes already queued. Resolves with the stored value.
   */
  set(value: T): Promise<T> {
    let checked: T;
    try {
      checked = this.#check(value);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#enqueue(() => this.#write(checked));
  }

  /**
   * Read-modify-write: `fn` sees the value as of its turn in the queue, so concurrent updates
   * never lose each other's changes. A throw in `fn` or an invalid result changes nothing.
   */
  update(fn: (current: T) => T | Promise<T>): Promise<T> {
    return this.#enqueue(async () => this.#write(this.#check(await fn(this.get()))));
  }

  /** Stores the defaults (e.g. clearing a history). */
  reset(): Promise<T> {
    return this.set(this.defaults());
  }

  /** Called with a copy of each newly stored value; returns the unsubscribe function. */
  onChange(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Settles after every write queued so far (used before shutdown). */
  async flush(): Promise<void> {
    await this.#queue;
  }

  #enqueue<R>(task: () => Promise<R>): Promise<R> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Normalises through JSON first, so what is validated is exactly what a reload will see. */
  #check(value: unknown): T {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    if (json === undefined) {
      throw new StoreValidationError(this.name, [{ field: "/", message: "cannot be stored as JSON" }]);
    }
    const normalized: unknown = JSON.parse(json);
    if (!this.#validator.Check(normalized)) {
      throw new StoreValidationError(this.name, fieldErrors(this.#validator, normalized));
    }
    return normalized as T;
  }

  async #write(value: T): Promise<T> {
    const json = JSON.stringify(value);
    // Rewriting identical content only wears the flash (the ESP32's NVS skips it too).
    if (this.#persisted && json === this.#json) return structuredClone(value);
    try {
      await writeFileAtomic(this.file, encodeSettingsFile(this.name, value));
    } catch (err) {
      const failure = new StoreWriteError(this.name, this.file, errnoCode(err), plainReason(err));
      this.#log.error(failure.message);
      throw failure;
    }
    this.#value = value;
    this.#json = json;
    this.#persisted = true;
    for (const listener of this.#listeners) {
      try {
        listener(structuredClone(value));
      } catch (err) {
        this.#log.error(`settings "${this.name}": a change listener failed: ${plainReason(err)}`);
      }
    }
    return structuredClone(value);
  }
}
