import type { Answer, NsecAnswer, Question } from "dns-packet";
import { type MdnsRecord, rdataKey, recordKey, sameName } from "./records.js";

/** RFC 6762 §6.7: answers to legacy (non-5353) queriers carry a TTL of at most 10 s and no cache-flush bit. */
export const LEGACY_TTL_CAP = 10;

export interface QuestionClass {
  /** Class IN or ANY: a question we may answer. */
  answerable: boolean;
  /** The QU bit (RFC 6762 §5.4): the querier asks for a unicast reply. */
  unicastResponse: boolean;
}

/**
 * dns-packet turns a question's class into a name before looking at the QU bit, so a QU question
 * arrives as "UNKNOWN_32769" (0x8000 | IN). Read the bit back from that form.
 */
export function questionClass(cls: unknown): QuestionClass {
  if (cls === undefined || cls === "IN" || cls === "ANY") return { answerable: true, unicastResponse: false };
  const m = typeof cls === "string" ? /^UNKNOWN_(\d+)$/.exec(cls) : null;
  const value = typeof cls === "number" ? cls : m ? Number(m[1]) : Number.NaN;
  if (Number.isInteger(value) && value & 0x8000) {
    const base = value & 0x7fff;
    return { answerable: base === 1 || base === 255, unicastResponse: true };
  }
  return { answerable: false, unicastResponse: false };
}

export interface Reply {
  answers: MdnsRecord[];
  additionals: Answer[];
}

/** Names we own exclusively (RFC 6762 §2 "unique"): the host and the two service instances. */
function uniqueNames(records: readonly MdnsRecord[]): string[] {
  const names: string[] = [];
  for (const r of records) if (r.flush && !names.some((n) => sameName(n, r.name))) names.push(r.name);
  return names;
}

/** RFC 6762 §6.1 negative response: an NSEC whose bitmap lists the types the owned name does have. */
function nsecFor(records: readonly MdnsRecord[], name: string): NsecAnswer {
  const types = [...new Set(records.filter((r) => sameName(r.name, name)).map((r) => r.type))];
  const ttl = Math.max(...records.filter((r) => sameName(r.name, name)).map((r) => r.ttl));
  return { name, type: "NSEC", ttl, flush: true, data: { nextDomain: name, rrtypes: types } };
}

function ttlOf(r: Answer): number {
  return "ttl" in r ? (r.ttl ?? 0) : 0;
}

/** dns-packet's RecordType omits the query-only meta type ANY (255), which it does decode. */
function asksAny(q: Question): boolean {
  return (q.type as string) === "ANY";
}

function isKnown(record: MdnsRecord, known: readonly Answer[]): boolean {
  // RFC 6762 §7.1: suppress an answer the querier already holds with at least half our TTL.
  const key = recordKey(record);
  return known.some((k) => ttlOf(k) >= record.ttl / 2 && recordKey(k) === key);
}

/**
 * The reply to a query's questions, or null when we have nothing to say. Answers come from our own
 * records only; the additional section carries what the querier will ask next (RFC 6763 §12): for a
 * service PTR its SRV, TXT and the target's addresses; for an SRV the addresses; for one address family
 * the other, and an NSEC when a family is missing so nobody waits for it.
 */
