import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One datagram the listener received, with its arrival time on the monotonic clock (ms). */
export interface Datagram {
  t_ms: number;
  fields: Record<string, string>;
}

// Node cannot bind an AF_UNIX datagram socket; python3 can. It prints one JSON line per datagram.
const LISTENER = `
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    data = s.recv(4096)
    print(json.dumps({"t_ms": time.monotonic() * 1000, "text": data.decode()}), flush=True)
`;

/** A real AF_UNIX datagram socket for NOTIFY_SOCKET, like systemd's /run/systemd/notify. */
export async function listenNotify(): Promise<{
  path: string;
  received: Datagram[];
  waitFor(key: string, value?: string, timeoutMs?: number): Promise<Datagram>;
  close(): void;
}> {
  const path = join(mkdtempSync(join(tmpdir(), "owts-notify-")), "notify");
  const child: ChildProcess = spawn("python3", ["-c", LISTENER, path], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const received: Datagram[] = [];
  let buffer = "";
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl = buffer.indexOf("\n");
      while (nl !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === "listening") resolve();
        else {
          const { t_ms, text } = JSON.parse(line) as { t_ms: number; text: string };
          const fields: Record<string, string> = {};
          for (const l of text.split("\n")) {
            const eq = l.indexOf("=");
            fields[l.slice(0, eq)] = l.slice(eq + 1);
          }
          received.push({ t_ms, fields });
        }
        nl = buffer.indexOf("\n");
      }
    });
  });
  const waitFor = async (key: string, value?: string, timeoutMs = 10_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = received.find((d) => key in d.fields && (value === undefined || d.fields[key] === value));
      if (hit) return hit;
      if (Date.now() > until) throw new Error(`no ${key}${value ? `=${value}` : ""} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { path, received, waitFor, close: () => child.kill() };
}
