import type { DeviceCertificate } from "../certs/index.js";
import type { Logger } from "../core/logger.js";
import type { SettingsStore } from "../store/settings-store.js";
import type { SocketBudget } from "../web/socket-budget.js";
import type { TlsFailureClass } from "../web/tls-diagnostics.js";
import type { BuildInfo } from "./build-info.js";
import type { Mode } from "./identity.js";
import type { LogRing } from "./log-ring.js";
import type { ModeRuntime } from "./runtime.js";

/** Who the device is right now; the hostname follows the mode. */
export interface DeviceIdentity {
  mode: Mode;
  esp_id: string;
  /** Host label without `.local`, e.g. `OWTS-winch-3A4F1C`. */
  hostname: string;
}

export type TlsFailureCounts = Record<TlsFailureClass, number>;

export interface MemoryFigures {
  heap_free: number;
  heap_free_min: number;
  heap_used: number;
  rss: number;
}

/**
 * What API routes may see of the device. Getters, because identity, certificate and runtime change
 * in place on a mode change or a re-issued certificate while the routes stay registered.
 */
export interface DeviceContext {
  readonly build: BuildInfo;
  /** Date.now() at process start. */
  readonly startedAt: number;
  readonly logger: Logger;
  readonly ring: LogRing;
  readonly store: SettingsStore;
  readonly budget: SocketBudget;
  identity(): DeviceIdentity;
  certificate(): DeviceCertificate;
  memory(): MemoryFigures;
  tlsFailures(): TlsFailureCounts;
  /** The running aircraft or winch runtime; null only while a restart swaps it. */
  runtime(): ModeRuntime | null;
  /**
   * Stores nothing itself: restarts the runtime in place from stored settings (mode, profile, radio).
   * Serialized: one asked for during another runs after it, so the last stored settings win.
   */
  restart(reason: string): Promise<void>;
  /** A restart is running or queued: the running mode is about to be re-read from the store. */
  restartPending(): boolean;
}
