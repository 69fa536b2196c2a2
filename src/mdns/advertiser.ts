/**
 * mDNS: our responder on `multicast-dns` advertising the unit's one hostname for `_https._tcp` and
 * `_http._tcp`. May import only `src/core`.
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import type { Answer, Packet, Question, RecordType } from "dns-packet";
import makeMdns from "multicast-dns";
import type { Logger } from "../core/logger.js";
import { createConflictLog } from "./conflict-log.js";
import { type MdnsInterface, onLink, resolveMdnsInterface } from "./interface.js";
import { buildRecords, hostFqdn, type MdnsRecord, recordKey, validateHostname } from "./records.js";
import {
  answerQuestions,
  findConflicts,
  goodbyes,
  legacyReply,
  type MdnsConflict,
  questionClass,
  type Reply,
} from "./responder.js";

export const MDNS_GROUP = "224.0.0.251";
export const MDNS_PORT = 5353;
/** RFC 6762 §8.3: at least two announcements, one second apart. */
const ANNOUNCE_GAP_MS = 1000;
/** RFC 6762 §6: a reply holding shared records (PTR) waits 20-120 ms so several responders do not collide. */
const SHARED_DELAY_MS = [20, 120] as const;

export interface MdnsOptions {
  /** Host label, e.g. `OWTS-winch-3A4F1C` (case kept; `.local` is added). Also the service instance name. */
  hostname: string;
  httpPort: number;
  httpsPort: number;
  /** TXT pairs, e.g. `{ mode, id, version }`; `path=/` is added when absent. */
  txt: Record<string, string>;
  /**
   * IPv4 address of the interface to run on (tests: "127.0.0.1" inside a private namespace).
   * @default undefined (the chosen interface's first IPv4 address)
   */
  interfaceAddress?: string | undefined;
  /**
   * `--mdns-interface NAME`; resolved to its IPv4 address.
   * @default undefined (the interface holding `interfaceAddress`, else the default route's)
   */
  interfaceName?: string | undefined;
  /**
   * A/AAAA data; default: every address of the chosen interface.
   * @default undefined (every address of the chosen interface)
   */
  addresses?: string[] | undefined;
  logger: Logger;
}

export interface MdnsAdvertiser {
  readonly iface: MdnsInterface;
  /** Current host label (without `.local`). */
  hostname(): string;
  /** A copy of the records we currently answer for. */
  records(): MdnsRecord[];
  /** Every distinct conflict seen since start (someone else claiming our names with other data). */
  conflicts(): MdnsConflict[];
  /**
   * Moves the advertisement to a new hostname (the mode changed): goodbyes for the old records, then the
   * new ones are announced. `txt` replaces the TXT pairs when given. Bad input throws and changes nothing.
   */
  rename(hostname: string, txt?: Record<string, string>): Promise<void>;
  /** Sends goodbyes (TTL 0) and closes the socket. Idempotent. */
  stop(): Promise<void>;
}

interface Incoming extends Packet {
  questions: Question[];
  answers: Answer[];
  additionals: Answer[];
  authorities: Answer[];
}

/**
 * Starts answering mDNS queries for our host and our `_http._tcp` / `_https._tcp` instances on one
 * interface, and announces them. It never renames: a conflict is logged as a warning (once per distinct
 * record) and kept in `conflicts()`, and we go on answering with our name, because the device's name is
 * its identity (`OWTS-<mode>-<esp_id>`) and a silently renamed device would not be found.
 */
