import type { Logger } from "../core/logger.js";
import { quoted } from "../core/safe-text.js";
import type { MdnsConflict } from "./responder.js";

export interface ConflictLogOptions {
  logger: Logger;
  /**
   * Distinct conflicts kept for `conflicts()`; beyond it the oldest is forgotten. Anyone on the
   * network can send conflicting records, so this memory must not grow with what they send.
   * @default 32
   */
  keep?: number;
  /**
   * Conflicts warned about one by one per window; the rest of the window is summed up in one line.
   * @default 4
   */
  warnPerWindow?: number;
  /** @default 60_000 */
  windowMs?: number;
  /** @default performance.now */
  now?: () => number;
}

export interface ConflictLog {
  note(found: readonly MdnsConflict[], from: string): void;
  /** The distinct conflicts kept, oldest first. */
  conflicts(): MdnsConflict[];
  /** Every conflicting record seen since start, distinct or not. */
  total(): number;
  /** Logs the summary of a window that has not been summed up yet (called on stop). */
  flush(): void;
}

/**
 * Remembers and reports other hosts claiming our names. A real conflict (two units with one --id) is
 * warned about at once and keeps being answered; a flood of made-up conflicts costs bounded memory and
 * a few log lines a minute, so it can neither exhaust a small board nor flush the log ring.
 */
export function createConflictLog(opts: ConflictLogOptions): ConflictLog {
  const log = opts.logger.child({ tag: "mdns" });
  const keep = opts.keep ?? 32;
  const warnPerWindow = opts.warnPerWindow ?? 4;
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? (() => performance.now());
  const seen = new Map<string, MdnsConflict>();
  let total = 0;
  let windowStart = Number.NEGATIVE_INFINITY;
  let warned = 0;
  let suppressed = 0;
  const suppressedFrom = new Set<string>();

  const summarise = () => {
    if (suppressed > 0)
      log.warn(
        `mDNS: ${suppressed} more conflicting record(s) from ${suppressedFrom.size}${suppressedFrom.size >= 16 ? "+" : ""} host(s) in the last ${Math.round(windowMs / 1000)} s, not listed one by one`,
      );
    suppressed = 0;
    suppressedFrom.clear();
  };

  return {
    note(found, from) {
      const t = now();
      for (const c of found) {
        total++;
        const key = `${c.name.toLowerCase()}|${c.type}|${c.theirs}`;
        if (seen.has(key)) continue;
        seen.set(key, c);
        if (seen.size > keep) seen.delete(seen.keys().next().value as string);
        if (t - windowStart >= windowMs) {
          summarise();
          windowStart = t;
          warned = 0;
        }
        if (warned < warnPerWindow) {
          warned++;
          log.warn(
            { from },
            `mDNS name conflict: ${from} also claims ${quoted(c.name)} (${c.type} ${quoted(c.theirs)}; ours ${c.ours.map((o) => quoted(o)).join(", ") || "-"}). ` +
              "OWTS never renames: both devices now answer for this name, so give one of them a different --id",
          );
        } else {
          suppressed++;
          if (suppressedFrom.size < 16) suppressedFrom.add(from);
        }
      }
    },
    conflicts: () => [...seen.values()],
    total: () => total,
    flush: summarise,
  };
}
