import type { AddressInfo } from "node:net";
import {
  type CertificateWatcher,
  type DeviceCertificate,
  ensureDeviceCertificate,
  type KeyType,
  watchDeviceCertificate,
} from "../certs/index.js";
import type { Logger } from "../core/logger.js";
import { type MdnsAdvertiser, startMdns } from "../mdns/advertiser.js";
import { DEVICE_NAMESPACE, type DeviceSettings } from "../store/device-settings.js";
import { openNamespace } from "../store/open-namespace.js";
import { type Namespace, SettingsStore } from "../store/settings-store.js";
import { HostAllowlist } from "../web/host-allowlist.js";
import { createHttpsApp, type HttpsApp, type WebApp } from "../web/https-server.js";
import { listenOn } from "../web/port-errors.js";
import { createRedirectServer } from "../web/redirect-server.js";
import { SocketBudget } from "../web/socket-budget.js";
import { attachTlsDiagnostics, type TlsDiagnostics } from "../web/tls-diagnostics.js";
import { readBuildInfo } from "./build-info.js";
import type { DeviceContext, DeviceIdentity, MemoryFigures } from "./context.js";
import { detectEspId, deviceHostname, type Mode } from "./identity.js";
import type { LogRing } from "./log-ring.js";
import { MemoryMonitor } from "./memory.js";
import { type ModeRuntime, type RuntimeEnvironment, startModeRuntime } from "./runtime.js";

export interface DeviceOptions {
  /** When given, stored as the device's mode (like configuring a unit); otherwise the stored mode. */
  mode?: Mode | undefined;
  espId?: string | undefined;
  dataDir: string;
  httpsPort: number;
  httpPort: number;
  listen: string;
  maxSockets: number;
  mdns: boolean;
  mdnsInterface?: string | undefined;
  sans?: string[];
  keyType?: KeyType;
  logger: Logger;
  ring: LogRing;
  /** The built UI; see createHttpsApp. */
  uiDir?: string | null;
  /**
   * Registers the REST API on the root app (routes carry full `/api/...` paths), after the shell's own
   * hooks and before the port is bound; registered once, so routes outlive in-place restarts.
   */
  registerApi?: (app: WebApp, ctx: DeviceContext) => Promise<void>;
  /** The CLI flags that chose the ports, named in the advice when binding fails. */
  portFlags?: { https: string; http: string };
  /** How the runtime reaches its radio and sensor; without it the device runs its web side only. */
  runtime?: Omit<RuntimeEnvironment, "store" | "logger">;
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
  readonly budget: SocketBudget;
  readonly #opts: DeviceOptions;
  readonly #log: Logger;
  readonly #espId: string;
  readonly #settings: Namespace<DeviceSettings>;
  readonly #memory: MemoryMonitor;
  #mode: Mode;
  #cert!: DeviceCertificate;
  #web!: HttpsApp;
  #tls!: TlsDiagnostics;
  #redirect!: ReturnType<typeof createRedirectServer>;
  #mdns: MdnsAdvertiser | null = null;
  #watcher: CertificateWatcher | null = null;
  #runtime: ModeRuntime | null = null;
  #restarting: Promise<void> | null = null;
  #ports = { https: 0, http: 0 };
  #stopped = false;

  private constructor(
    opts: DeviceOptions,
    store: SettingsStore,
    settings: Namespace<DeviceSettings>,
    espId: string,
  ) {
    this.#opts = opts;
    this.logger = opts.logger;
    this.ring = opts.ring;
    this.#log = opts.logger.child({ tag: "device" });
    this.store = store;
    this.#espId = espId;
    this.#settings = settings;
    this.#mode = settings.get().mode;
    this.#memory = new MemoryMonitor({ logger: opts.logger });
    this.budget = new SocketBudget({ logger: opts.logger, maxSessions: opts.maxSockets });
  }

