import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDeviceCertificate } from "../../src/certs/index.js";

/** Debian's broker and clients (`apt-get install mosquitto mosquitto-clients`). */
export const MOSQUITTO = "/usr/sbin/mosquitto";
export const USER = "owts-test";
export const PASSWORD = "s3cret-Pa55word";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Broker {
  port: number;
  tlsPort: number;
  dir: string;
  /** The broker's certificate (made by our own certificate code), to trust with --mqtt-ca. */
  caFile: string;
  passwordFile: string;
  url: string;
  tlsUrl: string;
  /** Everything the broker logged (it logs each connection with its protocol, e.g. `(p5, …)`). */
  log(): string;
  /** SIGKILL, as a crash or power loss would. */
  kill(): Promise<void>;
  /** Starts it again on the same ports. */
  start(): Promise<void>;
}

/**
 * A real Mosquitto on loopback: a password listener and a TLS listener whose certificate comes from
 * src/certs (self-signed for localhost and 127.0.0.1), no persistence, logging everything to stderr.
 */
export async function startBroker(): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), "owts-mqtt-"));
  const passwordFile = join(dir, "passwd");
  writeFileSync(join(dir, "client-password"), `${PASSWORD}\n`);
  execFileSync("mosquitto_passwd", ["-c", "-b", passwordFile, USER, PASSWORD]);
  await ensureDeviceCertificate({
    dataDir: join(dir, "tls"),
    hostname: "localhost",
    extraSans: ["IP:127.0.0.1", "DNS:localhost"],
  });
  const caFile = join(dir, "tls", "owts.crt");
  const port = await freePort();
  const tlsPort = await freePort();
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      "per_listener_settings false",
      "allow_anonymous false",
      `password_file ${passwordFile}`,
      "persistence false",
      "log_dest stderr",
      "log_type all",
      "user root",
      `listener ${port} 127.0.0.1`,
      `listener ${tlsPort} 127.0.0.1`,
      `certfile ${caFile}`,
      `keyfile ${join(dir, "tls", "owts.key")}`,
      "",
    ].join("\n"),
  );
  let out = "";
  let child: ChildProcess | null = null;
  const start = async () => {
    const c = spawn(MOSQUITTO, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    c.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    c.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mosquitto did not start:\n${out}`)), 10_000);
      const check = () => {
        if (/mosquitto version \S+ running/.test(out.slice(out.lastIndexOf("starting")))) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stderr?.on("data", check);
      c.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`mosquitto exited with ${code}:\n${out}`));
      });
    });
  };
  await start();
  return {
    port,
    tlsPort,
    dir,
    caFile,
    passwordFile: join(dir, "client-password"),
    url: `mqtt://127.0.0.1:${port}`,
    tlsUrl: `mqtts://127.0.0.1:${tlsPort}`,
    log: () => out,
    start,
    async kill() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once("exit", () => resolve());
        c.kill("SIGKILL");
      });
    },
  };
}

export interface Received {
  topic: string;
  retain: boolean;
  qos: number;
  payload: string;
  properties?: Record<string, unknown>;
  /** Date.now() when the line arrived. */
  at: number;
}

export interface Subscriber {
  messages: Received[];
  /** Resolves with the first message (after those already seen, from `from`) matching `pred`. */
  waitFor(pred: (m: Received) => boolean, timeoutMs?: number, from?: number): Promise<Received>;
  stop(): Promise<void>;
}

/** `mosquitto_sub` as the independent client: one JSON line per message, MQTT 5 so properties show. */
export async function subscribe(broker: Broker, topic = "#", extra: string[] = []): Promise<Subscriber> {
  const child = spawn(
    "mosquitto_sub",
    [
      "-h",
      "127.0.0.1",
      "-p",
      String(broker.port),
      "-u",
      USER,
      "-P",
      PASSWORD,
      "-V",
      "5",
      "-q",
      "1",
      "-t",
      topic,
      "-F",
      "%j",
      ...extra,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const messages: Received[] = [];
  const waiters = new Set<() => void>();
  let buf = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  child.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      const j = JSON.parse(line) as {
        topic: string;
        retain: number;
        qos: number;
        payload: unknown;
        properties?: Record<string, unknown>;
      };
      messages.push({
        topic: j.topic,
        retain: j.retain === 1,
        qos: j.qos,
        payload:
          typeof j.payload === "string"
            ? j.payload
            : j.payload === undefined
              ? ""
              : JSON.stringify(j.payload),
        ...(j.properties ? { properties: j.properties } : {}),
        at: Date.now(),
      });
      for (const w of waiters) w();
    }
  });
  // Subscribed once the broker logs the subscription; a short wait is the portable signal.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, 300);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`mosquitto_sub exited with ${code}: ${err}`));
    });
  });
  return {
    messages,
    waitFor(pred, timeoutMs = 10_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.slice(from).find(pred);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching message in ${timeoutMs} ms; got:\n${messages
                .slice(-20)
                .map((m) => `${m.topic} ${m.retain ? "(retained) " : ""}${m.payload.slice(0, 120)}`)
                .join("\n")}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The retained messages under `topic` right now, read by a fresh `mosquitto_sub --retained-only`. */
export function retained(broker: Broker, topic: string): Received[] {
  let out = "";
  try {
    out = execFileSync(
      "mosquitto_sub",
      [
        "-h",
        "127.0.0.1",
        "-p",
        String(broker.port),
        "-u",
        USER,
        "-P",
        PASSWORD,
        "-V",
        "5",
        "-t",
        topic,
        "-F",
        "%j",
        "--retained-only",
        "-W",
        "1",
      ],
      { encoding: "utf8" },
    );
  } catch (err) {
    // -W ends it with status 27 after the timeout; what it printed until then is the answer.
    out = String((err as { stdout?: string }).stdout ?? "");
  }
  return out
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const j = JSON.parse(l) as { topic: string; qos: number; payload: unknown };
      return {
        topic: j.topic,
        retain: true,
        qos: j.qos,
        payload: typeof j.payload === "string" ? j.payload : JSON.stringify(j.payload),
        at: Date.now(),
      };
    });
}
