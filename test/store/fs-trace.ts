import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";

/** The system calls that decide what a power cut leaves on disk. */
export const TRACED_CALLS = [
  "open",
  "openat",
  "creat",
  "write",
  "pwrite64",
  "writev",
  "pwritev",
  "pwritev2",
  "fsync",
  "fdatasync",
  "sync",
  "syncfs",
  "rename",
  "renameat",
  "renameat2",
  "unlink",
  "unlinkat",
  "ftruncate",
  "truncate",
];

/** One system call from an strace log. `start`/`end` are line numbers: threads interleave. */
export interface Syscall {
  pid: number;
  name: string;
  args: string;
  ret: number;
  /** The path of the file descriptor `ret` (`-y`), for open calls. */
  retPath: string | undefined;
  start: number;
  end: number;
}

/**
 * Runs `node args…` under `strace -f -y`, returning its stdout and the calls it made. Throws with the
 * child's output when it fails.
 */
export function straceNode(args: string[], traceFile: string): { stdout: string; calls: Syscall[] } {
  const r = spawnSync(
    "strace",
    [
      "-f",
      "-qq",
      "-y",
      "-s",
      "48",
      "-o",
      traceFile,
      "-e",
      `trace=${TRACED_CALLS.join(",")}`,
      process.execPath,
      ...args,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.status !== 0)
    throw new Error(`strace node ${args.join(" ")} failed (${r.status}): ${r.stderr}${r.error ?? ""}`);
  return { stdout: r.stdout, calls: parseStrace(readFileSync(traceFile, "utf8")) };
}

/** Parses `strace -f -y` output, joining `<unfinished ...>` calls with their `resumed` ends. */
export function parseStrace(text: string): Syscall[] {
  const out: Syscall[] = [];
  const pending = new Map<number, { name: string; args: string; start: number }>();
  const lines = text.split("\n");
  const finish = (pid: number, name: string, args: string, tail: string, start: number, end: number) => {
    const m = /^\s*=\s*(-?\d+)(?:<([^>]*)>)?/.exec(tail);
    if (!m) return;
    out.push({ pid, name, args, ret: Number(m[1]), retPath: m[2], start, end });
  };
  lines.forEach((line, i) => {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) return;
    const pid = Number(m[1]);
    const rest = m[2] ?? "";
    const unfinished = /^(\w+)\((.*) <unfinished \.\.\.>$/.exec(rest);
    if (unfinished) {
      pending.set(pid, { name: unfinished[1] ?? "", args: unfinished[2] ?? "", start: i });
      return;
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)\)(\s*=.*)$/.exec(rest);
    if (resumed) {
      const p = pending.get(pid);
      pending.delete(pid);
      if (p) finish(pid, p.name, p.args + (resumed[2] ?? ""), resumed[3] ?? "", p.start, i);
      return;
    }
    const whole = /^(\w+)\((.*)\)(\s*=.*)$/.exec(rest);
    if (whole) finish(pid, whole[1] ?? "", whole[2] ?? "", whole[3] ?? "", i, i);
  });
  return out.sort((a, b) => a.end - b.end);
}

/** The path of the call's first argument when it is a file descriptor (`18</dir/file>`). */
export function fdPath(c: Syscall): string | undefined {
  return /^-?\d+<([^>]*)>/.exec(c.args)?.[1];
}

/** The quoted string arguments (paths) of a call. */
export function quoted(c: Syscall): string[] {
  return [...c.args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? "");
}

const WRITES = new Set(["write", "pwrite64", "writev", "pwritev", "pwritev2"]);
const SYNCS = new Set(["fsync", "fdatasync"]);
const RENAMES = new Set(["rename", "renameat", "renameat2"]);

/** The calls of one atomic replacement of `target`, found in a trace. */
export interface Replacement {
  rename: Syscall | undefined;
  temp: string | undefined;
  tempOpen: Syscall | undefined;
  writes: Syscall[];
  dataSync: Syscall | undefined;
  dirSync: Syscall | undefined;
}

