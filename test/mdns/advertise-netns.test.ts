import { beforeAll, describe, expect, it } from "vitest";
import {
  AIRCRAFT,
  additionals,
  answers,
  checkPrerequisites,
  type DigResult,
  type LogLine,
  type PyPacket,
  runScenario,
  skipNetns,
  WINCH,
} from "./netns.js";

describe.skipIf(skipNetns)(
  "mDNS advertisement seen by independent clients (private network namespace)",
  () => {
    beforeAll(checkPrerequisites);

    describe("advertise, rename on mode change, stop", () => {
      let r: {
        marks: { started: number; rename: number; stop: number };
        dig: Record<string, DigResult>;
        py: { qm: PyPacket[]; legacy: PyPacket[] };
        afterRename: Record<string, DigResult>;
        afterStop: DigResult;
        badRename: string;
        hostnameAfterBadRename: string;
        renameAfterStop: string;
        sniffed: PyPacket[];
        logs: LogLine[];
      };
      beforeAll(async () => {
        r = await runScenario<typeof r>("advertise");
      }, 90_000);

      it("dig resolves the host to 127.0.0.1 under the exact, case-kept name", () => {
        expect(r.dig.a!.stdout).toMatch(/status: NOERROR/);
        expect(r.dig.a!.stdout).toMatch(/flags: qr aa/);
        expect(answers(r.dig.a!)).toEqual([
          { name: `${WINCH}.local`, ttl: 10, type: "A", data: "127.0.0.1" },
        ]);
        expect(answers(r.dig.aaaa!)).toEqual([
          { name: `${WINCH}.local`, ttl: 10, type: "AAAA", data: "::1" },
        ]);
      });

      it("dig browses both service types, each to the one instance named like the host", () => {
        expect(answers(r.dig.ptrHttp!)).toEqual([
          { name: "_http._tcp.local", ttl: 10, type: "PTR", data: `${WINCH}._http._tcp.local.` },
        ]);
        expect(answers(r.dig.ptrHttps!)).toEqual([
          { name: "_https._tcp.local", ttl: 10, type: "PTR", data: `${WINCH}._https._tcp.local.` },
        ]);
        expect(additionals(r.dig.ptrHttps!).map((x) => `${x.name} ${x.type} ${x.data}`)).toEqual([
          `${WINCH}._https._tcp.local SRV 0 0 8443 ${WINCH}.local.`,
          `${WINCH}._https._tcp.local TXT "mode=winch" "id=3A4F1C" "version=0.1.0" "path=/"`,
          `${WINCH}.local A 127.0.0.1`,
          `${WINCH}.local AAAA ::1`,
        ]);
        expect(answers(r.dig.types!).map((x) => x.data)).toEqual(["_http._tcp.local.", "_https._tcp.local."]);
      });

      it("both SRVs point to the same host with their own ports; TXT carries mode, id, version, path", () => {
        expect(answers(r.dig.srvHttp!)).toEqual([
          { name: `${WINCH}._http._tcp.local`, ttl: 10, type: "SRV", data: `0 0 8080 ${WINCH}.local.` },
        ]);
        expect(answers(r.dig.srvHttps!)).toEqual([
          { name: `${WINCH}._https._tcp.local`, ttl: 10, type: "SRV", data: `0 0 8443 ${WINCH}.local.` },
        ]);
        expect(answers(r.dig.txtHttps!)[0]!.data).toBe('"mode=winch" "id=3A4F1C" "version=0.1.0" "path=/"');
      });

      it("a real mDNS querier (port 5353) gets a multicast answer with full TTLs and cache-flush bits", () => {
        expect(r.py.qm).toHaveLength(1);
        const [reply] = r.py.qm;
        expect(reply).toMatchObject({ id: 0, port: 5353, src: "127.0.0.1" });
        expect(reply!.answers).toEqual([
          {
            name: "_https._tcp.local",
            type: "PTR",
            flush: false,
            ttl: 4500,
            data: `${WINCH}._https._tcp.local`,
          },
        ]);
        expect(reply!.additionals).toEqual([
          {
            name: `${WINCH}._https._tcp.local`,
            type: "SRV",
            flush: true,
            ttl: 120,
            data: { priority: 0, weight: 0, port: 8443, target: `${WINCH}.local` },
          },
          {
            name: `${WINCH}._https._tcp.local`,
            type: "TXT",
            flush: true,
            ttl: 4500,
            data: ["mode=winch", "id=3A4F1C", "version=0.1.0", "path=/"],
          },
          { name: `${WINCH}.local`, type: "A", flush: true, ttl: 120, data: "127.0.0.1" },
          { name: `${WINCH}.local`, type: "AAAA", flush: true, ttl: 120, data: "::1" },
        ]);
      });

      it("a legacy querier sending to the group from another port gets a unicast reply with its id", () => {
        expect(r.py.legacy).toHaveLength(1);
        const [reply] = r.py.legacy;
        expect(reply).toMatchObject({
          id: 0x4242,
          port: 5353,
          questions: [{ name: `${WINCH}.local`, type: "A" }],
        });
        expect(reply!.answers).toEqual([
          { name: `${WINCH}.local`, type: "A", flush: false, ttl: 10, data: "127.0.0.1" },
        ]);
      });

      const ours = (p: PyPacket) => p.qr && p.port === 5353;
      const allRecords = (p: PyPacket) => [...p.answers, ...p.additionals];
      const announcements = (host: string, from: number, to: number) =>
        r.sniffed.filter(
          (p) =>
            ours(p) &&
            p.t >= from &&
            p.t < to &&
            p.answers.length === 10 &&
            p.answers.every((a) => a.ttl > 0) &&
            p.answers.some((a) => a.name === `${host}.local`),
        );

      it("announces the full record set twice, about a second apart", () => {
        const first = announcements(WINCH, 0, r.marks.rename);
        expect(first).toHaveLength(2);
        const gap = first[1]!.t - first[0]!.t;
        expect(gap).toBeGreaterThan(0.5);
        expect(gap).toBeLessThan(5);
        const names = new Set(first[0]!.answers.map((a) => `${a.name} ${a.type}`));
        for (const want of [
          "_services._dns-sd._udp.local PTR",
          "_http._tcp.local PTR",
          "_https._tcp.local PTR",
          `${WINCH}._http._tcp.local SRV`,
          `${WINCH}._https._tcp.local SRV`,
          `${WINCH}._http._tcp.local TXT`,
          `${WINCH}._https._tcp.local TXT`,
          `${WINCH}.local A`,
          `${WINCH}.local AAAA`,
        ]) {
          expect(names).toContain(want);
        }
      });

      it("a bad new hostname is refused and changes nothing", () => {
        expect(r.badRename).toMatch(/"bad.name" is not a single DNS label/);
        expect(r.hostnameAfterBadRename).toBe(WINCH);
      });

      it("after a mode change: goodbyes for the old name, the new one announced and answered, the old one silent", () => {
        const bye = r.sniffed.find(
          (p) => ours(p) && p.t >= r.marks.rename && p.answers.every((a) => a.ttl === 0),
        );
        expect(bye, "no goodbye packet after the rename").toBeDefined();
        const gone = bye!.answers.map((a) => `${a.name} ${a.type}`);
        expect(gone).toEqual(
          expect.arrayContaining([
            "_http._tcp.local PTR",
            "_https._tcp.local PTR",
            `${WINCH}._https._tcp.local SRV`,
            `${WINCH}._https._tcp.local TXT`,
            `${WINCH}.local A`,
          ]),
        );
        // The service types themselves stay: no goodbye for the enumeration PTRs.
        expect(gone).not.toContain("_services._dns-sd._udp.local PTR");
        expect(announcements(AIRCRAFT, r.marks.rename, r.marks.stop)).toHaveLength(2);

        expect(answers(r.afterRename.newA!)).toEqual([
          { name: `${AIRCRAFT}.local`, ttl: 10, type: "A", data: "127.0.0.1" },
        ]);
        expect(r.afterRename.oldA!.code).not.toBe(0);
        expect(answers(r.afterRename.oldA!)).toEqual([]);
        expect(answers(r.afterRename.newPtr!).map((x) => x.data)).toEqual([`${AIRCRAFT}._https._tcp.local.`]);
        expect(answers(r.afterRename.newTxt!)[0]!.data).toBe(
          '"mode=aircraft" "id=3A4F1C" "version=0.1.0" "path=/"',
        );
      });

      it("stop sends goodbyes for every record and then answers nothing", () => {
        const bye = r.sniffed.filter((p) => ours(p) && p.t >= r.marks.stop);
        expect(bye).toHaveLength(1);
        expect(bye[0]!.answers).toHaveLength(10);
        expect(bye[0]!.answers.every((a) => a.ttl === 0)).toBe(true);
        expect(bye[0]!.answers.some((a) => a.name === `${AIRCRAFT}.local`)).toBe(true);
        expect(r.afterStop.code).not.toBe(0);
        expect(r.renameAfterStop).toMatch(/stopped/);
      });

      it("never renames: every name it ever sent is one of ours", () => {
        const allowed = new Set([
          "_services._dns-sd._udp.local",
          "_http._tcp.local",
          "_https._tcp.local",
          ...[WINCH, AIRCRAFT].flatMap((h) => [
            `${h}.local`,
            `${h}._http._tcp.local`,
            `${h}._https._tcp.local`,
          ]),
        ]);
        const sent = r.sniffed.filter(ours).flatMap(allRecords);
        expect(sent.length).toBeGreaterThan(40);
        for (const rec of sent) expect(allowed).toContain(rec.name);
        expect(r.logs.filter((l) => l.level >= 40)).toEqual([]);
        expect(r.logs.map((l) => l.msg)).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/advertising OWTS-winch-3A4F1C\.local .*8080.*8443.* on lo 127\.0\.0\.1/),
            expect.stringMatching(/renamed OWTS-winch-3A4F1C\.local -> OWTS-aircraft-3A4F1C\.local/),
            expect.stringMatching(/stopped advertising OWTS-aircraft-3A4F1C\.local/),
          ]),
        );
      });
    });
  },
);
