import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../..");
export const CLI = join(REPO, "dist/src/cli/main.js");

export interface DeviceProcess {
  child: ChildProcessWithoutNullStreams;
  dataDir: string;
  httpsPort: number;
  httpPort: number;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the built CLI (`npm test` builds first) as a real process on loopback with ephemeral
 * ports, and resolves once it printed its ready block with the bound ports.
 */
export async function startDevice(
  args: string[] = [],
  opts: { dataDir?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<DeviceProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "owts-dev-"));
  const child = spawn(
    process.execPath,
    [
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
    { env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const ports = await new Promise<{ https: number; http: number }>((resolvePorts, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`device did not become ready in time; output:\n${out}`)),
      opts.timeoutMs ?? 20_000,
    );
    const check = () => {
      const https = /^\s*HTTPS\s+https:\/\/127\.0\.0\.1:(\d+)\//m.exec(out);
      const http = /^\s*HTTP\s+http:\/\/127\.0\.0\.1:(\d+)\//m.exec(out);
      if (https && http) {
        clearTimeout(timer);
        resolvePorts({ https: Number(https[1]), http: Number(http[1]) });
      }
    };
    child.stdout.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`device exited with ${code} before ready; output:\n${out}`));
    });
  });
  return {
    child,
    dataDir,
    httpsPort: ports.https,
    httpPort: ports.http,
    output: () => out,
    stop: (signal = "SIGTERM") =>
      new Promise((res) => {
        if (child.exitCode !== null) return res(child.exitCode);
        child.once("exit", (code) => res(code));
        child.kill(signal);
      }),
  };
}