export function findReplacement(calls: Syscall[], target: string): Replacement {
  const rename = calls.find((c) => RENAMES.has(c.name) && c.ret === 0 && quoted(c).at(-1) === target);
  const temp = rename ? quoted(rename)[0] : undefined;
  const writes = calls.filter((c) => WRITES.has(c.name) && fdPath(c) === temp && c.ret > 0);
  const lastWrite = writes.at(-1);
  return {
    rename,
    temp,
    tempOpen: calls.find((c) => /^open/.test(c.name) && c.retPath === temp && c.ret >= 0),
    writes,
    dataSync: calls.find(
      (c) =>
        SYNCS.has(c.name) && fdPath(c) === temp && c.ret === 0 && (!lastWrite || c.start > lastWrite.end),
    ),
    dirSync: calls.find(
      (c) =>
        SYNCS.has(c.name) &&
        fdPath(c) === dirname(target) &&
        c.ret === 0 &&
        (!rename || c.start > rename.end),
    ),
  };
}

/**
 * What a power cut must not break, in the terms crash-consistency checkers (ALICE, CrashMonkey)
 * use: file data and directory entries reach the disk in any order unless an fsync orders them. So
 * the new content must be written and synced before the rename makes it visible, and the directory
 * must be synced after the rename before the write is acknowledged (`ack` is the call that told the
 * caller). Returns what is wrong; empty when the protocol holds.
 */
export function protocolProblems(calls: Syscall[], target: string, newBytes: number, ack: Syscall): string[] {
  const r = findReplacement(calls, target);
  const problems: string[] = [];
  if (!r.rename || !r.temp) return [`no rename onto ${target}`];
  if (dirname(r.temp) !== dirname(target)) problems.push(`temp file ${r.temp} is in another directory`);
  if (!r.tempOpen) problems.push(`temp file ${r.temp} was not opened in the trace`);
  else if (!/O_CREAT/.test(r.tempOpen.args) || !/O_EXCL/.test(r.tempOpen.args))
    problems.push(`temp file opened without O_CREAT|O_EXCL: ${r.tempOpen.args}`);
  const written = r.writes.reduce((n, c) => n + c.ret, 0);
  if (written !== newBytes)
    problems.push(`${written} bytes written to the temp file, the new file has ${newBytes}`);
  if (!r.dataSync) problems.push("the temp file's data is not fsynced after its last write");
  else if (r.dataSync.end > r.rename.start)
    problems.push("the rename starts before the temp file's fsync ends");
  if (!r.dirSync) problems.push("the directory is not fsynced after the rename");
  else if (r.dirSync.end > ack.start)
    problems.push("the write is acknowledged before the directory fsync ends");
  if (r.rename.end > ack.start) problems.push("the write is acknowledged before the rename ends");
  for (const c of calls) {
    if (/^open/.test(c.name) && c.retPath === target && /O_TRUNC|O_WRONLY|O_RDWR/.test(c.args))
      problems.push(`the target itself is opened for writing: ${c.args}`);
    if (WRITES.has(c.name) && fdPath(c) === target) problems.push("the target itself is written in place");
  }
  return problems;
}

/** What the target may hold after a power cut at one instant. */
export type CrashContent = "old" | "new" | "new-empty" | "new-half";

export interface CrashState {
  /** The trace line the power is cut after. */
  line: number;
  acknowledged: boolean;
  /** Every content the target may be found with on the next boot. */
  possible: CrashContent[];
}

/**
 * The crash states of one replacement, cut after every traced call from `from` up to the
 * acknowledgement. A rename not yet followed by a directory fsync may be lost; data not yet synced
 * may be missing in whole or in part, even behind a rename that was not.
 */
export function crashStates(calls: Syscall[], target: string, from: number, ack: Syscall): CrashState[] {
  const r = findReplacement(calls, target);
  const lines = [
    from,
    ...calls.filter((c) => c.end >= from && c.end <= ack.start).map((c) => c.end),
    ack.start,
  ];
  return [...new Set(lines)].map((line) => {
    const renamed = r.rename !== undefined && r.rename.start <= line;
    const dataSynced = r.dataSync !== undefined && r.dataSync.end <= line;
    const dirSynced = r.dirSync !== undefined && r.dirSync.end <= line;
    const newContents: CrashContent[] = dataSynced ? ["new"] : ["new-empty", "new-half", "new"];
    const possible: CrashContent[] = !renamed ? ["old"] : dirSynced ? newContents : ["old", ...newContents];
    return { line, acknowledged: ack.start <= line, possible };
  });
}
