/**
 * sd_notify(3) for `Type=notify` units: READY=1, STATUS=, WATCHDOG=1, RELOADING=1 and STOPPING=1 as
 * datagrams to $NOTIFY_SOCKET, from this very process (the unit says NotifyAccess=main). Node has no
 * AF_UNIX datagram socket of its own; the optional native `unix-dgram` is loaded only when the
 * variable is set, so a device started from a shell loads nothing and sends nothing.
 */
import { createRequire } from "node:module";
import type { Logger } from "../core/logger.js";

interface DgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void): void;
  close(): void;
  on(event: "error", cb: (err: Error) => void): void;
}

/** What the watchdog asks before each ping: false withholds it, and systemd restarts the unit. */
export type AliveCheck = () => boolean;

export class SdNotify {
  readonly #socket: DgramSocket;
  readonly #path: string;
  readonly #log: Logger;
  #watchdog: NodeJS.Timeout | null = null;
  #closed = false;

  private constructor(socket: DgramSocket, path: string, log: Logger) {
    this.#socket = socket;
    this.#path = path;
    this.#log = log;
  }

  /**
   * A notifier when $NOTIFY_SOCKET names a socket we can reach; null (and nothing loaded) without it.
   * Abstract sockets ("@…") are not reachable through unix-dgram: a warning, then null.
   */
  static open(env: NodeJS.ProcessEnv, logger: Logger): SdNotify | null {
    const path = env.NOTIFY_SOCKET;
    if (!path) return null;
    const log = logger.child({ tag: "systemd" });
    if (!path.startsWith("/")) {
      log.warn(
        `NOTIFY_SOCKET=${path} is not a socket path (abstract sockets are not supported); systemd is not told`,
      );
      return null;
    }
    let socket: DgramSocket;
    try {
      const unix = createRequire(import.meta.url)("unix-dgram") as {
        createSocket(type: "unix_dgram"): DgramSocket;
      };
      socket = unix.createSocket("unix_dgram");
    } catch (err) {
      log.warn(`cannot load unix-dgram (${(err as Error).message}); systemd is not told of readiness`);
      return null;
    }
    socket.on("error", (err) => log.warn(`notify socket: ${err.message}`));
    return new SdNotify(socket, path, log);
  }

  /** One datagram of NAME=value lines; a failure is logged, never thrown (systemd may be gone). */
  send(fields: Readonly<Record<string, string | number>>): void {
    if (this.#closed) return;
    // A newline inside a value would start a field of its own.
    const text = Object.entries(fields)
      .map(([k, v]) => `${k}=${String(v).replaceAll("\n", " ")}`)
      .join("\n");
    const buf = Buffer.from(text);
    this.#socket.send(buf, 0, buf.length, this.#path, (err) => {
      if (err) this.#log.warn(`notify ${Object.keys(fields).join(",")}: ${err.message}`);
    });
  }

  /**
   * WATCHDOG=1 every half of $WATCHDOG_USEC (when set, and meant for this process). A ping is sent
   * from a timer, so a blocked event loop sends none; and only while `alive()` says the device works.
   */
  startWatchdog(env: NodeJS.ProcessEnv, alive: AliveCheck): number | null {
    const usec = Number(env.WATCHDOG_USEC);
    if (!Number.isFinite(usec) || usec <= 0) return null;
    if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== process.pid) return null;
    const everyMs = Math.max(1, Math.floor(usec / 2000));
    this.#watchdog = setInterval(() => {
      if (alive()) this.send({ WATCHDOG: 1 });
    }, everyMs);
    return everyMs;
  }

  /** RELOADING=1 must carry the monotonic clock for systemd ≥ 253; older ones ignore the field. */
  reloading(status: string): void {
    this.send({ RELOADING: 1, MONOTONIC_USEC: (process.hrtime.bigint() / 1000n).toString(), STATUS: status });
  }

  close(): void {
    if (this.#closed) return;
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#closed = true;
    try {
      this.#socket.close();
    } catch {
      // Already closed by an error; nothing left to release.
    }
  }
}
