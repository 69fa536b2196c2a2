import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AIRCRAFT,
  checkPrerequisites,
  type LogLine,
  type PyPacket,
  runScenario,
  skipNetns,
  WINCH,
} from "./netns.js";

interface Observed {
  avahiStarted: boolean;
  queries: Record<"oursA" | "theirsA" | "https" | "ssh" | "types", PyPacket[]>;
  afterRename: Record<"oursA" | "theirsA", PyPacket[]>;
  hostname: string;
  conflicts: unknown[];
  avahiLog: string;
  sniffed: PyPacket[];
  logs: LogLine[];
}

/**
 * Every record seen in the packets' answers and additionals, as "name type data". A querier caches
 * both, and a responder that has just sent a record as an additional does not repeat it within a second.
 */
const seen = (packets: PyPacket[]) =>
  new Set(
    packets.flatMap((p) =>
      [...p.answers, ...p.additionals]
        .filter((a) => a.ttl > 0)
        .map((a) => `${a.name} ${a.type} ${JSON.stringify(a.data)}`),
    ),
  );

// Most board images run avahi-daemon: our responder shares the host, the interface and port 5353 with it.
describe.skipIf(skipNetns)(
  "our mDNS responder beside a real avahi-daemon (private network namespace)",
  () => {
    beforeAll(() => {
      checkPrerequisites();
      expect(spawnSync("avahi-daemon", ["--version"]).error, "apt-get install avahi-daemon").toBeUndefined();
    });

    let r: Observed;
    beforeAll(async () => {
      r = await runScenario<Observed>("avahi");
    }, 60_000);

    it("Avahi started on the same interface and published its host and service", () => {
      expect(r.avahiStarted).toBe(true);
      expect(r.avahiLog).toMatch(/Server startup complete\. Host name is boardhost\.local/);
      expect(r.avahiLog).toMatch(/Service "boardhost SSH" .* successfully established/);
    });

    it("a multicast querier gets each daemon's own names, ours and Avahi's", () => {
      expect(seen(r.queries.oursA)).toContain(`${WINCH}.local A "127.0.0.1"`);
      expect(seen(r.queries.theirsA)).toContain(`boardhost.local A "127.0.0.1"`);
      expect(seen(r.queries.https)).toContain(`_https._tcp.local PTR "${WINCH}._https._tcp.local"`);
      expect(seen(r.queries.ssh)).toContain(`_ssh._tcp.local PTR "boardhost SSH._ssh._tcp.local"`);
      const types = seen(r.queries.types);
      for (const t of ["_https._tcp.local", "_http._tcp.local", "_ssh._tcp.local"])
        expect(types).toContain(`_services._dns-sd._udp.local PTR "${t}"`);
    });

    it("a mode change renames only ours; Avahi keeps its name", () => {
      expect(r.hostname).toBe(AIRCRAFT);
      expect(seen(r.afterRename.oursA)).toContain(`${AIRCRAFT}.local A "127.0.0.1"`);
      expect(seen(r.afterRename.theirsA)).toContain(`boardhost.local A "127.0.0.1"`);
    });

    it("nothing is renamed, nobody sees a conflict, and the link stays quiet", () => {
      expect(r.conflicts).toEqual([]);
      expect(r.logs.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([]);
      // Avahi says "Host name conflict, retrying with boardhost-2" or withdraws a service when it sees one.
      expect(r.avahiLog).not.toMatch(/conflict|withdraw|retrying with/i);
      expect(r.avahiLog.match(/Host name is/g)).toHaveLength(1);
      // Two responders' probes, announcements, answers to five queries and one rename over ~12 s:
      // a conflict storm would be hundreds of packets.
      expect(r.sniffed.length).toBeGreaterThan(10);
      expect(r.sniffed.length).toBeLessThan(80);
    });
  },
);
