/**
 * What `owts start` tells systemd when it runs as a `Type=notify` unit: READY=1 once both ports
 * serve and the runtime runs, STATUS= in plain words, WATCHDOG=1 while the device works,
 * RELOADING=1/READY=1 around in-place restarts, STOPPING=1 on shutdown. Without NOTIFY_SOCKET
 * every call here is a no-op.
 */
import type { Device } from "../device/device.js";
import { SdNotify } from "../device/sd-notify.js";

/** How often STATUS= is re-read and sent when it changed (link state, runtime problems). */
export const STATUS_EVERY_MS = 5_000;

/** The device in plain words: mode, hostname, ports, and the link or what keeps the runtime down. */
export function statusLine(device: Device): string {
  const { mode, hostname } = device.identity();
  const head = `${mode} ${hostname}.local, HTTPS :${device.ports.https}, HTTP :${device.ports.http}`;
  const problem = device.runtimeProblem();
  if (problem)
    return `${head}; runtime down (${problem.reason}), retry in ${Math.round(problem.retry_in_ms / 1000)} s`;
  const rt = device.runtime();
  if (rt?.mode === "winch") {
    const link = rt.receiver.snapshot().link;
    return `${head}; link ${link === "ok" ? "ok" : link === "stale" ? "stale" : "no signal"}`;
  }
  if (rt?.mode === "aircraft") return `${head}; transmitting`;
  return head;
}

/** Alive for the watchdog: the runtime runs, or an in-place restart is bringing it back. */
export function deviceAlive(device: Device): boolean {
  return device.runtimeProblem() === null || device.restartPending();
}

export class SystemdLink {
  #notify: SdNotify | null = null;
  #device: Device | null = null;
  #status = "";
  #timer: NodeJS.Timeout | null = null;

  /** For Device's onRestart: before the device exists it only remembers nothing to say. */
  readonly onRestart = (phase: "begin" | "end"): void => {
    if (!this.#notify || !this.#device) return;
    if (phase === "begin") this.#notify.reloading(`${this.#device.identity().mode}: restarting in place`);
    else this.#ready();
  };

  /** The device is up (both ports bound, runtime started): READY=1, the watchdog, STATUS updates. */
  started(device: Device, env: NodeJS.ProcessEnv = process.env): void {
    this.#device = device;
    this.#notify = SdNotify.open(env, device.logger);
    if (!this.#notify) return;
    this.#ready();
    const every = this.#notify.startWatchdog(env, () => deviceAlive(device));
    if (every !== null)
      device.logger.child({ tag: "systemd" }).info(`watchdog: WATCHDOG=1 every ${every} ms while alive`);
    this.#timer = setInterval(() => this.#sendStatus(), STATUS_EVERY_MS);
    this.#timer.unref();
  }

  /** Before the device stops: STOPPING=1, and no more pings. */
  stopping(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#notify?.send({ STOPPING: 1, STATUS: "stopping" });
    this.#notify?.close();
    this.#notify = null;
  }

  #ready(): void {
    if (!this.#notify || !this.#device) return;
    this.#status = statusLine(this.#device);
    this.#notify.send({ READY: 1, STATUS: this.#status });
  }

  #sendStatus(): void {
    if (!this.#notify || !this.#device || this.#device.restartPending()) return;
    const now = statusLine(this.#device);
    if (now === this.#status) return;
    this.#status = now;
    this.#notify.send({ STATUS: now });
  }
}
