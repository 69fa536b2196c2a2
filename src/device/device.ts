/**
 * Device: one unit assembled — identity, logging set-up, memory monitor, the runtime of its mode and the
 * in-place restart. The composition root below the CLI: it may import every layer but `src/cli`, and
 * injects the API (`registerApi`) rather than the API importing it.
 */
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import {
  type ClubCa,
  type DeviceCertificate,
  type KeyType,
  type LiveCertificate,
  loadClubCa,
  openLiveCertificate,
} from "../certs/index.js";
import { systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { assembleDisplays, type DisplayedState } from "../display/assemble.js";
import type { DisplayRunner, DisplayStatus } from "../display/runner.js";
import type { DisplaySettings } from "../display/settings.js";
import { type MdnsAdvertiser, startMdns } from "../mdns/advertiser.js";
import type { MqttService } from "../mqtt/service.js";
import type { MqttSettings } from "../mqtt/settings.js";
import type { UnitInfo } from "../mqtt/unit-publisher.js";
import { DEVICE_NAMESPACE, type DeviceSettings } from "../store/device-settings.js";
import { openNamespace } from "../store/open-namespace.js";
import { type DataDirLock, lockDataDir, type Namespace, SettingsStore } from "../store/settings-store.js";
import { HostAllowlist } from "../web/host-allowlist.js";
import { createHttpsApp, type HttpsApp, type WebApp } from "../web/https-server.js";
import { listenOn } from "../web/port-errors.js";
import { createRedirectServer } from "../web/redirect-server.js";
import type { SocketBudget } from "../web/socket-budget.js";
import { attachTlsDiagnostics, type TlsDiagnostics } from "../web/tls-diagnostics.js";
import { readBuildInfo } from "./build-info.js";
import type { DeviceContext, DeviceIdentity, MemoryFigures } from "./context.js";
import { DEFAULT_KEY_TYPE } from "./defaults.js";
import { detectEspId, deviceHostname, type Mode, otherModeHostnames } from "./identity.js";
import type { LogRing } from "./log-ring.js";
import { deviceTxt } from "./mdns-txt.js";
import { MemoryMonitor } from "./memory.js";
import { applyStoredMqtt, createDeviceMqtt, runtimeFeed } from "./mqtt.js";
import { type ModeRuntime, type RuntimeEnvironment, startModeRuntime } from "./runtime.js";

/** First wait before a failed runtime start is tried again; it doubles up to RUNTIME_RETRY_MAX_MS. */
export const RUNTIME_RETRY_FIRST_MS = 1_000;
export const RUNTIME_RETRY_MAX_MS = 60_000;

/** A runtime that failed to start and is being retried, as `/api/status` reports it. */
export interface RuntimeProblem {
  /** The failure in plain words (e.g. the radio's UDP port is taken). */
  reason: string;
  /** When the runtime first failed to start (RFC 3339). */
  since: string;
  attempts: number;
  retry_in_ms: number;
}

export interface DeviceOptions {
  /**
   * When given, stored as the device's mode (like configuring a unit); otherwise the stored mode.
   * @default undefined (the stored mode)
   */
  mode?: Mode | undefined;
  /** @default undefined (detected from the hardware; see detectEspId) */
  espId?: string | undefined;
  dataDir: string;
  httpsPort: number;
  httpPort: number;
  listen: string;
  maxSockets: number;
  mdns: boolean;
  /** @default undefined (the interface of the default route) */
  mdnsInterface?: string | undefined;
  /** @default [] (the standard names only) */
  sans?: string[];
  /** @default DEFAULT_KEY_TYPE */
  keyType?: KeyType;
  /**
   * The club CA's directory (`--ca`): the certificate is issued by that CA and renewed while running;
   * damaged or mismatched CA files refuse the start.
   * @default undefined (self-signed, as the original)
   */
  caDir?: string | undefined;
  logger: Logger;
  ring: LogRing;
  /**
   * The built UI; see createHttpsApp.
   * @default undefined (DEFAULT_UI_DIR, as createHttpsApp)
   */
  uiDir?: string | null;
  /**
   * Registers the REST API on the root app (routes carry full `/api/...` paths), after the shell's own
   * hooks and before the port is bound; registered once, so routes outlive in-place restarts.
   * @default undefined (no REST API; the web shell only)
   */
  registerApi?: (app: WebApp, ctx: DeviceContext) => Promise<void>;
  /**
   * The CLI flags that chose the ports, named in the advice when binding fails.
   * @default { https: "--https-port", http: "--http-port" }
   */
  portFlags?: { https: string; http: string };
  /**
   * How the runtime reaches its radio and sensor; without it the device runs its web side only.
   * @default undefined (web side only)
   */
  runtime?: Omit<RuntimeEnvironment, "store" | "logger">;
  /** MQTT settings from the command line (checked), stored before connecting. @default none */
  mqtt?: Partial<MqttSettings> | undefined;
  /** The displays beside the unit (OLED, strip, console). @default none */
  displays?: DisplaySettings;
  /** Listening sockets handed over by systemd (LISTEN_FDS): taken instead of binding the ports. @default none */
  listenFds?: { https: number; http: number } | undefined;
  /** Told when an in-place restart begins and when it (and any queued behind it) ends: systemd's RELOADING=1/READY=1. @default none */
  onRestart?: (phase: "begin" | "end") => void;
}

/**
 * One OWTS unit: settings store, certificate, HTTPS app behind the socket budget, HTTP redirects,
 * mDNS and the mode's runtime. A mode change or reboot restarts the runtime in place: the ports stay
 * bound, requests arriving meanwhile wait for the new runtime instead of meeting a half-built one.
 */
export class Device implements DeviceContext {
  readonly build = readBuildInfo();
  readonly startedAt = Date.now();
  readonly logger: Logger;
  readonly ring: LogRing;
  readonly store: SettingsStore;
  readonly #opts: DeviceOptions;
  readonly #log: Logger;
  readonly #espId: string;
  readonly #settings: Namespace<DeviceSettings>;
  readonly #memory: MemoryMonitor;
  readonly #lock: DataDirLock;
  #mode: Mode;
  #cert!: LiveCertificate;
  #web!: HttpsApp;
  #tls!: TlsDiagnostics;
  #redirect!: ReturnType<typeof createRedirectServer>;
  #mdns: MdnsAdvertiser | null = null;
  #runtime: ModeRuntime | null = null;
  readonly mqtt: MqttService;
  #unfollowMqtt: (() => void) | null = null;
  #displays: DisplayRunner | null = null;
  #restarting: Promise<void> | null = null;
  /** The reason of a restart asked for while one ran; it runs once more when that one ends. */
  #restartAgain: string | null = null;
  #runtimeProblem: RuntimeProblem | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #ports = { https: 0, http: 0 };
  #stopped = false;

  private constructor(
    opts: DeviceOptions,
    store: SettingsStore,
    settings: Namespace<DeviceSettings>,
    espId: string,
    lock: DataDirLock,
  ) {
    this.#lock = lock;
    this.#opts = opts;
    this.logger = opts.logger;
    this.ring = opts.ring;
    this.#log = opts.logger.child({ tag: "device" });
    this.store = store;
    this.#espId = espId;
    this.#settings = settings;
    this.#mode = settings.get().mode;
    this.#memory = new MemoryMonitor({ logger: opts.logger });
    this.mqtt = createDeviceMqtt({
      logger: opts.logger,
      info: () => this.#mqttInfo(),
      device: () => this.#mqttDevice(),
    });
  }

  #httpsUrl(): string {
    const { https } = this.#ports;
    return `https://${this.identity().hostname}.local${https === 443 ? "" : `:${https}`}/`;
  }

  #mqttInfo(): UnitInfo {
    const id = this.identity();
    return {
      espId: id.esp_id,
      mode: id.mode,
      hostname: id.hostname,
      version: this.build.version,
      configurationUrl: this.#httpsUrl(),
    };
  }

  /** The about/status essentials on `<p>/<id>/device`. */
  #mqttDevice(): Record<string, unknown> {
    const id = this.identity();
    return {
      esp_id: id.esp_id,
      mode: id.mode,
      hostname: `${id.hostname}.local`,
      version: this.build.version,
      build: this.build.build,
      uptime_s: Math.floor((Date.now() - this.startedAt) / 1000),
      url: this.#httpsUrl(),
      runtime: this.#runtime ? "running" : "stopped",
    };
  }

  /** Starts every part; on failure stops what already started and rethrows (the CLI prints one line). */
  static async start(opts: DeviceOptions): Promise<Device> {
    const log = opts.logger.child({ tag: "device" });
    // Before the store is opened: a second device must not even tidy up the first one's temp files.
    const lock = await lockDataDir(opts.dataDir);
    let device: Device;
    try {
      const store = await SettingsStore.open(opts.dataDir, opts.logger);
      const settings = openNamespace(store, DEVICE_NAMESPACE);
      if (opts.mode && opts.mode !== settings.get().mode) await settings.set({ mode: opts.mode });
      let espId = opts.espId;
      if (!espId) {
        const found = detectEspId();
        espId = found.espId;
        log.info(`device id ${espId} (${found.from})`);
      }
      device = new Device(opts, store, settings, espId, lock);
    } catch (err) {
      await lock.release();
      throw err;
    }
    try {
      await device.#startShell();
      await applyStoredMqtt(device.mqtt, device.store, opts.logger, opts.mqtt);
      await device.#startRuntime();
      device.#startDisplays();
    } catch (err) {
      await device.stop().catch(() => {});
      throw err;
    }
    return device;
  }

  identity(): DeviceIdentity {
    return { mode: this.#mode, esp_id: this.#espId, hostname: deviceHostname(this.#mode, this.#espId) };
  }

  certificate(): DeviceCertificate {
    return this.#cert.current();
  }

  ca(): ClubCa | null {
    return this.#cert.ca;
  }

  /** The web app's socket budget: created, attached and closed by the HTTPS app that owns it. */
  get budget(): SocketBudget {
    return this.#web.budget;
  }

  memory(): MemoryFigures {
    const m = this.#memory.sample();
    return { heap_free: m.heap_free, heap_free_min: m.heap_free_min, heap_used: m.heap_used, rss: m.rss };
  }

  tlsFailures() {
    return this.#tls.counts();
  }

  get ports(): { https: number; http: number } {
    return { ...this.#ports };
  }

  /** The `.local` name our mDNS responder answers for right now; null when it does not run (`--no-mdns`). */
  mdnsName(): string | null {
    return this.#mdns ? `${this.#mdns.hostname()}.local` : null;
  }

  get web(): HttpsApp {
    return this.#web;
  }

  /** Resolves when no restart is under way; requests wait on it so none meets a half-restarted device. */
  async ready(): Promise<void> {
    while (this.#restarting) await this.#restarting;
  }

  async #startShell(): Promise<void> {
    const o = this.#opts;
    const ca = o.caDir ? await loadClubCa(o.caDir) : undefined;
    if (ca && ca.permitted === null)
      this.#log.warn(
        `the club CA in ${ca.dir} has no name constraints: anyone holding its key can sign for any name, public ones included, and every device that trusts it would accept them; prefer a CA made by \`owts ca init\``,
      );
    this.#cert = await openLiveCertificate({
      dataDir: o.dataDir,
      hostname: this.identity().hostname,
      siblingHostnames: otherModeHostnames,
      extraSans: o.sans ?? [],
      keyType: o.keyType ?? DEFAULT_KEY_TYPE,
      logger: o.logger,
      ...(ca ? { ca } : {}),
    });
    const cert = this.#cert.current();
    this.#web = await createHttpsApp({
      certificate: { certPem: cert.certPem, keyPem: cert.keyPem },
      sessions: { maxSessions: o.maxSockets },
      logger: o.logger,
      ...(o.uiDir !== undefined ? { uiDir: o.uiDir } : {}),
      device: {
        mode: this.#mode,
        hostname: `${this.identity().hostname}.local`,
        espId: this.#espId,
        version: this.build.version,
      },
    });
    this.#web.app.addHook("onRequest", async () => {
      await this.ready();
    });
    await o.registerApi?.(this.#web.app, this);
    this.#tls = attachTlsDiagnostics(this.#web.server, {
      logger: o.logger,
      memory: this.#memory,
      budget: this.budget,
    });
    // Subscribed once: a re-issue for a new hostname and `owts certs` behind our back both arrive here.
    this.#cert.onChange((next) => {
      this.#web.setCertificate(next.certPem, next.keyPem);
      // The TXT pin follows the certificate (a renewal, `owts certs`); a mode change renames below.
      if (!this.#restarting)
        void this.#mdns
          ?.rename(this.identity().hostname, this.#txt())
          .catch((err: Error) =>
            this.#log.warn(`mDNS: could not update the certificate pin: ${err.message}`),
          );
    });
    const https: AddressInfo = await this.#web.listen({
      port: o.httpsPort,
      host: o.listen,
      flag: o.portFlags?.https,
      ...(o.listenFds ? { fd: o.listenFds.https } : {}),
    });
    this.#ports.https = https.port;

    const allowlist = new HostAllowlist({ hostname: () => this.identity().hostname });
    this.#redirect = createRedirectServer({
      httpsPort: () => this.#ports.https,
      allowlist,
      logger: o.logger,
    });
    const http = await listenOn(this.#redirect, {
      port: o.httpPort,
      host: o.listen,
      flag: o.portFlags?.http ?? "--http-port",
      ...(o.listenFds ? { fd: o.listenFds.http } : {}),
    });
    this.#ports.http = http.port;

    if (o.mdns) {
      this.#mdns = await startMdns({
        hostname: this.identity().hostname,
        httpPort: this.#ports.http,
        httpsPort: this.#ports.https,
        txt: this.#txt(),
        interfaceName: o.mdnsInterface,
        // Bound to one address: advertise only that one, not addresses where nothing listens.
        addresses: o.listen === "0.0.0.0" || o.listen === "::" ? undefined : [o.listen],
        logger: o.logger,
      });
    }
    this.#memory.start();
  }

  #txt(): Record<string, string> {
    return deviceTxt({
      mode: this.#mode,
      espId: this.#espId,
      version: this.build.version,
      fingerprintSha256: this.#cert.current().fingerprintSha256,
    });
  }

  runtime(): ModeRuntime | null {
    return this.#runtime;
  }

  displays(): DisplayStatus[] {
    return this.#displays?.status() ?? [];
  }

  /** The displays read the running runtime at each update, so they follow restarts and mode changes. */
  #startDisplays(): void {
    const settings = this.#opts.displays;
    if (!settings) return;
    this.#displays = assembleDisplays({
      settings,
      state: (): DisplayedState | null => {
        const rt = this.#runtime;
        if (!rt) return null;
        // The runtime's live feed: the displays show the very document the API serves and streams.
        if (rt.mode === "winch")
          return { mode: "winch", receiver: { snapshot: () => rt.live.current().doc } };
        const { live, state } = rt;
        return {
          mode: "aircraft",
          aircraft: {
            snapshot: () => live.current().doc,
            get phaseSettings() {
              return state.phaseSettings;
            },
          },
          transmitter: { status: () => live.current().doc.tx },
        };
      },
      hostname: () => `${this.identity().hostname}.local`,
      address: () => servedAddress(this.#opts.listen),
      fingerprint: () => this.#cert.current().fingerprintSha256,
      clock: systemClock,
      logger: this.logger,
    });
    this.#displays?.start();
  }

  async #startRuntime(): Promise<void> {
    const env = this.#opts.runtime;
    if (!env) return;
    const runtime = await startModeRuntime(this.#mode, { ...env, store: this.store, logger: this.logger });
    this.#runtime = runtime;
    this.#unfollowMqtt = this.mqtt.follow(runtimeFeed(runtime));
  }

  async #stopRuntime(): Promise<void> {
    this.#unfollowMqtt?.();
    this.#unfollowMqtt = null;
    await this.#runtime?.stop();
    this.#runtime = null;
  }

  /**
   * Restart in place from stored settings: the runtime stops, the mode is re-read (a new mode renames
   * the host, the certificate follows and mDNS re-announces), open sessions are asked to close after
   * their current response, and the runtime starts again. Ports stay bound throughout.
   *
   * Restarts are serialized and coalesced: one asked for while another runs is run once more after it,
   * so the settings written last are always the ones that end up running (two opposite mode changes at
   * once can otherwise leave the stored and the running mode apart). A runtime that fails to start is
   * retried in the background (see #retryRuntime); the restart itself still completes.
   */
  restart(reason: string): Promise<void> {
    if (this.#restarting) {
      this.#restartAgain = reason;
      return this.#restarting;
    }
    const run = (async () => {
      this.#opts.onRestart?.("begin");
      try {
        let why: string | null = reason;
        while (why !== null && !this.#stopped) {
          this.#restartAgain = null;
          await this.#restartOnce(why);
          why = this.#restartAgain;
        }
      } finally {
        // Inside the async function, right after the loop's last check: no restart() call can slip
        // between "no follow-up asked for" and "no restart running".
        this.#restarting = null;
        this.#opts.onRestart?.("end");
      }
    })();
    this.#restarting = run;
    return run;
  }

  /** True while a restart runs or one is queued behind it: the running mode is about to be re-read. */
  restartPending(): boolean {
    return this.#restarting !== null;
  }

  /** Why the runtime is not running, while it is being retried; null when it runs (or is not wanted). */
  runtimeProblem(): RuntimeProblem | null {
    return this.#runtimeProblem;
  }

  async #restartOnce(reason: string): Promise<void> {
    this.#log.info(`restarting in place: ${reason}`);
    this.#cancelRetry();
    await this.#stopRuntime();
    const mode = this.#settings.get().mode;
    if (mode !== this.#mode) {
      this.#mode = mode;
      const { hostname } = this.identity();
      try {
        await this.#cert.setHostname(hostname);
      } catch (err) {
        // A full disk must not cost the unit its runtime: serve the old certificate (clients see a name
        // mismatch) and try again with the next runtime retry or restart.
        this.#log.error(
          `could not re-issue the certificate for ${hostname}: ${(err as Error).message}; the previous certificate stays in service`,
        );
      }
      await this.#mdns?.rename(hostname, this.#txt());
      this.#log.info(`mode is now ${mode}; hostname ${hostname}.local`);
    }
    this.budget.closeIdleSessions();
    await this.#startRuntimeOrRetry();
    this.#log.info(
      this.#runtime || !this.#opts.runtime
        ? "restart complete"
        : "restart complete; the runtime is being retried",
    );
  }

  async #startRuntimeOrRetry(): Promise<void> {
    try {
      await this.#startRuntime();
      if (this.#runtimeProblem)
        this.#log.info(
          `the ${this.#mode} runtime runs again after ${this.#runtimeProblem.attempts} failed attempt(s)`,
        );
      this.#runtimeProblem = null;
    } catch (err) {
      const attempts = (this.#runtimeProblem?.attempts ?? 0) + 1;
      const delayMs = Math.min(RUNTIME_RETRY_MAX_MS, RUNTIME_RETRY_FIRST_MS * 2 ** (attempts - 1));
      this.#runtimeProblem = {
        reason: (err as Error).message,
        since: this.#runtimeProblem?.since ?? new Date().toISOString(),
        attempts,
        retry_in_ms: delayMs,
      };
      this.#log.error(
        `the ${this.#mode} runtime did not start (${(err as Error).message}); trying again in ${Math.round(delayMs / 1000)} s`,
      );
      this.#retryTimer = setTimeout(() => void this.#retryRuntime(), delayMs);
      this.#retryTimer.unref();
    }
  }

  async #retryRuntime(): Promise<void> {
    this.#retryTimer = null;
    if (this.#stopped || this.#runtime || this.#restarting) return;
    // Also retries a certificate re-issue that failed (it is a no-op when the certificate already fits).
    await this.#cert.setHostname(this.identity().hostname).catch(() => undefined);
    await this.#startRuntimeOrRetry();
  }

  #cancelRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /** Graceful stop: goodbyes on mDNS, in-flight requests finish, every socket closes. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#cancelRetry();
    await this.#displays?.stop();
    this.#memory.stop();
    this.#cert?.close();
    // First, so the broker hears the unit's own "offline" before anything else goes away.
    await this.mqtt.stop().catch((err: Error) => this.#log.error(`MQTT stop failed: ${err.message}`));
    await this.#stopRuntime().catch((err: Error) => this.#log.error(`runtime stop failed: ${err.message}`));
    await this.#mdns?.stop();
    if (this.#redirect?.listening) {
      await new Promise<void>((resolve) => {
        this.#redirect.close(() => resolve());
        this.#redirect.closeAllConnections();
      });
    }
    await this.#web?.close();
    await this.#lock.release();
    this.#log.info("stopped");
  }
}

/** The address a phone should open: the bound one, or (bound to all) the first external IPv4. */
function servedAddress(listen: string): string | null {
  if (listen !== "0.0.0.0" && listen !== "::") return listen;
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return null;
}
