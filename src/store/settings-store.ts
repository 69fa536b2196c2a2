/**
 * Settings store (the ESP's NVS): typed namespaces, each one checksummed file written atomically and
 * durably, a damaged file set aside and replaced by defaults. The bottom of persistence: it may import
 * only `src/core`; what a namespace holds is declared by the capability that owns it.
 */
import { readdirSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { mkdir, readdir, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Static, TSchema } from "typebox";
import { Compile, type Validator } from "typebox/compile";
import type { Logger } from "../core/logger.js";
import { fsyncDirSync, isTempName, writeFileAtomic } from "./atomic-write.js";
import { errnoCode, plainReason, StoreOpenError } from "./errors.js";
import { fieldErrors, Namespace } from "./namespace.js";
import { decodeSettingsFile } from "./settings-file.js";

export { type DataDirLock, DataDirLockedError, LOCK_FILE, lockDataDir } from "./data-dir-lock.js";
export { StoreOpenError, StoreValidationError, StoreWriteError } from "./errors.js";
export { Namespace } from "./namespace.js";

/** Namespace names become file names, so they are kept to a safe, portable alphabet. */
const NAMESPACE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
/** Damaged files kept aside per namespace; older ones are deleted so a bad medium cannot fill the disk. */
const CORRUPT_COPIES_KEPT = 3;

interface Registered {
  ns: Namespace<unknown>;
  signature: string;
}

/**
 * The device's NVS: `<dataDir>/nvs/<namespace>.json`, one file per typed namespace. Opening
 * checks that the directory is usable and removes temp files left by a write that was cut short.
 */
export class SettingsStore {
  readonly #namespaces = new Map<string, Registered>();
  readonly #log: Logger;

  private constructor(
    /** The directory holding the namespace files. */
    readonly dir: string,
    logger: Logger,
  ) {
    this.#log = logger;
  }

  /** Creates `<dataDir>/nvs` when missing; a StoreOpenError (one plain line) when it cannot be used. */
  static async open(dataDir: string, logger: Logger): Promise<SettingsStore> {
    const log = logger.child({ tag: "store" });
    const dir = join(resolve(dataDir), "nvs");
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      if (!(await stat(dir)).isDirectory())
        throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
      // Permission bits do not stop root, so only a real write proves the directory is usable.
      const probe = join(dir, ".write-probe");
      await writeFileAtomic(probe, "");
      await unlink(probe);
    } catch (err) {
      throw new StoreOpenError(dataDir, errnoCode(err), plainReason(err));
    }
    for (const name of await readdir(dir)) {
      if (!isTempName(name)) continue;
      await unlink(join(dir, name)).catch(() => {});
      log.info(`removed ${name}, left by a settings write that was interrupted`);
    }
    return new SettingsStore(dir, log);
  }

  /**
   * The namespace `name`, loaded from its file, or the defaults when the file is missing or
   * damaged (a damaged file is logged and kept aside as `<name>.json.corrupt-<time>`). Asking
   * again with the same schema and defaults returns the same instance.
   */
  namespace<S extends TSchema>(name: string, schema: S, defaults: Static<S>): Namespace<Static<S>> {
    const signature = JSON.stringify([schema, defaults]);
    const known = this.#namespaces.get(name);
    if (known) {
      if (known.signature !== signature) {
        throw new Error(`settings namespace "${name}" is already open with a different schema or defaults`);
      }
      return known.ns as Namespace<Static<S>>;
    }
    if (!NAMESPACE_NAME.test(name)) {
      throw new Error(`settings namespace name "${name}" must match ${NAMESPACE_NAME}`);
    }
    const validator = Compile(schema) as Validator;
    if (!validator.Check(defaults)) {
      const first = fieldErrors(validator, defaults)[0];
      throw new Error(
        `defaults of settings namespace "${name}" fail its schema: ${first?.field} ${first?.message}`,
      );
    }
    const file = join(this.dir, `${name}.json`);
    const loaded = this.#load(name, file, validator, defaults);
    const ns = new Namespace<Static<S>>({
      name,
      file,
      validator,
      defaults,
      initial: loaded.value as Static<S>,
      persisted: loaded.persisted,
      logger: this.#log,
    });
    this.#namespaces.set(name, { ns: ns as Namespace<unknown>, signature });
    return ns;
  }

  /** Settles after every write queued so far in every namespace. */
  async flush(): Promise<void> {
    await Promise.all([...this.#namespaces.values()].map((r) => r.ns.flush()));
  }

  #load(
    name: string,
    file: string,
    validator: Validator,
    defaults: unknown,
  ): { value: unknown; persisted: boolean } {
    const fallback = { value: structuredClone(defaults), persisted: false };
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      if (errnoCode(err) === "ENOENT") {
        this.#log.debug(`settings "${name}": no ${basename(file)} yet, using defaults`);
        return fallback;
      }
      this.#setAside(name, file, `unreadable: ${plainReason(err)}`);
      return fallback;
    }
    const decoded = decodeSettingsFile(text, name);
    if (!decoded.ok) {
      this.#setAside(name, file, decoded.reason);
      return fallback;
    }
    const stored = decoded.value;
    const valid: boolean = validator.Check(stored);
    if (valid) return { value: stored, persisted: true };
    // A newer release may add a setting: fill what is missing rather than lose everything.
    if (isPlainObject(stored) && isPlainObject(defaults)) {
      const filled = { ...structuredClone(defaults), ...stored };
      if (validator.Check(filled)) {
        const added = Object.keys(defaults).filter((k) => !(k in stored));
        this.#log.info(`settings "${name}": added missing ${added.join(", ")} from the defaults`);
        return { value: filled, persisted: false };
      }
    }
    const problems = fieldErrors(validator, stored)
      .slice(0, 3)
      .map((e) => `${e.field} ${e.message}`)
      .join("; ");
    this.#setAside(name, file, `does not match the schema: ${problems}`);
    return fallback;
  }

  /** Moves a damaged file out of the way, keeping it for inspection; never throws. */
  #setAside(name: string, file: string, reason: string): void {
    const dir = dirname(file);
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    try {
      renameSync(file, aside);
      fsyncDirSync(dir);
    } catch (err) {
      this.#log.error(
        `settings "${name}": ${file} is damaged (${reason}) and could not be moved aside (${plainReason(err)}); using defaults`,
      );
      return;
    }
    this.#log.error(
      `settings "${name}": ${file} is damaged (${reason}); kept as ${basename(aside)}, using defaults`,
    );
    try {
      const prefix = `${basename(file)}.corrupt-`;
      const copies = readdirSync(dir)
        .filter((n) => n.startsWith(prefix))
        .sort();
      for (const old of copies.slice(0, -CORRUPT_COPIES_KEPT)) unlinkSync(join(dir, old));
    } catch (err) {
      this.#log.warn(`settings "${name}": could not prune old damaged copies: ${plainReason(err)}`);
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
