import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { Value } from "typebox/value";
import { type Clock, systemClock } from "../core/clock.js";
import type { Band } from "../core/identity-band.js";
import { isOffCable, type LaunchPhase } from "../core/launch-phase.js";
import type { Logger } from "../core/logger.js";
import type { SpeedUnit } from "../core/units.js";
import { plainReason } from "../store/errors.js";
import { readTraceLog, type TraceIo, TraceLog } from "../store/trace-log.js";
import { LAUNCH_ID_PATTERN, type Launch, type StoredLaunch, StoredLaunchSchema } from "./launch.js";
import {
  eventLine,
  headerLines,
  type ParsedTrace,
  parseTraceLines,
  pointLine,
  summarize,
  type TraceEvent,
  type TraceHeader,
  type TracePoint,
} from "./launch-trace.js";
import type { LinkState, ShownTelemetry, WinchReceiver, Zone } from "./receiver.js";

export { HISTORY_NAMESPACE, type Launch, LaunchSchema, StoredLaunchSchema } from "./launch.js";

/** Where the summaries are kept; the device backs it with the settings store (atomic, durable). */
export interface LaunchStore {
  load(): unknown[] | Promise<unknown[]>;
  save(list: Launch[]): void | Promise<void>;
}

export function memoryLaunchStore(initial: unknown[] = []): LaunchStore & { saved: Launch[] } {
  const s = {
    saved: initial.slice() as Launch[],
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
  /** @default "winch" */
  source?: "winch" | "aircraft";
  /** Directory of the trace files; without it only summaries are kept. @default undefined */
  traceDir?: string;
  /** @default the real file system */
  traceIo?: TraceIo;
  /**
   * Summaries kept, oldest dropped first (with their traces), 1–10 000.
   * @default 1000
   */
  limit?: number;
  /**
   * Bytes all traces together may take; the oldest traces go first (their summaries stay).
   * @default 32 MiB
   */
  max_trace_bytes?: number;
  /**
   * Points one trace may hold (20 Hz for 15 minutes); later points are counted, not kept.
   * @default 18 000
   */
  max_points_per_launch?: number;
  /**
   * Trace lines are written in batches at least this often, 100–60 000 ms: what a power cut can lose.
   * @default 2000
   */
  flush_ms?: number;
  /**
   * Records with fewer points are noise, not launches.
   * @default 3
   */
  min_frames?: number;
  /**
   * Longest interval one point's zone stands for when sharing out time in band (the receiver's stale
   * timeout): a gap in reception does not count as time in any zone.
   * @default 1500 ms
   */
  max_sample_interval_ms?: number;
  /** @default Date.now */
  wallNow?: () => number;
  /** Drives the batch timer. @default systemClock */
  clock?: Clock;
}

/** One point offered to the recorder (from the winch's receiver or the aircraft's own samples). */
export interface RecordInput {
  /** Monotonic ms of the point (receive time, or sensor time on the aircraft). */
  t_ms: number;
  sender: string;
  registration: string;
  type: string;
  unit: SpeedUnit;
  band: Band;
  ias: number;
  zone: Zone;
  phase: LaunchPhase | null;
  rssi_dbm: number | null;
  snr_db: number | null;
  lost: number;
  verified: boolean;
}

/** What `/api/winch` says of the launch in progress or just ended, for the monitor. */
export interface LaunchProgress {
  id: string;
  phase: LaunchPhase | null;
  ended: boolean;
  released: boolean;
  max_ias: number;
  release_ias: number | null;
  time_in_band_s: number;
  in_band_share: number;
  duration_s: number;
  unit: SpeedUnit;
}

/** One page of the history (see `LaunchHistory.page`). */
export interface HistoryPage {
  /** Newest first. */
  launches: Launch[];
  /** The id to ask `before` for the next (older) page; null when this page holds the oldest launch. */
  next: string | null;
  /** Completed launches in the whole history. */
  total: number;
}

/** A trace file that could not be read and was moved aside. */
export interface SetAside {
  file: string;
  reason: string;
}

interface Open {
  header: TraceHeader;
  sender: string;
  t0: number;
  points: TracePoint[];
  /** Points beyond the cap: counted, not kept. */
  dropped: number;
  events: TraceEvent[];
  log: TraceLog | null;
  /** Points in batches the disk acknowledged. */
  persisted: number;
  queued: number;
  band: Band;
  registration: string;
  type: string;
  lastPhase: LaunchPhase | null;
  incomplete: string | undefined;
  cancelTimer: (() => void) | null;
}

/** How long the monitor keeps showing the launch that just ended (then it is history). */
const PROGRESS_KEPT_MS = 10 * 60_000;

const compactUtc = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");

function newId(startMs: number): string {
  return `${compactUtc(startMs)}-${randomBytes(2).toString("hex")}`;
}

const ID = new RegExp(LAUNCH_ID_PATTERN);

/**
 * The launch recorder and history, one per unit. A launch opens with the first point on the ground
 * roll or the cable (or any point, from a transmitter without phases) and closes at landing, at
 * silence, or when another sender or a new ground roll appears; release and the free flight after it
 * are kept as context. Each open launch writes its trace in checksummed batches (`src/store/trace-log.ts`)
 * every `flush_ms` and at each phase change; its summary is computed from the trace and saved with the
 * others through the settings store when it closes. A launch whose summary a power cut prevented is
 * recovered from its trace at the next start, marked incomplete.
 */
export class LaunchHistory {
  private list: Launch[] = [];
  private open: Open | null = null;
  private lastEnded: { launch: Launch; at: number; phase: LaunchPhase | null } | null = null;
  private readonly store: LaunchStore;
  private readonly log: Logger;
  private readonly source: "winch" | "aircraft";
  private readonly traceDir: string | undefined;
  private readonly traceIo: TraceIo | undefined;
  private readonly limit: number;
  private readonly maxTraceBytes: number;
  private readonly maxPoints: number;
  private readonly flushMs: number;
  private readonly minFrames: number;
  private readonly maxInterval: number;
  private readonly wallNow: () => number;
  private readonly clock: Clock;
  private readonly traceBytes = new Map<string, number>();
  private readonly setAside: SetAside[] = [];
  private saving: Promise<void> = Promise.resolve();
  /** Ended launches whose trace close and save wait for the next save step (see `afterEnd`). */
  private readonly ended: (() => Promise<void>)[] = [];
  /** When the last "launch recorded" line was written (history clock), and launches recorded since unlisted. */
  private lastListedMs = Number.NEGATIVE_INFINITY;
  private unlisted = 0;
  private ver = 0;
  private readonly instance = randomBytes(3).toString("hex");
  private readonly launchListeners = new Set<(launch: Launch) => void>();

  private constructor(opts: HistoryOptions) {
    this.store = opts.store;
    this.log = opts.logger.child({ tag: "history" });
    this.source = opts.source ?? "winch";
    this.traceDir = opts.traceDir;
    this.traceIo = opts.traceIo;
    this.limit = opts.limit ?? 1000;
    this.maxTraceBytes = opts.max_trace_bytes ?? 32 * 1024 * 1024;
    this.maxPoints = opts.max_points_per_launch ?? 18_000;
    this.flushMs = opts.flush_ms ?? 2000;
    this.minFrames = opts.min_frames ?? 3;
    this.maxInterval = opts.max_sample_interval_ms ?? 1500;
    this.wallNow = opts.wallNow ?? Date.now;
    this.clock = opts.clock ?? systemClock;
    const bad: string[] = [];
    if (!Number.isInteger(this.limit) || this.limit < 1 || this.limit > 10_000) bad.push("limit 1..10000");
    if (!(this.maxTraceBytes >= 0)) bad.push("max_trace_bytes >= 0");
    if (!Number.isInteger(this.maxPoints) || this.maxPoints < 10) bad.push("max_points_per_launch >= 10");
    if (!(this.flushMs >= 100 && this.flushMs <= 60_000)) bad.push("flush_ms 100..60000");
    if (bad.length > 0) throw new RangeError(`history settings out of range: ${bad.join(", ")}`);
  }

  /**
   * Loads the stored summaries (entries that do not match the schema are dropped and reported; older
   * ones upgraded), then the trace directory: a trace without a summary (a power cut before it was
   * saved) is recovered from the trace, one that cannot be read is set aside and reported.
   */
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
    const good = raw.filter((x): x is StoredLaunch => Value.Check(StoredLaunchSchema, x));
    if (!Array.isArray(loaded) || good.length !== raw.length) {
      h.log.warn(
        { dropped: raw.length - good.length },
        "launch history had damaged entries; they were dropped",
      );
    }
    const ids = new Set<string>();
    h.list = good.slice(-h.limit).map((l) => {
      const up = h.upgrade(l);
      while (ids.has(up.id)) up.id = newId(Date.parse(up.start) || 0);
      ids.add(up.id);
      return up;
    });
    if (h.traceDir) await h.scanTraces();
    return h;
  }

  /** Follows a receiver's shown telemetry and link state (the winch). Returns the unsubscribe function. */
  follow(receiver: WinchReceiver): () => void {
    const onTelemetry = (t: ShownTelemetry) => this.onTelemetry(t);
    const onLink = (e: { from: LinkState; to: LinkState; t_ms: number }) => {
      this.event(e.t_ms, `link ${e.to}`);
      if (e.to === "no_signal") this.finish();
    };
    receiver.on("telemetry", onTelemetry);
    receiver.on("link", onLink);
    return () => {
      receiver.off("telemetry", onTelemetry);
      receiver.off("link", onLink);
    };
  }

  onTelemetry(t: ShownTelemetry): void {
    this.record({
      t_ms: t.rx_t_ms,
      sender: t.sender,
      registration: t.identity.registration,
      type: t.identity.type,
      unit: t.unit,
      band: t.band,
      ias: t.ias,
      zone: t.zone,
      phase: t.phase,
      rssi_dbm: t.rssi_dbm,
      snr_db: t.snr_db,
      lost: t.lost_before,
      verified: t.verified,
    });
  }

  /** Offers one point. Never throws. */
  record(p: RecordInput): void {
    const o = this.open;
    const starts = p.phase === null || p.phase === "ground_roll" || p.phase === "launch";
    if (o && (o.sender !== p.sender || o.header.verified !== p.verified || o.header.unit !== p.unit)) {
      this.finish();
    } else if (o && isOffCable(o.lastPhase) && (p.phase === "ground_roll" || p.phase === "launch")) {
      this.finish(); // relaunched without falling silent in between
    }
    if (!this.open) {
      // Heard first in free flight, or the landed tail: not a launch this unit saw.
      if (!starts) return;
      this.begin(p);
    }
    const cur = this.open!;
    if (cur.registration !== p.registration || cur.type !== p.type) {
      this.event(p.t_ms, `identity ${p.registration} / ${p.type}`);
      cur.registration = p.registration;
      cur.type = p.type;
    }
    if (
      cur.band.v_min !== p.band.v_min ||
      cur.band.v_opt !== p.band.v_opt ||
      cur.band.v_max !== p.band.v_max
    ) {
      this.event(p.t_ms, `band ${p.band.v_min}/${p.band.v_opt}/${p.band.v_max}`);
      cur.band = { ...p.band };
    }
    const point: TracePoint = {
      t_ms: Math.max(0, p.t_ms - cur.t0),
      ias: p.ias,
      zone: p.zone,
      phase: p.phase,
      rssi_dbm: p.rssi_dbm,
      snr_db: p.snr_db,
      lost: p.lost,
    };
    const phaseChanged = p.phase !== cur.lastPhase;
    cur.lastPhase = p.phase;
    if (cur.points.length >= this.maxPoints) {
      if (cur.dropped++ === 0) {
        cur.incomplete ??= `trace capped at ${this.maxPoints} points`;
        this.log.warn(
          { id: cur.header.id },
          `launch trace reached ${this.maxPoints} points; later points not kept`,
        );
      }
    } else {
      cur.points.push(point);
      if (cur.log) {
        cur.log.append(pointLine(point));
        cur.queued++;
      }
    }
    this.ver++;
    if (phaseChanged) this.flushOpen();
    if (p.phase === "landed") this.finish();
  }

  /** Notes an event (link state, …) in the open launch's trace. */
  event(t_ms: number, text: string): void {
    const o = this.open;
    if (!o) return;
    const e = { t_ms: Math.max(0, t_ms - o.t0), text };
    o.events.push(e);
    o.log?.append(eventLine(e));
  }

  /** Completed launches, oldest first. */
  launches(): Launch[] {
    return this.list.map((l) => structuredClone(l));
  }

  /**
   * One page of completed launches, newest first: at most `limit` launches older than the one with id
   * `before` (or the newest ones without it). `next` is the id to pass as `before` for the page after
   * this one, null on the last page. The cursor is an id rather than an offset so that launches
   * recorded meanwhile (they join at the newest end) never shift an older page. Null when `before`
   * is not in the list (deleted, or aged out of it).
   */
  page(limit: number, before?: string): HistoryPage | null {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError("page limit must be an integer >= 1");
    let end = this.list.length;
    if (before !== undefined) {
      end = this.list.findIndex((l) => l.id === before);
      if (end < 0) return null;
    }
    const start = Math.max(0, end - limit);
    const launches: Launch[] = [];
    for (let i = end - 1; i >= start; i--) launches.push(structuredClone(this.list[i]!));
    return { launches, next: start > 0 ? this.list[start]!.id : null, total: this.list.length };
  }

  /** The launch in progress, summarised as it would be stored now, or null. */
  current(): Launch | null {
    return this.open ? this.summary(this.open) : null;
  }

  /** The launch in progress, or the one that ended in the last minutes, for the monitor. */
  progress(): LaunchProgress | null {
    const o = this.open;
    if (o) return progressOf(this.summary(o), o.lastPhase, false);
    const e = this.lastEnded;
    if (e && this.clock.now() - e.at < PROGRESS_KEPT_MS) return progressOf(e.launch, e.phase, true);
    return null;
  }

  /** A launch by id (the one in progress included). */
  get(id: string): Launch | null {
    if (this.open?.header.id === id) return this.summary(this.open);
    const l = this.list.find((x) => x.id === id);
    return l ? structuredClone(l) : null;
  }

  /**
   * The trace of a launch: from memory while it is open, else from its file (verified batches only).
   * A file that cannot be read is set aside and reported; the summary is still served (empty trace).
   */
  async trace(id: string): Promise<(ParsedTrace & { launch: Launch }) | null> {
    const o = this.open;
    if (o?.header.id === id) {
      return {
        launch: this.summary(o),
        header: { ...o.header },
        points: o.points.slice(),
        events: o.events.slice(),
      };
    }
    const launch = this.get(id);
    if (!launch) return null;
    const empty = { launch, header: headerOf(launch), points: [], events: [] };
    if (!this.traceDir || launch.trace_points === 0 || !this.traceBytes.has(id)) return empty;
    const file = this.traceFile(id);
    try {
      const read = await readTraceLog(file);
      return { launch, ...parseTraceLines(read.lines) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return empty;
      await this.putAside(file, id, plainReason(err));
      return { ...empty, launch: this.get(id) ?? launch };
    }
  }

  /** Trace files that could not be read, moved aside (kept for inspection). */
  damaged(): SetAside[] {
    return this.setAside.slice();
  }

  /** Changes with every point recorded and every list change: the list's ETag. */
  etag(): string {
    return `"h-${this.instance}-${this.ver}"`;
  }

  /** Deletes one launch: its summary (saved first: if that fails nothing is deleted), then its trace. */
  async remove(id: string): Promise<boolean> {
    if (this.open?.header.id === id) {
      const o = this.open;
      this.open = null;
      o.cancelTimer?.();
      await o.log?.close();
      await this.unlinkTrace(id);
      this.ver++;
      return true;
    }
    const at = this.list.findIndex((l) => l.id === id);
    if (at < 0) return false;
    const next = this.list.filter((l) => l.id !== id);
    await this.saveNow(next);
    this.list = next;
    if (this.lastEnded?.launch.id === id) this.lastEnded = null;
    await this.unlinkTrace(id);
    this.ver++;
    this.log.info({ id }, "launch deleted");
    return true;
  }

  /**
   * Deletes every recorded launch (and the one in progress). The empty list is saved first: if that
   * fails the error propagates and nothing is deleted.
   */
  async clear(): Promise<void> {
    await this.saveNow([]);
    const ids = [...this.list.map((l) => l.id), ...(this.open ? [this.open.header.id] : [])];
    const o = this.open;
    this.open = null;
    o?.cancelTimer?.();
    await o?.log?.close();
    this.list = [];
    this.lastEnded = null;
    for (const id of ids) await this.unlinkTrace(id);
    this.ver++;
    this.log.info("launch history cleared");
  }

  /** Waits for pending trace batches and saves (tests, shutdown). */
  async flush(): Promise<void> {
    await this.open?.log?.flush().catch(() => {});
    await this.saving;
  }

  /** Ends the launch in progress (silence, landing, another sender) and records it if it was one. */
  finish(): void {
    const o = this.open;
    this.open = null;
    if (!o) return;
    o.cancelTimer?.();
    if (o.points.length < this.minFrames) {
      this.log.debug({ points: o.points.length }, "too few points for a launch; not recorded");
      this.saving = this.saving.then(async () => {
        await o.log?.close();
        await this.unlinkTrace(o.header.id);
      });
      return;
    }
    const closing = o.log ? o.log.close() : Promise.resolve();
    const launch = this.summary(o);
    this.list.push(launch);
    this.lastEnded = { launch, at: this.clock.now(), phase: o.lastPhase };
    this.ver++;
    // Real launches end minutes apart; a radio peer inventing an identity every few frames (an
    // unpaired winch shows anyone) must not get a log line, and so a ring flush, per invention.
    const now = this.clock.now();
    if (now - this.lastListedMs >= LAUNCH_LINE_INTERVAL_MS) {
      this.log.info(
        {
          id: launch.id,
          registration: launch.registration,
          points: launch.trace_points,
          duration_s: launch.duration_s,
          max_ias: launch.max_ias,
          in_band_share: launch.in_band_share,
        },
        this.unlisted > 0
          ? `launch recorded (and ${this.unlisted} more since the last one listed, not listed one by one)`
          : "launch recorded",
      );
      this.lastListedMs = now;
      this.unlisted = 0;
    } else this.unlisted++;
    const overflow = this.list.length > this.limit ? this.list.splice(0, this.list.length - this.limit) : [];
    this.afterEnd(async () => {
      await closing;
      const done = this.list.find((l) => l.id === launch.id);
      if (done && o.log) {
        // What the disk acknowledged is what the trace holds.
        done.trace_points = o.persisted;
        if (o.log.failed) {
          done.complete = false;
          done.incomplete_reason ??= `storage refused the trace: ${o.log.failed.message}`;
        }
        this.traceBytes.set(launch.id, o.log.bytes);
      }
      for (const old of overflow) await this.unlinkTrace(old.id);
    });
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

  private begin(p: RecordInput): void {
    const start = this.wallNow();
    // Ids are the page cursors of `/api/history?before=`: two launches begun in one second must differ.
    let id = newId(start);
    while (this.list.some((l) => l.id === id)) id = newId(start);
    const header: TraceHeader = {
      id,
      source: this.source,
      start: new Date(start).toISOString(),
      registration: p.registration,
      type: p.type,
      unit: p.unit,
      ...p.band,
      verified: p.verified,
    };
    const log = this.traceDir
      ? new TraceLog({ file: this.traceFile(header.id), ...(this.traceIo ? { io: this.traceIo } : {}) })
      : null;
    for (const line of headerLines(header)) log?.append(line);
    const o: Open = {
      header,
      sender: p.sender,
      t0: p.t_ms,
      points: [],
      dropped: 0,
      events: [],
      log,
      persisted: 0,
      queued: 0,
      band: { ...p.band },
      registration: p.registration,
      type: p.type,
      lastPhase: null,
      incomplete: undefined,
      cancelTimer: null,
    };
    this.open = o;
    if (log) {
      const tick = () => {
        if (this.open !== o) return;
        this.flushOpen();
        o.cancelTimer = this.clock.setTimeout(tick, this.flushMs);
      };
      o.cancelTimer = this.clock.setTimeout(tick, this.flushMs);
    }
  }

  /** Writes the open launch's buffered lines as one batch; a refusal marks the launch incomplete. */
  private flushOpen(): void {
    const o = this.open;
    if (!o?.log || o.log.buffered === 0) return;
    const n = o.queued;
    o.queued = 0;
    o.log.flush().then(
      () => {
        o.persisted += n;
      },
      (err: Error) => {
        if (o.incomplete?.startsWith("storage")) return;
        o.incomplete = `storage refused the trace: ${err.message}`;
        this.log.error(
          { id: o.header.id },
          `launch trace not written, launch marked incomplete: ${err.message}`,
        );
      },
    );
  }

  private summary(o: Open): Launch {
    const s = summarize(o.points, o.band, this.maxInterval);
    const incomplete =
      o.incomplete ?? (o.log?.failed ? `storage refused the trace: ${o.log.failed.message}` : undefined);
    return {
      id: o.header.id,
      source: o.header.source,
      start: o.header.start,
      registration: o.registration,
      type: o.type,
      unit: o.header.unit,
      ...o.band,
      ...s,
      trace_points: o.log ? o.persisted : 0,
      verified: o.header.verified,
      complete: incomplete === undefined || incomplete.startsWith("trace capped"),
      ...(incomplete ? { incomplete_reason: incomplete } : {}),
    };
  }

  private upgrade(l: StoredLaunch): Launch {
    const start = Date.parse(l.start);
    return {
      ...l,
      id: l.id ?? newId(Number.isFinite(start) ? start : 0),
      source: l.source ?? this.source,
      flight_s: l.flight_s ?? l.duration_s,
      time_in_band_s: l.time_in_band_s ?? Math.round(l.duration_s * l.in_band_share * 10) / 10,
      time_to_vmin_s: l.time_to_vmin_s ?? null,
      released: l.released ?? false,
      release_ias: l.release_ias ?? null,
      max_gap_ms: l.max_gap_ms ?? 0,
      trace_points: l.trace_points ?? 0,
      complete: l.complete ?? true,
    } as Launch;
  }

  private traceFile(id: string): string {
    return join(this.traceDir!, `${id}.csv`);
  }

  private async scanTraces(): Promise<void> {
    const dir = this.traceDir!;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      this.log.error(`launch traces directory ${dir} cannot be used: ${plainReason(err)}`);
      return;
    }
    const known = new Set(this.list.map((l) => l.id));
    let recovered = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const m = /^(.+)\.csv$/.exec(name);
      if (!m || !ID.test(m[1]!)) continue;
      const id = m[1]!;
      const file = join(dir, name);
      const size = (await stat(file).catch(() => null))?.size ?? 0;
      if (known.has(id)) {
        this.traceBytes.set(id, size);
        continue;
      }
      try {
        const read = await readTraceLog(file);
        const t = parseTraceLines(read.lines);
        const s = summarize(t.points, t.header, this.maxInterval);
        this.list.push({
          id,
          source: t.header.source === "aircraft" ? "aircraft" : "winch",
          start: t.header.start,
          registration: t.header.registration,
          type: t.header.type,
          unit: t.header.unit,
          v_min: t.header.v_min,
          v_opt: t.header.v_opt,
          v_max: t.header.v_max,
          ...s,
          verified: t.header.verified === true,
          complete: false,
          incomplete_reason: `recovered from its trace after an interruption (power cut or crash)${read.torn_bytes ? `; ${read.torn_bytes} torn bytes dropped` : ""}`,
        });
        this.traceBytes.set(id, size);
        recovered++;
      } catch (err) {
        await this.putAside(file, id, plainReason(err));
      }
    }
    if (recovered > 0) {
      this.list.sort((a, b) => a.start.localeCompare(b.start));
      this.list = this.list.slice(-this.limit);
      this.log.warn({ recovered }, "launches recovered from their traces (their summaries were not saved)");
      await this.persist();
    }
  }

  private async putAside(file: string, id: string, reason: string): Promise<void> {
    const aside = `${file}.damaged-${new Date(this.wallNow()).toISOString().replace(/[:.]/g, "-")}`;
    await rename(file, aside).catch(() => {});
    this.traceBytes.delete(id);
    const l = this.list.find((x) => x.id === id);
    if (l) l.trace_points = 0;
    this.setAside.push({ file: aside, reason });
    this.ver++;
    this.log.error(
      { id },
      `launch trace ${file} is damaged (${reason}); kept as ${aside}, summary still served`,
    );
  }

  private async unlinkTrace(id: string): Promise<void> {
    this.traceBytes.delete(id);
    if (!this.traceDir) return;
    await unlink(this.traceFile(id)).catch(() => {});
  }

  /** Drops the oldest traces (summaries stay) until all traces fit `max_trace_bytes`. */
  private async enforceTraceBytes(): Promise<void> {
    let total = [...this.traceBytes.values()].reduce((a, b) => a + b, 0);
    for (const l of this.list) {
      if (total <= this.maxTraceBytes) break;
      const b = this.traceBytes.get(l.id);
      if (b === undefined) continue;
      total -= b;
      l.trace_points = 0;
      await this.unlinkTrace(l.id);
      this.log.info(
        { id: l.id },
        "oldest launch trace dropped to stay within the trace budget (summary kept)",
      );
    }
  }

  private async saveNow(list: Launch[]): Promise<void> {
    const run = this.saving.then(() => this.store.save(list.map((l) => structuredClone(l))));
    this.saving = run.then(
      () => undefined,
      () => undefined,
    );
    await run;
  }

  /**
   * Queues what an ended launch still needs (its trace closed, its file budget kept) before the list is
   * saved. At most one save step waits: it takes every launch ended by the time it runs and saves the
   * list once, so a burst of launches (or a flood of invented identities) costs one queued write and
   * one copy of the list, not one per launch.
   */
  private afterEnd(work: () => Promise<void>): void {
    this.ended.push(work);
    if (this.ended.length > 1) return; // the step already queued takes this one too
    this.saving = this.saving.then(async () => {
      // A step that threw would stop every later save: report it and go on with the list in memory.
      try {
        for (const w of this.ended.splice(0)) await w();
        await this.enforceTraceBytes();
      } catch (err) {
        this.log.error(
          `launch trace upkeep failed (the summaries are still saved): ${(err as Error).message}`,
        );
      }
      await this.persist();
    });
  }

  /** Saves the current list now (inside the save chain: steps run one after another). */
  private persist(): Promise<void> {
    const snapshot = this.list.map((l) => structuredClone(l));
    return Promise.resolve(this.store.save(snapshot)).then(
      () => undefined,
      (err: Error) => {
        this.log.error(`launch history could not be saved (kept in memory): ${err.message}`);
      },
    );
  }
}

function headerOf(l: Launch): TraceHeader {
  return {
    id: l.id,
    source: l.source,
    start: l.start,
    registration: l.registration,
    type: l.type,
    unit: l.unit,
    v_min: l.v_min,
    v_opt: l.v_opt,
    v_max: l.v_max,
    verified: l.verified ?? false,
  };
}

function progressOf(l: Launch, phase: LaunchPhase | null, ended: boolean): LaunchProgress {
  return {
    id: l.id,
    phase,
    ended,
    released: l.released,
    max_ias: l.max_ias,
    release_ias: l.release_ias,
    time_in_band_s: l.time_in_band_s,
    in_band_share: l.in_band_share,
    duration_s: l.duration_s,
    unit: l.unit,
  };
}
