import { Type } from "typebox";
import type { Logger } from "../core/logger.js";
import { defineNamespace } from "../core/namespace-decl.js";
import { openNamespace } from "../store/open-namespace.js";
import type { Namespace, SettingsStore } from "../store/settings-store.js";
import { MAX_EPOCH } from "./frame.js";
import { keyIdHex, LinkKey } from "./link-key.js";

/**
 * The aircraft's link key, alone in its namespace (`nvs/link_key.json`) so no other settings file,
 * response or log line ever holds it. `key` is "" until the first start in aircraft mode makes one.
 */
const LinkKeyFile = Type.Object(
  {
    key: Type.String({ pattern: "^([A-Za-z0-9+/]{22}==)?$" }),
    created: Type.String({ maxLength: 40 }),
  },
  { additionalProperties: false },
);

/** Boots counted for the frame counter (`nvs/link_epoch.json`), kept apart so the key file is rarely written. */
const EpochFile = Type.Object(
  { epoch: Type.Integer({ minimum: 0, maximum: MAX_EPOCH }) },
  { additionalProperties: false },
);

export const LINK_KEY_NAMESPACE = defineNamespace("link_key", LinkKeyFile, { key: "", created: "" });
export const LINK_EPOCH_NAMESPACE = defineNamespace("link_epoch", EpochFile, { epoch: 0 });

/** The aircraft unit's link key as the device holds it: the current key, and rotation. */
export interface LinkKeyHolder {
  current(): LinkKey;
  /** Makes and stores a new key; the old one stops verifying on every winch. */
  rotate(): Promise<LinkKey>;
  onChange(listener: (key: LinkKey) => void): () => void;
}

/** Opens the link key, making (and durably storing) one the first time. */
export async function openLinkKey(store: SettingsStore, logger: Logger): Promise<LinkKeyHolder> {
  const log = logger.child({ tag: "pairing" });
  const ns: Namespace<{ key: string; created: string }> = openNamespace(store, LINK_KEY_NAMESPACE);
  const stored = ns.get();
  let key = stored.key === "" ? null : LinkKey.fromStored(stored);
  if (!key) {
    key = LinkKey.generate();
    await ns.set(key.toStored());
    log.info({ key_id: keyIdHex(key.key_id) }, "link key made");
  }
  const listeners = new Set<(key: LinkKey) => void>();
  let current = key;
  return {
    current: () => current,
    async rotate() {
      const next = LinkKey.generate();
      await ns.set(next.toStored());
      log.info({ key_id: keyIdHex(next.key_id), previous: keyIdHex(current.key_id) }, "link key rotated");
      current = next;
      for (const l of listeners) l(next);
      return next;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * The high part of the frame counter. Each boot takes the next epoch and stores it before the first
 * frame goes out, so a counter is never used twice even after a power cut; when the 16-bit sequence
 * wraps, the next epoch is stored first too (`next()`).
 */
export interface EpochCounter {
  current(): number;
  /** Stores and returns the next epoch; rejects (and keeps the current one) when the store fails. */
  next(): Promise<number>;
}

export async function openEpochCounter(store: SettingsStore): Promise<EpochCounter> {
  const ns = openNamespace(store, LINK_EPOCH_NAMESPACE);
  let epoch = await bump(ns);
  return {
    current: () => epoch,
    async next() {
      epoch = await bump(ns);
      return epoch;
    },
  };
}

async function bump(ns: Namespace<{ epoch: number }>): Promise<number> {
  const v = await ns.update((c) => {
    if (c.epoch >= MAX_EPOCH) throw new RangeError("frame counter epochs used up: rotate the link key");
    return { epoch: c.epoch + 1 };
  });
  return v.epoch;
}
