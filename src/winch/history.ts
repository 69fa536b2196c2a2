import { type Launch, StoredLaunchSchema } from "./launch.js";

export { HISTORY_NAMESPACE, type Launch, LaunchSchema, StoredLaunchSchema } from "./launch.js";

import { Value } from "typebox/value";
import type { Logger } from "../core/logger.js";
import type { Band, Identity, LinkState, ShownTelemetry, WinchReceiver } from "./receiver.js";

/** Where the list is kept; the device backs it with the settings store. */
export interface LaunchStore {
  load(): Launch[] | Promise<Launch[]>;
  save(list: Launch[]): void | Promise<void>;
}

export function memoryLaunchStore(initial: Launch[] = []): LaunchStore & { saved: Launch[] } {
  const s = {
    saved: initial.slice(),
    load: () => s.saved.slice(),
    save: (list: Launch[]) => {
      s.saved = list.slice();
    },
  };
  return s;
}

/** Shortest receiver time between two "launch recorded" lines; launches in between are counted in the next one. */
export const LAUNCH_LINE_INTERVAL_MS = 10_000;

export interface HistoryOptions {
  store: LaunchStore;
  logger: Logger;
  /**
   * Launches kept, oldest dropped first.
   * @default 100
   */
  limit?: number;
  /**
   * Launches with fewer shown frames are noise, not launches.
   * @default 3
   */
  min_frames?: number;
  /**
   * Longest interval one frame's zone stands for when sharing out time in band (the receiver's
   * stale timeout): a gap in reception does not count as time in any zone.
   * @default 1500 ms
   */
  max_sample_interval_ms?: number;
  /**
   * Wall clock for start times.
   * @default Date.now
   */
  wallNow?: () => number;
}

interface Open {
  identity: Identity;
  band: Band;
  unit: Launch["unit"];
  first_rx_ms: number;
  last_rx_ms: number;
  start_wall_ms: number;
  max_ias: number;
  counted_ms: number;
  inside_ms: number;
  frames: number;
  lost: number;
  lastZoneInside: boolean;
  verified: boolean;
}

/**
 * The winch's launch history. A launch starts with the first shown frame and ends when the aircraft
 * falls silent (it stops sending once landed; the receiver reports "no_signal") or a different
 * identity appears. Time in band is time-weighted: each frame's zone holds until the next frame.
 */
export class LaunchHistory {
  private list: Launch[] = [];
  private open: Open | null = null;
  private readonly store: LaunchStore;
  private readonly log: Logger;
  private readonly limit: number;
  private readonly minFrames: number;
  private readonly maxInterval: number;
  private readonly wallNow: () => number;
  private saving: Promise<void> = Promise.resolve();
  /** A save is queued and has not yet taken its snapshot: later changes ride along with it. */
  private savePending = false;
  /** Receiver time (rx_t_ms) of the last "launch recorded" line, and launches recorded since unlisted. */
  private lastListedMs = Number.NEGATIVE_INFINITY;
  private unlisted = 0;
  private readonly launchListeners = new Set<(launch: Launch) => void>();

  private constructor(opts: HistoryOptions) {
    this.store = opts.store;
    this.log = opts.logger.child({ tag: "history" });
    this.limit = opts.limit ?? 100;
    this.minFrames = opts.min_frames ?? 3;
    this.maxInterval = opts.max_sample_interval_ms ?? 1500;
    this.wallNow = opts.wallNow ?? Date.now;
    if (!Number.isInteger(this.limit) || this.limit < 1 || this.limit > 10_000) {
      throw new RangeError(`history limit must be an integer 1..10000, got ${this.limit}`);
    }
  }

  /** Loads the stored list (entries that do not match the schema are dropped and reported). */
  static async open(opts: HistoryOptions): Promise<LaunchHistory> {
    const h = new LaunchHistory(opts);
    let loaded: unknown;
    try {
      loaded = await opts.store.load();
    } catch (err) {
      h.log.error(`launch history could not be loaded, starting empty: ${(err as Error).message}`);
      loaded = [];
    }
    const raw = Array.isArray(loaded) ? loaded : [];
    const good = raw.filter((x): x is Launch => Value.Check(StoredLaunchSchema, x));
    if (!Array.isArray(loaded) || good.length !== raw.length) {
      h.log.warn(
        { dropped: raw.length - good.length },
        "launch history had damaged entries; they were dropped",
      );
    }
    h.list = good.slice(-h.limit);
    return h;
  }

  /** Follows a receiver's shown telemetry and link state. Returns the unsubscribe function. */
  follow(receiver: WinchReceiver): () => void {
    const onTelemetry = (t: ShownTelemetry) => this.onTelemetry(t);
    const onLink = (e: { to: LinkState; t_ms: number }) => {
      if (e.to === "no_signal") this.finish();
    };
    receiver.on("telemetry", onTelemetry);
    receiver.on("link", onLink);
    return () => {
      receiver.off("telemetry", onTelemetry);
      receiver.off("link", onLink);
    };
  }

  /** Completed launches, oldest first. */
  launches(): Launch[] {
    return this.list.map((l) => structuredClone(l));
  }

