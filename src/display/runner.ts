import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { DisplayContent } from "./content.js";
import type { DisplaySink } from "./sink.js";
import type { DisplayStatusJson } from "./status-schema.js";

/** One display's health, for `/api/status`; declared once, as `DisplayStatusSchema`. */
export type DisplayStatus = DisplayStatusJson;

export interface DisplayRunnerOptions {
  sinks: DisplaySink[];
  /** The content to show now; called once per tick for all displays. */
  content: () => DisplayContent;
  clock: Clock;
  /** Updates per second, 1–10. @default 10 */
  maxHz?: number;
  /** Wait before re-opening a display that failed, ms. @default 5000 */
  retryMs?: number;
  logger?: Logger;
}

export interface DisplayRunner {
  start(): void;
  /** One update of every display; the timer calls it, tests call it on a manual clock. */
  tick(): void;
  /** Resolves once every update in flight has finished. */
  settled(): Promise<void>;
  status(): DisplayStatus[];
  stop(): Promise<void>;
}

interface Slot {
  sink: DisplaySink;
  status: DisplayStatus;
  open: boolean;
  busy: Promise<void> | null;
  retryAt: number;
}

/**
 * Drives several displays from one content function. Each display has its own slot: a slow or
 * failing one is skipped while its previous update is still running, never waited for, so neither
 * the radio nor the web side (nor the other displays) can be held up by a bus. A failure closes the
 * display, is reported in `status()` and logged once per distinct reason, and the display is opened
 * again after `retryMs`.
 */
export function createDisplayRunner(opts: DisplayRunnerOptions): DisplayRunner {
  const maxHz = opts.maxHz ?? 10;
  const retryMs = opts.retryMs ?? 5000;
  if (!(maxHz >= 1 && maxHz <= 10))
    throw new RangeError(`display rate must be 1–10 Hz, got ${String(maxHz)}`);
  if (!(retryMs >= 100 && retryMs <= 600_000))
    throw new RangeError(`display retry must be 100–600000 ms, got ${String(retryMs)}`);
  const log = opts.logger?.child({ tag: "display" });
  const slots: Slot[] = opts.sinks.map((sink) => ({
    sink,
    status: { name: sink.name, state: "starting", errors: 0, updates: 0 },
    open: false,
    busy: null,
    retryAt: Number.NEGATIVE_INFINITY,
  }));
  let cancel: (() => void) | null = null;
  let running = false;

  async function update(slot: Slot, content: DisplayContent, now: number): Promise<void> {
    try {
      if (!slot.open) {
        await slot.sink.open();
        slot.open = true;
        if (slot.status.state === "error") log?.info(`${slot.sink.name} display is back`);
      }
      await slot.sink.show(content, now);
      slot.status = {
        name: slot.sink.name,
        state: "ok",
        errors: slot.status.errors,
        updates: slot.status.updates + 1,
      };
    } catch (err) {
      const reason = (err as Error).message;
      if (slot.status.reason !== reason)
        log?.warn(`${slot.sink.name} display failed: ${reason}; retrying every ${retryMs / 1000} s`);
      slot.status = { ...slot.status, state: "error", reason, errors: slot.status.errors + 1 };
      slot.retryAt = opts.clock.now() + retryMs;
      if (slot.open) {
        slot.open = false;
        await slot.sink.close().catch(() => {});
      }
    }
  }

  function tick(): void {
    const now = opts.clock.now();
    let content: DisplayContent | undefined;
    for (const slot of slots) {
      if (slot.busy || (!slot.open && now < slot.retryAt)) continue;
      if (!content) {
        try {
          content = opts.content();
        } catch (err) {
          // A bug in reading the state must not stop the timer (or take the device down).
          log?.error(`display content failed: ${(err as Error).message}`);
          return;
        }
      }
      const c = content;
      slot.busy = update(slot, c, now).finally(() => {
        slot.busy = null;
      });
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      const period = 1000 / maxHz;
      const loop = () => {
        if (!running) return;
        tick();
        cancel = opts.clock.setTimeout(loop, period);
      };
      loop();
    },
    tick,
    async settled() {
      await Promise.all(slots.map((s) => s.busy));
    },
    status: () => slots.map((s) => ({ ...s.status })),
    async stop() {
      running = false;
      cancel?.();
      cancel = null;
      await Promise.all(slots.map((s) => s.busy));
      for (const s of slots) {
        if (!s.open) continue;
        s.open = false;
        await s.sink.close().catch(() => {});
      }
    },
  };
}
