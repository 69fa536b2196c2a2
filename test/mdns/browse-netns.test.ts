import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { checkPrerequisites, runScenario, skipNetns, WINCH } from "./netns.js";

interface Found {
  type: string;
  name: string;
  resolved: boolean;
  server?: string;
  port?: number;
  addresses?: string[];
  txt?: Record<string, string | null>;
}

describe.skipIf(skipNetns)(
  "a real DNS-SD browser (python-zeroconf) finds the device (private network namespace)",
  () => {
    let r: { lines: [{ found: Found[] }, { removed: string[] }]; stderr: string };
    beforeAll(async () => {
      checkPrerequisites();
      const probe = spawnSync("/usr/bin/python3", ["-c", "import zeroconf"]);
      expect(probe.status, "python-zeroconf is missing: apt-get install python3-zeroconf").toBe(0);
      r = await runScenario<typeof r>("browse");
    }, 60_000);

    it("browses and resolves both services to one host, with ports, addresses and TXT", () => {
      expect(r.stderr).toBe("");
      const txt = { mode: "winch", id: "3A4F1C", version: "0.1.0", path: "/" };
      const found = [...r.lines[0].found].sort((a, b) => a.type.localeCompare(b.type));
      expect(found).toEqual([
        {
          type: "_http._tcp.local.",
          name: `${WINCH}._http._tcp.local.`,
          resolved: true,
          server: `${WINCH}.local.`,
          port: 8080,
          addresses: ["127.0.0.1", "::1"],
          txt,
        },
        {
          type: "_https._tcp.local.",
          name: `${WINCH}._https._tcp.local.`,
          resolved: true,
          server: `${WINCH}.local.`,
          port: 8443,
          addresses: ["127.0.0.1", "::1"],
          txt,
        },
      ]);
    });

    it("sees both services removed when the advertiser stops (goodbyes)", () => {
      expect(r.lines[1].removed).toEqual([`${WINCH}._http._tcp.local.`, `${WINCH}._https._tcp.local.`]);
    });
  },
);
