import type { AircraftState } from "../aircraft/aircraft-state.js";
import type { AircraftLiveDocument } from "../aircraft/live-document.js";
import type { Transmitter } from "../aircraft/transmitter.js";
import type { ClubCa, DeviceCertificate } from "../certs/index.js";
import type { LiveFeed } from "../core/live-feed.js";
import type { Logger } from "../core/logger.js";
import type { Mode } from "../core/mode.js";
import type { DisplayStatusJson } from "../display/status-schema.js";
import type { MqttService } from "../mqtt/service.js";
import type { RadioService } from "../radio/radio-service.js";
import type { SettingsStore } from "../store/settings-store.js";
import type { LinkKeyHolder } from "../telemetry/link-key-store.js";
import type { SocketBudget } from "../web/socket-budget.js";
import type { TlsFailureClass } from "../web/tls-diagnostics.js";
import type { LaunchHistory } from "../winch/history.js";
import type { PairingBook } from "../winch/pairings.js";
import type { WinchReceiver, WinchSnapshot } from "../winch/receiver.js";
import type { LogPage } from "./schemas/log.js";

/*
 * What the API needs of the device, as narrow interfaces declared here so no route imports src/device:
 * src/device implements them (the Device is a `DeviceContext`; its runtimes are `RuntimeView`s) and
 * hands them to `registerDeviceApi`, which passes each route plugin only the members it reads.
 */

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

/** A unit's launch history, as the history routes read it (both modes). */
export type HistoryView = Pick<
  LaunchHistory,
  "launches" | "page" | "current" | "progress" | "get" | "trace" | "remove" | "clear" | "etag" | "damaged"
>;

/** The running aircraft runtime, as the aircraft routes read it. */
export interface AircraftRuntimeView {
  readonly mode: "aircraft";
  readonly radio: RadioService;
  readonly state: Pick<AircraftState, "snapshot">;
  readonly transmitter: Pick<Transmitter, "status">;
  readonly linkKey: Pick<LinkKeyHolder, "current" | "rotate">;
  /** `/api/aircraft/live`, polled and streamed from this one feed. */
  readonly live: LiveFeed<AircraftLiveDocument>;
  readonly history: HistoryView;
}

/** The running winch runtime, as the winch routes read it. */
export interface WinchRuntimeView {
  readonly mode: "winch";
  readonly radio: RadioService;
  readonly receiver: WinchReceiver;
  readonly history: HistoryView;
  readonly pairings: Pick<PairingBook, "list" | "add" | "remove">;
  /** `/api/winch`, polled and streamed from this one feed. */
  readonly live: LiveFeed<WinchSnapshot>;
}

export type RuntimeView = AircraftRuntimeView | WinchRuntimeView;

/** The mode and runtime now; read per request, because both change in place on a mode change. */
export interface RuntimeSource {
  identity(): DeviceIdentity;
  /** The running aircraft or winch runtime; null only while a restart swaps it. */
  runtime(): RuntimeView | null;
}

/** Restarts the runtime in place from stored settings (it stores nothing itself). */
export interface Restarter {
  readonly logger: Logger;
  /** Serialized: one asked for while another runs runs after it, so the settings stored last win. */
  restart(reason: string): Promise<void>;
  /** A restart is running or queued: the running mode is about to be re-read from the store. */
  restartPending(): boolean;
}

/** The RAM log ring, as `GET /api/log` pages through it. */
export interface LogSource {
  after(seq: number): { lines: LogPage["lines"]; dropped: number };
  readonly newestSeq: number;
}

/** The device's build as `/api/about` shows it. */
export interface BuildFigures {
  readonly version: string;
  readonly build: string;
}

/**
 * Everything the API as a whole may see of the device. Getters, because identity, certificate and
 * runtime change in place on a mode change or a re-issued certificate while the routes stay registered.
 */
export interface DeviceContext extends RuntimeSource, Restarter {
  readonly build: BuildFigures;
  /** Date.now() at process start. */
  readonly startedAt: number;
  readonly ring: LogSource;
  readonly store: SettingsStore;
  readonly budget: Pick<SocketBudget, "stats" | "shouldClose">;
  certificate(): Pick<DeviceCertificate, "certPem" | "fingerprintSha256" | "notAfter">;
  /** The club CA that issues the certificate (`--ca`), or null when it is self-signed. Never its key. */
  ca(): Pick<ClubCa, "certPem" | "fingerprintSha256" | "notAfter" | "name"> | null;
  memory(): MemoryFigures;
  tlsFailures(): TlsFailureCounts;
  /** The displays beside the unit (`--display`) and their health; empty when none is configured. */
  displays(): DisplayStatusJson[];
  /** Why the runtime is not running while it is retried in the background; null when it runs. */
  runtimeProblem(): { reason: string; since: string; attempts: number; retry_in_ms: number } | null;
  /** The broker connection (off until configured); lives as long as the process. */
  readonly mqtt: MqttService;
}
