import type { Answer, Question } from "dns-packet";
import { describe, expect, it } from "vitest";
import { buildRecords } from "../../src/mdns/records.js";
import {
  answerQuestions,
  findConflicts,
  goodbyes,
  legacyReply,
  questionClass,
} from "../../src/mdns/responder.js";

const HOST = "OWTS-winch-3A4F1C.local";
const HTTPS = "OWTS-winch-3A4F1C._https._tcp.local";
const records = (addresses = ["192.168.4.1", "fe80::1"]) =>
  buildRecords({
    hostname: "OWTS-winch-3A4F1C",
    httpPort: 80,
    httpsPort: 443,
    txt: { mode: "winch", id: "3A4F1C", version: "0.1.0" },
    addresses,
  });
const q = (name: string, type: string, cls?: string): Question =>
  ({ name, type, ...(cls ? { class: cls } : {}) }) as Question;
const brief = (list: readonly Answer[]) => list.map((r) => `${r.name} ${r.type}`);

describe("mDNS responder", () => {
  it("answers a service browse with the PTR and everything needed to connect", () => {
    const reply = answerQuestions(records(), [q("_https._tcp.local", "PTR", "IN")]);
    expect(brief(reply!.answers)).toEqual(["_https._tcp.local PTR"]);
    expect(reply!.answers[0]!.data).toBe(HTTPS);
    expect(brief(reply!.additionals)).toEqual([`${HTTPS} SRV`, `${HTTPS} TXT`, `${HOST} A`, `${HOST} AAAA`]);
  });

  it("answers SRV with the target's addresses, and names any case", () => {
    const reply = answerQuestions(records(), [q("owts-winch-3a4f1c._http._tcp.LOCAL", "SRV")]);
    expect(reply!.answers.map((r) => r.data)).toEqual([{ priority: 0, weight: 0, port: 80, target: HOST }]);
    expect(brief(reply!.additionals)).toEqual([`${HOST} A`, `${HOST} AAAA`]);
  });

  it("asserts a missing address family with NSEC instead of leaving the querier waiting", () => {
    const v4only = records(["192.168.4.1"]);
    const a = answerQuestions(v4only, [q(HOST, "A")]);
    expect(brief(a!.answers)).toEqual([`${HOST} A`]);
    expect(a!.additionals).toEqual([
      { name: HOST, type: "NSEC", ttl: 120, flush: true, data: { nextDomain: HOST, rrtypes: ["A"] } },
    ]);
    const aaaa = answerQuestions(v4only, [q(HOST, "AAAA")]);
    expect(aaaa!.answers).toEqual([]);
    expect(brief(aaaa!.additionals)).toEqual([`${HOST} NSEC`]);
  });

  it("answers ANY with every record of the name", () => {
    expect(brief(answerQuestions(records(), [q(HOST, "ANY")])!.answers)).toEqual([
      `${HOST} A`,
      `${HOST} AAAA`,
    ]);
    expect(brief(answerQuestions(records(), [q(HTTPS, "ANY")])!.answers)).toEqual([
      `${HTTPS} SRV`,
      `${HTTPS} TXT`,
    ]);
  });

  it("stays silent about names it does not own and classes other than IN", () => {
    expect(answerQuestions(records(), [q("printer.local", "A")])).toBeNull();
    expect(answerQuestions(records(), [q("_ipp._tcp.local", "PTR")])).toBeNull();
    expect(answerQuestions(records(), [q(HOST, "A", "CH")])).toBeNull();
    expect(answerQuestions(records(), [])).toBeNull();
  });

  it("reads the QU bit that dns-packet leaves in the class name", () => {
    expect(questionClass("IN")).toEqual({ answerable: true, unicastResponse: false });
    expect(questionClass(undefined)).toEqual({ answerable: true, unicastResponse: false });
    expect(questionClass("UNKNOWN_32769")).toEqual({ answerable: true, unicastResponse: true });
    expect(questionClass("UNKNOWN_33023")).toEqual({ answerable: true, unicastResponse: true });
    expect(questionClass("UNKNOWN_32771")).toEqual({ answerable: false, unicastResponse: true });
    expect(questionClass("CH")).toEqual({ answerable: false, unicastResponse: false });
    expect(brief(answerQuestions(records(), [q(HOST, "A", "UNKNOWN_32769")])!.answers)).toEqual([
      `${HOST} A`,
    ]);
  });

  it("suppresses answers the querier already holds with at least half the TTL", () => {
    const own = records();
    const ptr = own.find((r) => r.name === "_https._tcp.local")!;
    expect(answerQuestions(own, [q("_https._tcp.local", "PTR")], [{ ...ptr, ttl: 2250 }])).toBeNull();
    const stale = answerQuestions(own, [q("_https._tcp.local", "PTR")], [{ ...ptr, ttl: 2249 }]);
    expect(brief(stale!.answers)).toEqual(["_https._tcp.local PTR"]);
  });

  it("shapes legacy unicast replies: TTL at most 10 s, no cache-flush bit", () => {
    const reply = legacyReply(answerQuestions(records(), [q("_https._tcp.local", "PTR")])!);
    for (const r of [...reply.answers, ...reply.additionals]) {
      expect("ttl" in r ? r.ttl : -1).toBe(10);
      expect("flush" in r ? r.flush : true).toBe(false);
    }
  });

  it("says goodbye with TTL 0 for every record", () => {
    const bye = goodbyes(records());
    expect(bye).toHaveLength(records().length);
    expect(bye.every((r) => r.ttl === 0)).toBe(true);
  });

  describe("conflicts", () => {
    const own = records(["192.168.4.1"]);
    const srv = own.find((r) => r.type === "SRV" && r.name === HTTPS)!;

    it("ignores identical records (our own packets looping back) and goodbyes", () => {
      expect(findConflicts(own, own)).toEqual([]);
      expect(findConflicts(own, [{ name: HOST, type: "A", ttl: 0, data: "10.9.9.9" }])).toEqual([]);
    });

    it("reports another address for our host, in any case", () => {
      expect(
        findConflicts(own, [{ name: HOST.toLowerCase(), type: "A", ttl: 120, data: "192.168.4.7" }]),
      ).toEqual([{ name: HOST.toLowerCase(), type: "A", theirs: "192.168.4.7", ours: ["192.168.4.1"] }]);
      expect(findConflicts(own, [{ name: HOST, type: "AAAA", ttl: 120, data: "fe80::7" }])).toHaveLength(1);
    });

    it("reports another SRV or TXT for our instance", () => {
      const other = { ...srv, data: { ...(srv.data as object), port: 8443 } } as Answer;
      expect(findConflicts(own, [other])).toEqual([
        { name: HTTPS, type: "SRV", theirs: `${HOST}:8443`, ours: [`${HOST}:443`] },
      ]);
      const txt: Answer = { name: HTTPS, type: "TXT", ttl: 4500, data: ["mode=aircraft"] };
      expect(findConflicts(own, [txt])[0]).toMatchObject({ type: "TXT", theirs: "mode=aircraft" });
    });

    it("does not count shared records or other names", () => {
      expect(
        findConflicts(own, [
          { name: "_https._tcp.local", type: "PTR", ttl: 4500, data: "Other._https._tcp.local" },
        ]),
      ).toEqual([]);
      expect(
        findConflicts(own, [{ name: "printer.local", type: "A", ttl: 120, data: "192.168.4.9" }]),
      ).toEqual([]);
    });
  });
});