export async function startMdns(opts: MdnsOptions): Promise<MdnsAdvertiser> {
  const log = opts.logger.child({ tag: "mdns" });
  const iface = resolveMdnsInterface(opts);
  const addresses = opts.addresses ?? iface.addresses;
  let hostname = validateHostname(opts.hostname);
  let txt = opts.txt;
  const ports = { httpPort: opts.httpPort, httpsPort: opts.httpsPort };
  // Build before binding so bad input fails without touching the network.
  let records = buildRecords({ hostname, ...ports, txt, addresses });

  // SO_REUSEADDR: other responders (avahi, a second device in tests) share 5353. Bound to 0.0.0.0
  // because a socket bound to one unicast address does not receive multicast on Linux.
  const socket = createSocket({ type: "udp4", reuseAddr: true });
  const mdns = makeMdns({ socket, bind: "0.0.0.0", port: MDNS_PORT, multicast: false });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      mdns.destroy();
      reject(
        new Error(
          `mDNS: cannot bind UDP port ${MDNS_PORT}: ${err.message}. Another program may hold it exclusively; run with --no-mdns to start without mDNS`,
        ),
      );
    };
    mdns.once("error", onError);
    mdns.once("ready", () => {
      mdns.removeListener("error", onError);
      resolve();
    });
  });
  try {
    // One interface only: join the group there and send from it, so nothing leaves on other links.
    socket.addMembership(MDNS_GROUP, iface.address);
    socket.setMulticastInterface(iface.address);
    socket.setMulticastTTL(255);
    socket.setMulticastLoopback(true);
  } catch (err) {
    mdns.destroy();
    throw new Error(
      `mDNS: cannot join ${MDNS_GROUP} on ${iface.name} (${iface.address}): ${(err as Error).message}. Choose another interface with --mdns-interface or run with --no-mdns`,
    );
  }

  const timers = new Set<NodeJS.Timeout>();
  const conflictLog = createConflictLog({ logger: opts.logger });
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const cancelPending = () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };

  const send = (packet: Packet, to?: { address: string; port: number }) =>
    new Promise<void>((resolve) => {
      const done = (err: Error | null) => {
        if (err) log.warn({ err: err.message }, `mDNS send failed: ${err.message}`);
        resolve();
      };
      if (packet.type === "query")
        mdns.query(packet as Packet & { questions: Question[] }, to ?? undefined, done);
      else mdns.respond({ ...packet, answers: packet.answers ?? [] }, to ?? undefined, done);
    });

  const uniqueRecords = () => records.filter((r) => r.flush);

  const probe = () =>
    // One probe-shaped query (RFC 6762 §8.1) so a device that already owns our name answers at once and we
    // can warn; we announce right after instead of waiting, because we would keep the name either way.
    send({
      type: "query",
      questions: [...new Set(uniqueRecords().map((r) => r.name))].map((name) => ({
        name,
        type: "ANY" as RecordType,
        class: "IN" as const,
      })),
      authorities: uniqueRecords(),
    });

  const announce = (round: number) => {
    if (stopped) return;
    void send({ type: "response", answers: records });
    if (round < 2) later(ANNOUNCE_GAP_MS, () => announce(round + 1));
  };

  const noteConflicts = (found: MdnsConflict[], from: RemoteInfo) => conflictLog.note(found, from.address);

  mdns.on("warning", (err: Error) =>
    log.debug({ err: err.message }, "mDNS: ignored a malformed packet or socket hiccup"),
  );
  mdns.on("error", (err: Error) => log.error({ err: err.message }, `mDNS socket error: ${err.message}`));

  // RFC 6762 §18: a non-zero opcode means "not mDNS" and a non-zero rcode is ignored; §6: responses
  // only count when they come from port 5353.
  const opcode = (p: Packet) => ((p.flags ?? 0) >> 11) & 0xf;
  const rcode = (p: Packet) => (p.flags ?? 0) & 0xf;

  mdns.on("response", (packet: Incoming, rinfo: RemoteInfo) => {
    if (stopped || rinfo.port !== MDNS_PORT || opcode(packet) !== 0 || rcode(packet) !== 0) return;
    if (!onLink(iface, rinfo.address)) return;
    noteConflicts(findConflicts(records, [...(packet.answers ?? []), ...(packet.additionals ?? [])]), rinfo);
  });

  mdns.on("query", (packet: Incoming, rinfo: RemoteInfo) => {
    if (stopped || opcode(packet) !== 0) return;
    // Only our link gets answers: with IP_MULTICAST_ALL a 0.0.0.0 socket can see other links' traffic.
    if (!onLink(iface, rinfo.address)) return;
    const authorities = packet.authorities ?? [];
    if (authorities.length > 0) {
      const ourKeys = new Set(records.map(recordKey));
      // Our own probe looping back (or a twin probing identical data) needs no answer.
      if (authorities.every((a) => ourKeys.has(recordKey(a)))) return;
      noteConflicts(findConflicts(records, authorities), rinfo);
    }
    const questions = packet.questions ?? [];
    const reply = answerQuestions(records, questions, packet.answers ?? []);
    if (!reply) return;
    log.debug(
      { from: `${rinfo.address}:${rinfo.port}`, questions: questions.map((q) => `${q.name} ${q.type}`) },
      "mDNS query answered",
    );
    respond(reply, packet, questions, rinfo);
  });

  const respond = (reply: Reply, packet: Incoming, questions: Question[], rinfo: RemoteInfo) => {
    if (rinfo.port !== MDNS_PORT) {
      // Legacy unicast querier (dig, simple resolvers): straight back to it, with its id and question.
      const legacy = legacyReply(reply);
      void send(
        {
          type: "response",
          id: packet.id ?? 0,
          questions: questions.map((q) => ({ name: q.name, type: q.type, class: "IN" })),
          answers: legacy.answers,
          additionals: legacy.additionals,
        },
        { address: rinfo.address, port: rinfo.port },
      );
      return;
    }
    const out: Packet = { type: "response", answers: reply.answers, additionals: reply.additionals };
    if (questions.every((q) => questionClass(q.class).unicastResponse)) {
      void send(out, { address: rinfo.address, port: MDNS_PORT });
      return;
    }
    const shared = reply.answers.some((r) => !r.flush);
    if (!shared) {
      void send(out);
      return;
    }
    const [lo, hi] = SHARED_DELAY_MS;
    later(lo + Math.floor(Math.random() * (hi - lo)), () => void send(out));
  };

  const describe = () =>
    `${hostFqdn(hostname)} (_http._tcp port ${ports.httpPort}, _https._tcp port ${ports.httpsPort}) on ${iface.name} ${iface.address}`;

  const goLive = async () => {
    await probe();
    announce(1);
  };

  await goLive();
  log.info({ hostname, addresses, interface: iface.name }, `mDNS: advertising ${describe()}`);

  const serial = (task: () => Promise<void>): Promise<void> => {
    const next = chain.then(task);
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    iface,
    hostname: () => hostname,
    records: () => structuredClone(records),
    conflicts: () => conflictLog.conflicts(),
    rename: (newHostname, newTxt) =>
      serial(async () => {
        if (stopped) throw new Error("mDNS advertiser is stopped; start a new one");
        const label = validateHostname(newHostname);
        const nextTxt = newTxt ?? txt;
        const next = buildRecords({ hostname: label, ...ports, txt: nextTxt, addresses });
        const nextKeys = new Set(next.map(recordKey));
        const gone = records.filter((r) => !nextKeys.has(recordKey(r)));
        if (gone.length === 0 && next.length === records.length) {
          hostname = label;
          txt = nextTxt;
          return;
        }
        const old = hostname;
        cancelPending();
        records = next;
        hostname = label;
        txt = nextTxt;
        await send({ type: "response", answers: goodbyes(gone) });
        await goLive();
        log.info({ from: old, to: label }, `mDNS: renamed ${hostFqdn(old)} -> ${describe()}`);
      }),
    stop: () =>
      serial(async () => {
        if (stopped) return;
        stopped = true;
        cancelPending();
        await send({ type: "response", answers: goodbyes(records) });
        await new Promise<void>((resolve) => mdns.destroy(resolve));
        conflictLog.flush();
        log.info(`mDNS: stopped advertising ${hostFqdn(hostname)} (goodbyes sent)`);
      }),
  };
}
