import type { Clock } from "../../src/core/clock.js";
import type { Logger } from "../../src/core/logger.js";
import { PairingBook, type PairingBookOptions } from "../../src/winch/pairings.js";

type File = ReturnType<PairingBookOptions["ns"]["get"]>;

/** A namespace stand-in in memory that records every write (the real one is tested with the store). */
export function memoryPairingNs(): PairingBookOptions["ns"] & { writes: File[] } {
  let file: File = { pairings: [] };
  const writes: File[] = [];
  return {
    writes,
    get: () => structuredClone(file),
    async set(v) {
      file = structuredClone(v);
      writes.push(structuredClone(v));
      return v;
    },
  };
}

/** A pairing book holding `codes`, kept in memory. */
export async function pairingBookWith(codes: string[], logger: Logger, clock?: Clock): Promise<PairingBook> {
  const book = new PairingBook({ ns: memoryPairingNs(), logger, ...(clock ? { clock } : {}) });
  for (const code of codes) {
    const r = await book.add(code);
    if (!r.ok) throw new Error(r.message);
  }
  return book;
}
