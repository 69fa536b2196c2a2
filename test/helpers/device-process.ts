import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CLI } from "../../bench/lib/processes.js";
import { parseReadyBlocks } from "../../bench/lib/ready-block.js";

export const REPO = resolve(import.meta.dirname, "../..");
/** The built CLI (one definition, beside the benches' spawner): `npm test` and `npm run test:e2e` build first. */
export { CLI };

export interface Unit {
  mode: "winch" | "aircraft";
  /** `https://127.0.0.1:<port>` */
  base: string;
  httpsPort: number;
  httpPort: number;
  certPath: string;
  fingerprint: string;
}

export interface Demo {
  winch: Unit;
  aircraft: Unit;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/** Waits for `n` ready blocks (`OWTS <mode> <id> ready` + HTTPS line + fingerprint) in a process's output. */
export function readyUnits(
  child: ChildProcessWithoutNullStreams,
  out: () => string,
  n: number,
  certPath: (mode: Unit["mode"]) => string,
  timeoutMs: number,
): Promise<Unit[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready in ${timeoutMs} ms; output:\n${out()}`)),
      timeoutMs,
    );
    const check = () => {
      const units = parseReadyBlocks(out()).map((u) => ({
        mode: u.mode,
        base: `https://127.0.0.1:${u.httpsPort}`,
        httpsPort: u.httpsPort,
        httpPort: u.httpPort,
        certPath: certPath(u.mode),
        fingerprint: u.fingerprint,
      }));
      if (units.length >= n) {
        clearTimeout(timer);
        resolve(units);
      }
    };
    child.stdout.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready; output:\n${out()}`));
    });
  });
}

export function spawnCli(args: string[], env?: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const stop = () =>
    new Promise<void>((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res();
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.once("exit", () => {
        clearTimeout(kill);
        res();
      });
      child.kill("SIGTERM");
    });
  return { child, output: () => out, stop };
}

/** `owts demo` on loopback with ephemeral ports: a winch and an aircraft linked by the simulated radio. */
/** `dataDir` reuses a demo's data (a reboot); by default each demo gets a fresh one. */
export async function startDemo(
  opts: { timeScale?: number; seed?: number; dataDir?: string; extra?: string[] } = {},
): Promise<Demo> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "owts-e2e-demo-"));
  const p = spawnCli([
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
    "--time-scale",
    String(opts.timeScale ?? 1),
    "--seed",
    String(opts.seed ?? 1),
    ...(opts.extra ?? []),
  ]);
  try {
    const units = await readyUnits(p.child, p.output, 2, (mode) => join(dataDir, mode, "owts.crt"), 30_000);
    const winch = units.find((u) => u.mode === "winch");
    const aircraft = units.find((u) => u.mode === "aircraft");
    if (!winch || !aircraft) throw new Error(`demo did not start both units:\n${p.output()}`);
    return { winch, aircraft, dataDir, output: p.output, stop: p.stop };
  } catch (err) {
    await p.stop();
    throw err;
  }
}

export interface DeviceProcess {
  child: ChildProcessWithoutNullStreams;
  dataDir: string;
  httpsPort: number;
  httpPort: number;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  /** Sends `signal` and resolves with the exit code (null when the signal killed it). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `owts start` as a real process on loopback with ephemeral ports and no mDNS; resolves once it
 * printed its ready block.
 */
export async function startDevice(
  args: string[] = [],
  opts: { dataDir?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<DeviceProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "owts-dev-"));
  const p = spawnCli(
    [
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
    opts.env,
  );
  let unit: Unit | undefined;
  try {
    [unit] = await readyUnits(
      p.child,
      p.output,
      1,
      () => join(dataDir, "owts.crt"),
      opts.timeoutMs ?? 20_000,
    );
  } catch (err) {
    await p.stop();
    throw err;
  }
  if (!unit) throw new Error("no ready block");
  return {
    child: p.child,
    dataDir,
    httpsPort: unit.httpsPort,
    httpPort: unit.httpPort,
    output: p.output,
    stop: (signal = "SIGTERM") =>
      new Promise((res) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return res(p.child.exitCode);
        p.child.once("exit", (code) => res(code));
        p.child.kill(signal);
      }),
  };
}
