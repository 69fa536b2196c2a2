import { type Static, Type } from "typebox";
import { type Clock, systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { defineNamespace } from "../core/namespace-decl.js";
import type { Namespace } from "../store/settings-store.js";
import type { FrameVerifier } from "../telemetry/frame.js";
import { keyIdHex, LinkKey } from "../telemetry/link-key.js";
import { type PairingCodeProblem, parsePairingCode } from "../telemetry/pairing-code.js";

/** Pairings a winch keeps: a club winch sees many gliders, and the issue asks for at least 64. */
export const MAX_PAIRINGS = 128;
/**
 * How often what frames taught (last counter, last verified, identity) is written: at most once per
 * this many ms, plus on stop. After a power cut the replay window reopens for at most this long.
 */
export const PAIRING_SAVE_INTERVAL_MS = 10_000;

const StoredPairing = Type.Object(
  {
    key: Type.String({ pattern: "^[A-Za-z0-9+/]{22}==$" }),
    added: Type.String({ maxLength: 40 }),
    registration: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    type: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    last_verified: Type.Union([Type.String({ maxLength: 40 }), Type.Null()]),
    last_counter: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);
const PairingsFile = Type.Object(
  { pairings: Type.Array(StoredPairing, { maxItems: MAX_PAIRINGS }) },
  { additionalProperties: false },
);
type StoredPairing = Static<typeof StoredPairing>;
type PairingsFile = Static<typeof PairingsFile>;

/** The winch's pairings, alone in their namespace: it holds the aircraft units' link keys. */
export const PAIRINGS_NAMESPACE = defineNamespace("winch_pairings", PairingsFile, { pairings: [] });

/** One pairing as the API lists it: no key material. */
export interface PairingInfo {
  key_id: string;
  /** From the last verified full frame; null until one arrived. */
  registration: string | null;
  type: string | null;
  added: string;
  last_verified: string | null;
}

export type AddPairingResult =
  | { ok: true; pairing: PairingInfo; created: boolean }
  | { ok: false; problem: PairingCodeProblem | "full"; message: string };

interface Entry {
  key: LinkKey;
  stored: StoredPairing;
}

export interface PairingBookOptions {
  ns: Pick<Namespace<PairingsFile>, "get" | "set">;
  logger: Logger;
  clock?: Clock;
  /** Wall clock for `added`/`last_verified` (default Date.now). */
  wallNow?: () => number;
}

/**
 * The winch's trusted aircraft units, by key id. The receiver asks it for the key of each frame's key
 * id and the last counter accepted for it (replay protection); the API adds and removes pairings.
 */
export class PairingBook {
  private readonly entries = new Map<number, Entry>();
  private readonly ns: PairingBookOptions["ns"];
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly wallNow: () => number;
  private readonly listeners = new Set<() => void>();
  private dirty = false;
  private lastSaveAt = Number.NEGATIVE_INFINITY;
  private saving: Promise<void> = Promise.resolve();

  constructor(opts: PairingBookOptions) {
    this.ns = opts.ns;
    this.log = opts.logger.child({ tag: "pairing" });
    this.clock = opts.clock ?? systemClock;
    this.wallNow = opts.wallNow ?? Date.now;
    for (const s of this.ns.get().pairings) {
      const key = LinkKey.fromStored({ key: s.key, created: s.added });
      if (key) this.entries.set(key.key_id, { key, stored: s });
    }
  }

  size(): number {
    return this.entries.size;
  }

  list(): PairingInfo[] {
    return [...this.entries.values()].map((e) => info(e));
  }

  /** The key to verify frames of `key_id` against, or undefined when not paired. */
  key(key_id: number): FrameVerifier | undefined {
    return this.entries.get(key_id)?.key;
  }

  has(key_id: number): boolean {
    return this.entries.has(key_id);
  }

  /** The highest frame counter accepted for `key_id` (persisted), or null. */
  lastCounter(key_id: number): number | null {
    return this.entries.get(key_id)?.stored.last_counter ?? null;
  }

  /** Records a verified frame: its counter, and the identity when it was a full frame. Saved in batches. */
  accepted(key_id: number, counter: number, identity: { registration: string; type: string } | null): void {
    const e = this.entries.get(key_id);
    if (!e) return;
    e.stored.last_counter = counter;
    e.stored.last_verified = new Date(this.wallNow()).toISOString();
    if (identity) {
      e.stored.registration = identity.registration;
      e.stored.type = identity.type;
    }
    this.dirty = true;
    if (this.clock.now() - this.lastSaveAt >= PAIRING_SAVE_INTERVAL_MS) void this.save();
  }

  /** Adds the aircraft whose pairing code is `code`. A bad code changes nothing. */
  async add(code: unknown): Promise<AddPairingResult> {
    const parsed = parsePairingCode(code);
    if (!parsed.ok) return parsed;
    const key = LinkKey.fromBytes(parsed.key, new Date(this.wallNow()).toISOString());
    const known = this.entries.get(key.key_id);
    if (known?.key.equals(key)) return { ok: true, pairing: info(known), created: false };
    if (!known && this.entries.size >= MAX_PAIRINGS) {
      return {
        ok: false,
        problem: "full",
        message: `this winch holds ${MAX_PAIRINGS} pairings: remove one first`,
      };
    }
    const entry: Entry = {
      key,
      stored: {
        key: key.toStored().key,
        added: key.created,
        registration: null,
        type: null,
        last_verified: null,
        last_counter: null,
      },
    };
    const next = new Map(this.entries);
    next.set(key.key_id, entry);
    await this.write(next);
    this.log.info({ key_id: keyIdHex(key.key_id) }, "aircraft paired");
    return { ok: true, pairing: info(entry), created: true };
  }

  /** Removes a pairing; false when there was none. */
  async remove(key_id: number): Promise<boolean> {
    if (!this.entries.has(key_id)) return false;
    const next = new Map(this.entries);
    next.delete(key_id);
    await this.write(next);
    this.log.info({ key_id: keyIdHex(key_id) }, "pairing removed");
    return true;
  }

  /** Called after every add or remove (the receiver re-checks what it shows). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes what frames taught since the last save (on stop). */
  async flush(): Promise<void> {
    if (this.dirty) await this.save();
    await this.saving;
  }

  private async write(next: Map<number, Entry>): Promise<void> {
    const run = this.saving.then(async () => {
      await this.ns.set({ pairings: [...next.values()].map((e) => ({ ...e.stored })) });
    });
    this.saving = run.catch(() => {});
    await run;
    this.entries.clear();
    for (const [id, e] of next) this.entries.set(id, e);
    this.dirty = false;
    this.lastSaveAt = this.clock.now();
    for (const l of this.listeners) l();
  }

  private save(): Promise<void> {
    this.lastSaveAt = this.clock.now();
    this.dirty = false;
    const run = this.saving.then(async () => {
      await this.ns.set({ pairings: [...this.entries.values()].map((e) => ({ ...e.stored })) });
    });
    this.saving = run.catch((err: Error) => {
      this.dirty = true;
      this.log.warn({ err: err.message }, "cannot save pairing state");
    });
    return this.saving;
  }
}

function info(e: Entry): PairingInfo {
  return {
    key_id: keyIdHex(e.key.key_id),
    registration: e.stored.registration,
    type: e.stored.type,
    added: e.stored.added,
    last_verified: e.stored.last_verified,
  };
}
