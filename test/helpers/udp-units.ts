import dgram from "node:dgram";
import { rmSync } from "node:fs";
import { request } from "node:https";
import { type DeviceProcess, startDevice } from "./device-process.js";

/*
 * Two real `owts start` processes, an aircraft and a winch, linked over UDP on loopback as two units on
 * two hosts would be (`--radio udp`). The aircraft also sends to a listening socket the test owns: the
 * eavesdropper on air who captures genuine frames to replay. The winch accepts frames from the aircraft
 * and from the test's "radio" socket (someone else transmitting on the channel: on air there is no
 * address filter, so whatever it sends reaches the verifier); anything else is a stranger on the
 * network whose datagrams the peer filter drops.
 */

export interface JsonReply<T = unknown> {
  status: number;
  json: T;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTPS call to a device on loopback (self-signed certificate: not checked here). */
export function callJson<T = unknown>(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<JsonReply<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        rejectUnauthorized: false,
        agent: false,
        timeout: timeoutMs,
        headers: payload ? { "content-type": "application/json", "content-length": payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let json: unknown = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, json: json as T, text, headers: res.headers });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** A UDP socket bound on 127.0.0.1 (port 0: the kernel picks one). */
export function udpSocket(port = 0): Promise<dgram.Socket & { port: number }> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.once("error", reject);
    s.bind(port, "127.0.0.1", () => {
      s.off("error", reject);
      resolve(Object.assign(s, { port: s.address().port }));
    });
  });
}

/** A UDP port that was free a moment ago (the device binds it itself). */
export async function freeUdpPort(): Promise<number> {
  const s = await udpSocket();
  const { port } = s;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface UdpUnits {
  aircraft: DeviceProcess;
  winch: DeviceProcess;
  /** The winch's UDP port: where frames (and attacks) go. */
  winchUdpPort: number;
  aircraftUdpPort: number;
  /** Receives every frame the aircraft sends (the eavesdropper), newest last; bounded. */
  captured: Uint8Array[];
  /** Sends from a socket the winch takes frames from (another transmitter on the channel). */
  radio: dgram.Socket & { port: number };
  stop(): Promise<void>;
}

/** Starts an aircraft and a winch over UDP on loopback (see the header). `extraWinch` adds winch flags. */
export async function startUdpUnits(
  opts: { extraWinch?: string[]; timeoutMs?: number } = {},
): Promise<UdpUnits> {
  const listener = await udpSocket();
  const radio = await udpSocket();
  const captured: Uint8Array[] = [];
  listener.on("message", (msg) => {
    captured.push(new Uint8Array(msg));
    if (captured.length > 200) captured.shift();
  });
  const [winchUdpPort, aircraftUdpPort] = [await freeUdpPort(), await freeUdpPort()];
  const timeoutMs = opts.timeoutMs ?? 40_000;
  const started = await Promise.allSettled([
    startDevice(
      [
        "--mode",
        "aircraft",
        "--radio",
        "udp",
        "--radio-bind",
        `127.0.0.1:${aircraftUdpPort}`,
        "--radio-peer",
        `127.0.0.1:${winchUdpPort}`,
        "--radio-peer",
        `127.0.0.1:${listener.port}`,
      ],
      { timeoutMs },
    ),
    startDevice(
      [
        "--mode",
        "winch",
        "--radio",
        "udp",
        "--radio-bind",
        `127.0.0.1:${winchUdpPort}`,
        "--radio-peer",
        `127.0.0.1:${aircraftUdpPort}`,
        "--radio-peer",
        `127.0.0.1:${radio.port}`,
        ...(opts.extraWinch ?? []),
      ],
      { timeoutMs },
    ),
  ]);
  const closeSockets = () =>
    Promise.all([listener, radio].map((s) => new Promise<void>((r) => s.close(() => r()))));
  const [a, w] = started;
  if (a.status === "rejected" || w.status === "rejected") {
    for (const s of started) if (s.status === "fulfilled") await stopProcess(s.value);
    await closeSockets();
    throw a.status === "rejected" ? a.reason : (w as PromiseRejectedResult).reason;
  }
  return {
    aircraft: a.value,
    winch: w.value,
    winchUdpPort,
    aircraftUdpPort,
    captured,
    radio,
    async stop() {
      await Promise.all([stopProcess(a.value), stopProcess(w.value)]);
      await closeSockets();
    },
  };
}

async function stopProcess(p: DeviceProcess): Promise<void> {
  const kill = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
  await p.stop();
  clearTimeout(kill);
  rmSync(p.dataDir, { recursive: true, force: true });
}

/** Sends one datagram and resolves once the socket has handed it to the kernel. */
export function sendTo(socket: dgram.Socket, bytes: Uint8Array, port: number): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(bytes, port, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
  );
}

/** Polls `probe` every 100 ms until it gives a truthy value; bounded in time and count. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
}
