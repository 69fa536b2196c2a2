import type { AircraftLiveDocument } from "../aircraft/live-document.js";
import { type Clock, systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Mode } from "../core/mode.js";
import type { SpeedUnit } from "../core/units.js";
import type { Launch } from "../winch/history.js";
import type { WinchSnapshot } from "../winch/receiver.js";
import type { MqttConfig } from "./config.js";
import { createMqttConnection, type MqttConnectionOptions, type MqttConnectionStatus } from "./connection.js";
import { allDiscoveryTopics, discoveryConfigs, HA_STATUS_TOPIC } from "./discovery.js";
import type { OutMessage } from "./queue.js";
import { createThrottle, DEFAULT_MIN_INTERVAL_MS, type Throttle } from "./throttle.js";
import { type UnitTopics, unitTopics } from "./topics.js";

/** Who the unit is right now (the mode, and with it the hostname, changes in place). */
export interface UnitInfo {
  espId: string;
  mode: Mode;
  hostname: string;
  version: string;
  /** The unit's HTTPS URL. */
  configurationUrl: string;
}

/** What a winch runtime offers: the same `/api/winch` document the API serves, and its change signals. */
export interface WinchFeed {
  mode: "winch";
  /** The current `/api/winch` document: the receiver's snapshot, exactly what the route returns. */
  snapshot(): WinchSnapshot;
  /** Fires on each shown frame and each link-state change; returns the unsubscribe function. */
  onChange(fn: () => void): () => void;
  /** Fires with each completed launch (the history summary). */
  onLaunch(fn: (launch: Launch) => void): () => void;
  staleAfterMs: number;
}

export interface AircraftFeed {
  mode: "aircraft";
  /** The current `/api/aircraft/live` document, built as the route builds it. */
  live(): AircraftLiveDocument;
  /** Fires on each new sample (and phase change). */
  onChange(fn: () => void): () => void;
  staleAfterMs: number;
}

export type UnitFeed = WinchFeed | AircraftFeed;

export interface MqttUnitStatus extends MqttConnectionStatus {
  prefix: string;
  discovery: boolean;
}

