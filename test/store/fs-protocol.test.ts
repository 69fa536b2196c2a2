import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Type } from "typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { SettingsStore } from "../../src/store/settings-store.js";
import { skipWithout } from "../helpers/prerequisites.js";
import {
  type CrashContent,
  crashStates,
  fdPath,
  protocolProblems,
  type Syscall,
  straceNode,
} from "./fs-trace.js";
import { transpileStore } from "./store-js.js";

// A SIGKILL leaves the page cache intact, so the kill tests cannot tell a write that reached the disk
// from one that did not. This test records what the store asks of the file system for one settings
// write (strace on a real child process) and reasons about what a power cut could leave, as
// crash-consistency checkers do; then it puts each such state in a scratch directory and boots the
// store on it.

const ONE_SET = join(import.meta.dirname, "fixtures/one-set.mjs");
const Profile = Type.Object(
  { registration: Type.String(), v_opt: Type.Integer() },
  { additionalProperties: false },
);
const DEFAULTS = { registration: "DEFAULT", v_opt: 1 };

const skip = skipWithout(spawnSync("strace", ["-V"]).status === 0, "strace", "apt-get install strace");

let work: string;
let storeJs: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "owts-fs-protocol-"));
  storeJs = transpileStore(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Traced {
  calls: Syscall[];
  target: string;
  oldFile: Buffer;
  newFile: Buffer;
  /** The marker write after the old value was stored, and the one after set() resolved. */
  oldMark: Syscall;
  ack: Syscall;
}

function traceOneSet(mode: "store" | "no-sync"): Traced {
  const dataDir = join(work, `data-${mode}`);
  const { stdout, calls } = straceNode([ONE_SET, storeJs, dataDir, mode], join(work, `trace-${mode}.txt`));
  const oldFile = Buffer.from(/^OLD (\S+)$/m.exec(stdout)?.[1] ?? "", "base64");
  const newFile = Buffer.from(/^ACKED (\S+)$/m.exec(stdout)?.[1] ?? "", "base64");
  const marker = (word: string) => {
    const c = calls.find((c) => c.name === "write" && /^1</.test(c.args) && c.args.includes(`"${word} `));
    if (!c) expect.unreachable(`no "${word}" line in the trace; stdout was ${stdout}`);
    return c;
  };
  const oldMark = marker("OLD");
  const ack = marker("ACKED");
  const nvs = join(dataDir, "nvs");
  const inNvs = calls.filter(
    (c) =>
      c.start > oldMark.end &&
      (fdPath(c)?.startsWith(nvs) || c.retPath?.startsWith(nvs) || c.args.includes(nvs)),
  );
  expect(oldFile.length).toBeGreaterThan(0);
  expect(newFile.length).toBeGreaterThan(0);
  return { calls: inNvs, target: join(nvs, "profile.json"), oldFile, newFile, oldMark, ack };
}

/** Boots a store on a data directory whose profile file holds `content`, and says what it loaded. */
async function bootWith(t: Traced, content: CrashContent, n: number): Promise<"old" | "new" | string> {
  const dataDir = join(work, `replay-${n}`);
  mkdirSync(join(dataDir, "nvs"), { recursive: true });
  const bytes =
    content === "old"
      ? t.oldFile
      : content === "new"
        ? t.newFile
        : content === "new-half"
          ? t.newFile.subarray(0, t.newFile.length >> 1)
          : Buffer.alloc(0);
  writeFileSync(join(dataDir, "nvs", basename(t.target)), bytes);
  const { logger } = createDeviceLogger({ destination: null });
  const store = await SettingsStore.open(dataDir, logger);
  const value = store.namespace("profile", Profile, DEFAULTS).get();
  rmSync(dataDir, { recursive: true, force: true });
  if (value.registration === "OLD-1") return "old";
  if (value.registration === "NEW-2") return "new";
  return JSON.stringify(value);
}

/** Every crash state booted: what each one loads, and the states that break a promise. */
async function replayAll(t: Traced): Promise<string[]> {
  const broken: string[] = [];
  // Four contents at most, many states: boot each content once.
  const loads = new Map<CrashContent, string>();
  for (const state of crashStates(t.calls, t.target, t.oldMark.end, t.ack)) {
    for (const content of state.possible) {
      if (!loads.has(content)) loads.set(content, await bootWith(t, content, loads.size));
      const loaded = loads.get(content);
      const allowed = state.acknowledged ? ["new"] : ["old", "new"];
      if (loaded === undefined || !allowed.includes(loaded))
        broken.push(
          `cut after trace line ${state.line}${state.acknowledged ? " (acknowledged)" : ""}: file ${content} loads ${loaded}`,
        );
    }
  }
  return broken;
}

describe.skipIf(skip)("settings write against a power cut (strace)", () => {
  let traced: Traced | undefined;
  const storeTrace = () => (traced ??= traceOneSet("store"));

  it("writes and fsyncs the data before the rename, fsyncs the directory after it, then acknowledges", () => {
    const t = storeTrace();
    expect(protocolProblems(t.calls, t.target, t.newFile.length, t.ack)).toEqual([]);
  });

  it("every state a power cut can leave boots as the old or the new value, and as the new one once acknowledged", async () => {
    const t = storeTrace();
    const states = crashStates(t.calls, t.target, t.oldMark.end, t.ack);
    // The cut points span the whole write: before the rename, between rename and directory sync, after.
    expect(states.length).toBeGreaterThan(4);
    expect(states.some((s) => s.possible.length === 1 && s.possible[0] === "old")).toBe(true);
    expect(states.some((s) => s.possible.includes("old") && s.possible.includes("new"))).toBe(true);
    expect(await replayAll(t)).toEqual([]);
  });

  it("the same checks refuse a replacement without fsync (temp file and rename, as many programs do)", async () => {
    const t = traceOneSet("no-sync");
    const problems = protocolProblems(t.calls, t.target, t.newFile.length, t.ack);
    expect(problems).toContain("the temp file's data is not fsynced after its last write");
    expect(problems).toContain("the directory is not fsynced after the rename");
    const broken = await replayAll(t);
    // Data lost behind a rename that reached the disk: a torn file, the defaults come back.
    expect(broken.some((b) => /file new-empty loads \{/.test(b))).toBe(true);
    // The acknowledged write can vanish with an unsynced directory entry.
    expect(broken.some((b) => /\(acknowledged\): file old loads old/.test(b))).toBe(true);
  });
});
