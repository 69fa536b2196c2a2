import { beforeAll, describe, expect, it } from "vitest";
import { checkPrerequisites, type LogLine, type PyPacket, runScenario, skipNetns, WINCH } from "./netns.js";

describe.skipIf(skipNetns)("two devices claiming one mDNS name (private network namespace)", () => {
  beforeAll(checkPrerequisites);

  let r: {
    answers: PyPacket[];
    first: { hostname: string; conflicts: { name: string; theirs: string }[]; records: { name: string }[] };
    second: {
      hostname: string;
      conflicts: { name: string; theirs: string }[];
      records: { name: string }[];
    };
    logs: { first: LogLine[]; second: LogLine[] };
  };
  beforeAll(async () => {
    r = await runScenario<typeof r>("conflict");
  }, 60_000);

  it("both warn clearly, neither renames, both keep answering", () => {
    expect(r.first.hostname).toBe(WINCH);
    expect(r.second.hostname).toBe(WINCH);
    for (const side of [r.first, r.second]) {
      expect(side.records.map((x) => x.name)).toContain(`${WINCH}.local`);
      expect(side.records.map((x) => x.name).filter((n) => !n.startsWith("_"))).toEqual(
        expect.arrayContaining([`${WINCH}._http._tcp.local`, `${WINCH}._https._tcp.local`]),
      );
    }
    expect(r.first.conflicts).toContainEqual(
      expect.objectContaining({ name: `${WINCH}.local`, theirs: "127.0.0.2" }),
    );
    expect(r.second.conflicts).toContainEqual(
      expect.objectContaining({ name: `${WINCH}.local`, theirs: "127.0.0.1" }),
    );
    for (const lines of [r.logs.first, r.logs.second]) {
      const warnings = lines.filter((l) => l.level === 40).map((l) => l.msg);
      expect(warnings).toContainEqual(
        expect.stringMatching(/name conflict.*OWTS-winch-3A4F1C\.local.*never renames/),
      );
    }
    const data = r.answers.flatMap((p) =>
      p.answers.filter((a) => a.name === `${WINCH}.local`).map((a) => a.data),
    );
    expect(new Set(data)).toEqual(new Set(["127.0.0.1", "127.0.0.2"]));
  });
});