export interface MqttUnitOptions
  extends Partial<
    Pick<
      MqttConnectionOptions,
      | "backoffMinMs"
      | "backoffMaxMs"
      | "refusedBackoffMinMs"
      | "refusedBackoffMaxMs"
      | "connectTimeoutMs"
      | "keepaliveS"
      | "queueLimit"
      | "inflightLimit"
      | "stopTimeoutMs"
    >
  > {
  config: MqttConfig;
  logger: Logger;
  /** esp_id is fixed for the process; mode, hostname and URL are read on every announcement. */
  info(): UnitInfo;
  /** The about/status essentials published retained on `<p>/<id>/device`. */
  device(): Record<string, unknown>;
  /** @default 60000 */
  deviceIntervalMs?: number;
  /** Live topics carry at most one message per this interval. @default 200 (5/s) */
  liveIntervalMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

export interface MqttUnit {
  /** Publishes what `feed` offers until the returned function is called (a runtime's life). */
  follow(feed: UnitFeed): () => void;
  status(): MqttUnitStatus;
  stop(): Promise<void>;
}

/**
 * One unit on the broker: status with its will, the live document of its mode (rate-limited, expiring),
 * completed launches, the device document every minute, and Home Assistant discovery (re-sent when HA
 * comes back online; cleared when discovery is turned off).
 */
export function createMqttUnit(opts: MqttUnitOptions): MqttUnit {
  const {
    config,
    clock = systemClock,
    deviceIntervalMs = 60_000,
    liveIntervalMs = DEFAULT_MIN_INTERVAL_MS,
  } = opts;
  const espId = opts.info().espId;
  const topics: UnitTopics = unitTopics(config.prefix, espId);
  let feed: UnitFeed | null = null;
  let announcedUnit: SpeedUnit | null = null;
  let cancelDevice: (() => void) | null = null;

  const state = (topic: string, payload: string, qos: 0 | 1 = 1): OutMessage => ({
    topic,
    payload,
    qos,
    retain: true,
    cls: "state",
  });

  const currentUnit = (): SpeedUnit => {
    if (!feed) return "kmh";
    if (feed.mode === "aircraft") return feed.live().unit;
    return feed.snapshot().telemetry?.unit ?? announcedUnit ?? "kmh";
  };

  const discoveryMessages = (): OutMessage[] => {
    if (!config.discovery) return allDiscoveryTopics(espId).map((t) => state(t, ""));
    if (!feed) return [];
    const info = opts.info();
    announcedUnit = currentUnit();
    const configs = discoveryConfigs({
      ...info,
      unit: announcedUnit,
      staleAfterMs: feed.staleAfterMs,
      topics,
    });
    const used = new Set(configs.map((c) => c.topic));
    // The other mode's configs go: a unit switched from winch to aircraft is not also a winch in HA.
    const stale = allDiscoveryTopics(espId).filter((t) => !used.has(t));
    return [
      ...configs.map((c) => state(c.topic, JSON.stringify(c.payload))),
      ...stale.map((t) => state(t, "")),
    ];
  };

  const deviceMessage = () => state(topics.device, JSON.stringify(opts.device()), 0);

  const connection = createMqttConnection({
    ...opts,
    clientId: `owts-${espId}`,
    statusTopic: topics.status,
    logger: opts.logger,
    clock,
    subscriptions: config.discovery ? [HA_STATUS_TOPIC] : [],
    onConnect() {
      connection.announce([state(topics.status, "online"), deviceMessage(), ...discoveryMessages()]);
      live?.poke();
    },
    onMessage(topic, payload) {
      if (topic === HA_STATUS_TOPIC && payload.toString() === "online" && config.discovery)
        connection.announce(discoveryMessages());
    },
  });

  const deviceLoop = () => {
    cancelDevice = clock.setTimeout(() => {
      // Only while connected: every connect announces a fresh one anyway, and a queued old copy is noise.
      if (connection.connected()) connection.publish(deviceMessage());
      deviceLoop();
    }, deviceIntervalMs);
  };
  deviceLoop();

  const expiryS = () => Math.max(1, Math.ceil((feed?.staleAfterMs ?? 1500) / 1000));
  const liveMessage = (topic: string, doc: unknown): OutMessage => ({
    topic,
    payload: JSON.stringify(doc),
    qos: 0,
    retain: false,
    cls: "live",
    expiresAt: clock.now() + expiryS() * 1000,
  });

  let live: Throttle | null = null;

  return {
    follow(f) {
      feed = f;
      const send = () => {
        if (feed !== f) return;
        if (f.mode === "winch") {
          const doc = f.snapshot();
          connection.publish(liveMessage(topics.winch, doc));
          const unit = doc.telemetry?.unit;
          // HA takes the unit from the config: a glider flying in knots re-announces the IAS sensors.
          if (unit && config.discovery && connection.connected() && unit !== announcedUnit)
            connection.announce(discoveryMessages());
        } else {
          connection.publish(liveMessage(topics.aircraftLive, f.live()));
        }
      };
      const throttle = createThrottle(send, clock, liveIntervalMs);
      live = throttle;
      const offChange = f.onChange(() => throttle.poke());
      const offLaunch =
        f.mode === "winch"
          ? f.onLaunch((launch) =>
              connection.publish({
                topic: topics.launch,
                payload: JSON.stringify(launch),
                qos: 1,
                retain: true,
                cls: "launch",
              }),
            )
          : () => {};
      if (connection.connected()) connection.announce([deviceMessage(), ...discoveryMessages()]);
      throttle.poke();
      return () => {
        offChange();
        offLaunch();
        throttle.cancel();
        if (feed === f) {
          feed = null;
          live = null;
        }
      };
    },
    status: () => ({ ...connection.status(), prefix: config.prefix, discovery: config.discovery }),
    async stop() {
      cancelDevice?.();
      live?.cancel();
      await connection.stop();
    },
  };
}