export function answerQuestions(
  records: readonly MdnsRecord[],
  questions: readonly Question[],
  knownAnswers: readonly Answer[] = [],
): Reply | null {
  const owned = uniqueNames(records);
  const answers: MdnsRecord[] = [];
  const wanted: Answer[] = [];
  const negatives = new Set<string>();
  const add = (list: Answer[], r: Answer) => {
    if (!list.some((x) => recordKey(x) === recordKey(r))) list.push(r);
  };

  for (const q of questions) {
    if (!questionClass(q.class).answerable) continue;
    const matches = records.filter((r) => sameName(r.name, q.name) && (asksAny(q) || q.type === r.type));
    for (const r of matches) if (!isKnown(r, knownAnswers)) add(answers, r);
    const ownedName = owned.find((n) => sameName(n, q.name));
    if (matches.length === 0 && ownedName && !asksAny(q)) negatives.add(ownedName);
  }

  const addressesOf = (host: string) => {
    const addrs = records.filter((r) => sameName(r.name, host) && (r.type === "A" || r.type === "AAAA"));
    for (const r of addrs) add(wanted, r);
    const types = new Set(addrs.map((r) => r.type));
    if (addrs.length > 0 && !(types.has("A") && types.has("AAAA"))) negatives.add(addrs[0]!.name);
  };
  for (const a of answers) {
    if (a.type === "PTR") {
      const target = a.data;
      for (const r of records)
        if (sameName(r.name, target) && (r.type === "SRV" || r.type === "TXT")) add(wanted, r);
    }
  }
  for (const r of [...answers, ...wanted]) if (r.type === "SRV") addressesOf(r.data.target);
  for (const a of answers) if (a.type === "A" || a.type === "AAAA") addressesOf(a.name);

  const answerKeys = new Set(answers.map(recordKey));
  const additionals: Answer[] = wanted.filter(
    (r) => !answerKeys.has(recordKey(r)) && !isKnown(r as MdnsRecord, knownAnswers),
  );
  for (const name of negatives) additionals.push(nsecFor(records, name));

  if (answers.length === 0 && !questions.some((q) => owned.some((n) => sameName(n, q.name)))) return null;
  if (answers.length === 0 && additionals.length === 0) return null;
  return { answers, additionals };
}

/** The same reply shaped for a legacy unicast querier (RFC 6762 §6.7). */
export function legacyReply(reply: Reply): Reply {
  const cap = <T extends Answer>(r: T): T => ({
    ...r,
    ttl: Math.min(ttlOf(r), LEGACY_TTL_CAP),
    flush: false,
  });
  return { answers: reply.answers.map(cap), additionals: reply.additionals.map(cap) };
}

/** Our records with TTL 0: "this is gone", so caches drop them within a second (RFC 6762 §10.1). */
export function goodbyes(records: readonly MdnsRecord[]): MdnsRecord[] {
  return records.map((r) => ({ ...r, ttl: 0 }));
}

export interface MdnsConflict {
  name: string;
  type: string;
  /** The other device's rdata, in readable form. */
  theirs: string;
  ours: string[];
}

/**
 * Records from someone else that claim one of our unique names with other content (RFC 6762 §9).
 * Identical records are not a conflict (our own packets loop back; a twin with the same data agrees).
 */
export function findConflicts(records: readonly MdnsRecord[], incoming: readonly Answer[]): MdnsConflict[] {
  const conflicts: MdnsConflict[] = [];
  for (const r of incoming) {
    if (ttlOf(r) === 0) continue;
    const claimsOurs = records.some((o) => o.flush && sameName(o.name, r.name));
    if (!claimsOurs) continue;
    const hostType = r.type === "A" || r.type === "AAAA";
    const ours = records.filter(
      (o) => sameName(o.name, r.name) && (hostType ? o.type === "A" || o.type === "AAAA" : o.type === r.type),
    );
    // A name we own as a host only conflicts on address records; an instance only on SRV/TXT.
    const relevant = hostType
      ? ours.length > 0
      : (r.type === "SRV" || r.type === "TXT") &&
        records.some((o) => sameName(o.name, r.name) && o.type === r.type);
    if (!relevant) continue;
    const key = rdataKey(r);
    if (ours.some((o) => o.type === r.type && rdataKey(o) === key)) continue;
    conflicts.push({ name: r.name, type: r.type, theirs: readable(r), ours: ours.map(readable) });
  }
  return conflicts;
}

function readable(r: Answer): string {
  switch (r.type) {
    case "SRV":
      return `${r.data.target}:${r.data.port}`;
    case "TXT": {
      const parts = Array.isArray(r.data) ? r.data : [r.data];
      return parts.map((p) => Buffer.from(p).toString()).join(" ");
    }
    case "A":
    case "AAAA":
    case "PTR":
      return r.data;
    default:
      return r.type;
  }
}