  /** Starts every part; on failure stops what already started and rethrows (the CLI prints one line). */
  static async start(opts: DeviceOptions): Promise<Device> {
    const log = opts.logger.child({ tag: "device" });
    const store = await SettingsStore.open(opts.dataDir, opts.logger);
    const settings = openNamespace(store, DEVICE_NAMESPACE);
    if (opts.mode && opts.mode !== settings.get().mode) await settings.set({ mode: opts.mode });
    let espId = opts.espId;
    if (!espId) {
      const found = detectEspId();
      espId = found.espId;
      log.info(`device id ${espId} (${found.from})`);
    }
    const device = new Device(opts, store, settings, espId);
    try {
      await device.#startShell();
      await device.#startRuntime();
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
    return this.#cert;
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

  get web(): HttpsApp {
    return this.#web;
  }

  /** Resolves when no restart is under way; requests wait on it so none meets a half-restarted device. */
  async ready(): Promise<void> {
    while (this.#restarting) await this.#restarting;
  }

  async #startShell(): Promise<void> {
    const o = this.#opts;
    this.#cert = await ensureDeviceCertificate({
      dataDir: o.dataDir,
      hostname: this.identity().hostname,
      extraSans: o.sans ?? [],
      keyType: o.keyType ?? "ecdsa",
      logger: o.logger,
    });
    this.#web = await createHttpsApp({
      certificate: { certPem: this.#cert.certPem, keyPem: this.#cert.keyPem },
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
    const https: AddressInfo = await this.#web.listen({
      port: o.httpsPort,
      host: o.listen,
      budget: this.budget,
      flag: "--https-port",
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
    this.#watcher = watchDeviceCertificate(
      o.dataDir,
      (cert) => {
        this.#web.setCertificate(cert.certPem, cert.keyPem);
        this.#cert = cert;
      },
      o.logger,
      { current: this.#cert },
    );
    this.#memory.start();
  }

  #txt(): Record<string, string> {
    return { mode: this.#mode, id: this.#espId, version: this.build.version };
  }

  runtime(): ModeRuntime | null {
    return this.#runtime;
  }

  async #startRuntime(): Promise<void> {
    const env = this.#opts.runtime;
    if (env)
      this.#runtime = await startModeRuntime(this.#mode, { ...env, store: this.store, logger: this.logger });
  }

  /**
   * Restart in place from stored settings: the runtime stops, the mode is re-read (a new mode renames
   * the host, the certificate follows and mDNS re-announces), open sessions are asked to close after
   * their current response, and the runtime starts again. Ports stay bound throughout.
   */
  restart(reason: string): Promise<void> {
    if (this.#restarting) return this.#restarting;
    const run = (async () => {
      this.#log.info(`restarting in place: ${reason}`);
      await this.#runtime?.stop();
      this.#runtime = null;
      const mode = this.#settings.get().mode;
      if (mode !== this.#mode) {
        this.#mode = mode;
        const { hostname } = this.identity();
        const cert = await ensureDeviceCertificate({
          dataDir: this.#opts.dataDir,
          hostname,
          extraSans: this.#opts.sans ?? [],
          logger: this.#opts.logger,
        });
        if (cert.fingerprintSha256 !== this.#cert.fingerprintSha256) {
          this.#web.setCertificate(cert.certPem, cert.keyPem);
          this.#cert = cert;
        }
        await this.#mdns?.rename(hostname, this.#txt());
        this.#log.info(`mode is now ${mode}; hostname ${hostname}.local`);
      }
      this.budget.closeIdleSessions();
      await this.#startRuntime();
      this.#log.info("restart complete");
    })().finally(() => {
      this.#restarting = null;
    });
    this.#restarting = run;
    return run;
  }

  /** Graceful stop: goodbyes on mDNS, in-flight requests finish, every socket closes. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#memory.stop();
    this.#watcher?.close();
    await this.#runtime?.stop().catch((err: Error) => this.#log.error(`runtime stop failed: ${err.message}`));
    await this.#mdns?.stop();
    if (this.#redirect?.listening) {
      await new Promise<void>((resolve) => {
        this.#redirect.close(() => resolve());
        this.#redirect.closeAllConnections();
      });
    }
    await this.#web?.close();
    this.#log.info("stopped");
  }
}
