import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { takeListenFds } from "../../src/cli/socket-activation.js";
import { CLI } from "../helpers/device-process.js";

const run = promisify(execFile);

// Binds two listeners on loopback as systemd would for owts.socket, puts them at fd 3 and 4, sets
// LISTEN_FDS/LISTEN_PID for its own pid and execs `owts start` (exec keeps the pid).
const ACTIVATOR = `
import os, socket, sys
fds = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    fds.append(s)
print("ports %d %d" % (fds[0].getsockname()[1], fds[1].getsockname()[1]), flush=True)
for want, s in zip((3, 4), fds):
    os.dup2(s.fileno(), want)
    os.set_inheritable(want, True)
os.environ["LISTEN_FDS"] = sys.argv[1]
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.argv[2], sys.argv[2:])
`;

function activated(count: string, args: string[]) {
  const dataDir = mkdtempSync(join(tmpdir(), "owts-sockact-"));
  const child = spawn(
    "python3",
    ["-c", ACTIVATOR, count, process.execPath, CLI, "start", "--no-mdns", "--data-dir", dataDir, ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const until = async (pred: () => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out; stdout: ${out} stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, exited, until, out: () => out, err: () => err };
}

describe("socket activation (LISTEN_FDS/LISTEN_PID, fds 3 and 4)", () => {
  it("serves HTTPS on fd 3 and the redirect on fd 4, binding nothing itself", async () => {
    // The flags name other ports: had the device bound those instead, the redirect would point at port 1.
    const p = activated("2", [
      "--mode",
      "winch",
      "--id",
      "0d0e0f",
      "--listen",
      "127.0.0.1",
      "--https-port",
      "1",
      "--http-port",
      "2",
    ]);
    try {
      await p.until(() => /OWTS winch 0D0E0F ready/.test(p.out()));
      const [https, http] = (/ports (\d+) (\d+)/.exec(p.out()) ?? []).slice(1).map(Number);
      const status = await run("curl", [
        "-sS",
        "-k",
        "--max-time",
        "10",
        `https://127.0.0.1:${https}/api/status`,
      ]);
      // The session counts in the socket budget: the budget sits in front of the handed-over socket.
      expect(JSON.parse(status.stdout)).toMatchObject({
        runtime: { running: true },
        sessions: { max: 4, open: 1 },
      });
      const redirect = await run("curl", [
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{redirect_url}",
        `http://127.0.0.1:${http}/x`,
      ]);
      expect(redirect.stdout).toBe(`302 https://127.0.0.1:${https}/x`);
    } finally {
      p.child.kill("SIGTERM");
      await p.exited;
    }
  });

  it("refuses a socket count other than two: one line, exit 2", async () => {
    const p = activated("1", []);
    expect(await p.exited).toBe(2);
    expect(p.err()).toBe(
      "owts start: LISTEN_FDS=1: socket activation needs exactly two sockets, HTTPS then HTTP (see owts service --help)\n",
    );
  });

  it("ignores (and removes) variables meant for another process", () => {
    const env: NodeJS.ProcessEnv = { LISTEN_FDS: "2", LISTEN_PID: "1" };
    expect(takeListenFds(env, 4242)).toBeUndefined();
    expect(env).toEqual({});
    expect(takeListenFds({}, 4242)).toBeUndefined();
  });
});
