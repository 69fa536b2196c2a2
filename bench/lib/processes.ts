import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundledCliPath, packageRoot } from "../../src/core/package-root.js";
import { parseReadyBlocks, type ReadyUnit } from "./ready-block.js";

export const CLI = bundledCliPath();

/**
 * Environment for a process whose memory is measured: SIGUSR2 then makes it collect garbage (see
 * gc-on-signal.ts), so readings are not at the mercy of when V8 last ran a GC.
 */
export function gcOnSignalEnv(): NodeJS.ProcessEnv {
  // The compiled file, also when this module runs from source (the adversarial suite under vitest).
  const preload = join(packageRoot(), "dist/bench/lib/gc-on-signal.js");
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc --import ${preload}`.trim() };
}

/**
 * The highest RSS of `pid` over `windowMs` from now, sampled every `everyMs`; resolves at the end of the
 * window (or when the process is gone) with the peak in bytes.
 */
export async function peakRss(pid: number, windowMs: number, everyMs = 50): Promise<number> {
  const end = performance.now() + windowMs;
  let peak = 0;
  while (performance.now() < end) {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return peak;
}

/** Resident set size of a process from /proc, bytes (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb[1]) * 1024;
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on (USER_HZ). */
const USER_HZ = 100;

/** CPU time (user + system) a process has used so far, ms (Linux). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces; the numeric fields follow its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / USER_HZ;
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  /** CPU time used so far, ms. */
  cpuMs(): number;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `node <args>` and resolves once `ready` matches the accumulated stdout, with the match.
 * Rejects (and kills the child) when it exits first or `timeoutMs` passes.
 */
export async function spawnNode(
  args: string[],
  ready: RegExp,
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void } = {},
): Promise<{ proc: Spawned; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  let out = "";
  let stdout = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    stdout += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const proc: Spawned = {
    child,
    pid: child.pid!,
    output: () => out,
    cpuMs: () => cpuMsOf(child.pid!),
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args[0]} did not become ready in ${opts.timeoutMs ?? 30_000} ms; output:\n${out}`));
    }, opts.timeoutMs ?? 30_000);
    const check = () => {
      const m = ready.exec(stdout);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off("data", check);
        resolve(m);
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited with ${code} before it was ready; output:\n${out}`));
    });
  });
  return { proc, match };
}

export interface BenchDevice extends Spawned {
  httpsPort: number;
  httpPort: number;
  /** `OWTS-<mode>-<id>.local` as printed in the ready block. */
  hostname: string;
  dataDir: string;
  rss(): number;
  /** Stops the device and removes its data dir when the bench made it. */
  close(): Promise<void>;
}

/**
 * Runs the built `owts start` on 127.0.0.1 with ephemeral ports and no mDNS (loopback only), in a
 * fresh data dir unless one is given. `args` come after the defaults, so they can override them.
 */
export async function startBenchDevice(
  args: string[] = [],
  opts: {
    dataDir?: string;
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
    /** Flags for node itself, before the CLI (as a systemd unit's ExecStart gives them). @default [] */
    nodeArgs?: readonly string[];
    onSpawn?: (pid: number) => void;
  } = {},
): Promise<BenchDevice> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const own = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "owts-bench-dev-"));
  const { proc } = await spawnNode(
    [
      ...(opts.nodeArgs ?? []),
      CLI,
      "start",
      "--listen",
      "127.0.0.1",
      "--https-port",
      "0",
      "--http-port",
      "0",
      "--no-mdns",
      "--data-dir",
      dataDir,
      ...args,
    ],
    /certificate expires/,
    opts,
  );
  const [unit] = parseReadyBlocks(proc.output());
  if (!unit) throw new Error(`no ready block in the device's output:\n${proc.output()}`);
  return {
    ...proc,
    httpsPort: unit.httpsPort,
    hostname: unit.hostname,
    httpPort: unit.httpPort,
    dataDir,
    rss: () => rssOf(proc.pid),
    close: async () => {
      await proc.stop();
      if (own) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface BenchDemo extends Spawned {
  winch: { httpsPort: number; httpPort: number };
  aircraft: { httpsPort: number; httpPort: number };
  close(): Promise<void>;
}

/** `owts demo` (aircraft + winch linked by the sim radio, one process) on 127.0.0.1 with free ports. */
export async function startBenchDemo(
  args: string[] = [],
  opts: { env?: NodeJS.ProcessEnv } = {},
): Promise<BenchDemo> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const dataDir = mkdtempSync(join(tmpdir(), "owts-bench-demo-"));
  const { proc } = await spawnNode(
    [
      CLI,
      "demo",
      "--listen",
      "127.0.0.1",
      "--winch-https-port",
      "0",
      "--winch-http-port",
      "0",
      "--aircraft-https-port",
      "0",
      "--aircraft-http-port",
      "0",
      "--data-dir",
      dataDir,
      ...args,
    ],
    /stops both units/,
    opts,
  );
  const unit = (mode: ReadyUnit["mode"]) => {
    const u = parseReadyBlocks(proc.output()).find((r) => r.mode === mode);
    if (!u) throw new Error(`no ready block for the ${mode} in the demo's output:\n${proc.output()}`);
    return { httpsPort: u.httpsPort, httpPort: u.httpPort };
  };
  return {
    ...proc,
    winch: unit("winch"),
    aircraft: unit("aircraft"),
    close: async () => {
      await proc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