  /** The launch in progress, summarised as it would be stored now, or null. */
  current(): Launch | null {
    return this.open ? this.summary(this.open) : null;
  }

  /**
   * Deletes every recorded launch (and the one in progress). The empty list is saved first: if that
   * fails the error propagates and nothing is deleted.
   */
  async clear(): Promise<void> {
    const run = this.saving.then(() => this.store.save([]));
    this.saving = run.then(
      () => undefined,
      () => undefined,
    );
    await run;
    this.list = [];
    this.open = null;
    this.log.info("launch history cleared");
  }

  /** Waits for pending saves (tests, shutdown). */
  async flush(): Promise<void> {
    await this.saving;
  }

  onTelemetry(t: ShownTelemetry): void {
    const o = this.open;
    if (o && (o.identity.identity_hash !== t.identity.identity_hash || o.verified !== t.verified))
      this.finish();
    if (!this.open) {
      this.open = {
        identity: { ...t.identity },
        band: { ...t.band },
        unit: t.unit,
        first_rx_ms: t.rx_t_ms,
        last_rx_ms: t.rx_t_ms,
        start_wall_ms: this.wallNow(),
        max_ias: t.ias,
        counted_ms: 0,
        inside_ms: 0,
        frames: 1,
        lost: 0,
        lastZoneInside: t.zone === "inside",
        verified: t.verified,
      };
      return;
    }
    const cur = this.open;
    const dt = Math.min(Math.max(0, t.rx_t_ms - cur.last_rx_ms), this.maxInterval);
    cur.counted_ms += dt;
    if (cur.lastZoneInside) cur.inside_ms += dt;
    cur.lastZoneInside = t.zone === "inside";
    cur.last_rx_ms = t.rx_t_ms;
    cur.max_ias = Math.max(cur.max_ias, t.ias);
    cur.band = { ...t.band };
    cur.unit = t.unit;
    cur.frames++;
    cur.lost += t.lost_before;
  }

  /** Ends the launch in progress (silence or a new identity) and records it if it was one. */
  finish(): void {
    const o = this.open;
    this.open = null;
    if (!o) return;
    if (o.frames < this.minFrames) {
      this.log.debug({ frames: o.frames }, "too few frames for a launch; not recorded");
      return;
    }
    const launch = this.summary(o);
    this.list.push(launch);
    if (this.list.length > this.limit) this.list.splice(0, this.list.length - this.limit);
    // Real launches end minutes apart; a radio peer inventing an identity every few frames (an
    // unpaired winch shows anyone) must not get a log line, and so a ring flush, per invention.
    if (o.last_rx_ms - this.lastListedMs >= LAUNCH_LINE_INTERVAL_MS) {
      this.log.info(
        {
          registration: launch.registration,
          frames: o.frames,
          duration_s: launch.duration_s,
          max_ias: launch.max_ias,
          in_band_share: launch.in_band_share,
        },
        this.unlisted > 0
          ? `launch recorded (and ${this.unlisted} more since the last one listed, not listed one by one)`
          : "launch recorded",
      );
      this.lastListedMs = o.last_rx_ms;
      this.unlisted = 0;
    } else this.unlisted++;
    void this.persist();
    for (const fn of this.launchListeners) {
      try {
        fn(structuredClone(launch));
      } catch (err) {
        // A subscriber's bug (e.g. the MQTT publisher) must not cost the history its record.
        this.log.error(`a launch listener threw: ${(err as Error).message}`);
      }
    }
  }

  /** Calls `fn` with each launch as it is recorded; returns the unsubscribe function. */
  onLaunch(fn: (launch: Launch) => void): () => void {
    this.launchListeners.add(fn);
    return () => {
      this.launchListeners.delete(fn);
    };
  }

  private summary(o: Open): Launch {
    return {
      start: new Date(o.start_wall_ms).toISOString(),
      duration_s: Math.round((o.last_rx_ms - o.first_rx_ms) / 100) / 10,
      registration: o.identity.registration,
      type: o.identity.type,
      unit: o.unit,
      ...o.band,
      max_ias: o.max_ias,
      in_band_share:
        o.counted_ms > 0 ? Math.round((o.inside_ms / o.counted_ms) * 1000) / 1000 : o.lastZoneInside ? 1 : 0,
      frames_lost: o.lost,
      verified: o.verified,
    };
  }

  /**
   * Saves the current list; saves run one after another so the last write is the newest list. At most
   * one save waits: it takes its snapshot when it starts, so a burst of launches (or a flood of
   * invented identities) costs one queued write and one copy of the list, not one per launch.
   */
  private persist(): Promise<void> {
    if (this.savePending) return this.saving;
    this.savePending = true;
    this.saving = this.saving.then(async () => {
      this.savePending = false;
      const snapshot = this.list.map((l) => structuredClone(l));
      try {
        await this.store.save(snapshot);
      } catch (err) {
        this.log.error(`launch history could not be saved (kept in memory): ${(err as Error).message}`);
      }
    });
    return this.saving;
  }
}
