import type { Logger } from "../core/logger.js";
import type { MqttConfig } from "./config.js";
import {
  createMqttUnit,
  type MqttUnit,
  type MqttUnitOptions,
  type MqttUnitStatus,
  type UnitFeed,
  type UnitInfo,
} from "./unit-publisher.js";

export type MqttServiceStatus = ({ enabled: true } & MqttUnitStatus) | { enabled: false };

export interface MqttServiceOptions {
  logger: Logger;
  info(): UnitInfo;
  device(): Record<string, unknown>;
  /** Timing and limits for every connection (tests shorten them). @default {} */
  tuning?: Omit<MqttUnitOptions, "config" | "logger" | "info" | "device">;
}

export interface MqttService {
  /** Replaces the broker connection (null: MQTT off). Applies at once; the runtime keeps running. */
  configure(config: MqttConfig | null): Promise<void>;
  config(): MqttConfig | null;
  /** Publishes what the running runtime offers until the returned function is called. */
  follow(feed: UnitFeed): () => void;
  status(): MqttServiceStatus;
  stop(): Promise<void>;
}

/**
 * The device's MQTT side across configuration changes and runtime restarts: it remembers the runtime's
 * feed, so a new broker configuration picks it up, and a new runtime reaches the current broker.
 */
export function createMqttService(opts: MqttServiceOptions): MqttService {
  let unit: MqttUnit | null = null;
  let current: MqttConfig | null = null;
  let feed: UnitFeed | null = null;
  let unfollow: (() => void) | null = null;
  let changing: Promise<void> = Promise.resolve();

  const attach = () => {
    unfollow?.();
    unfollow = unit && feed ? unit.follow(feed) : null;
  };

  return {
    configure(config) {
      // One change at a time: two PUTs in a row must not leave two connections behind.
      changing = changing.then(async () => {
        unfollow?.();
        unfollow = null;
        const old = unit;
        unit = null;
        current = config;
        await old?.stop();
        if (config)
          unit = createMqttUnit({
            ...opts.tuning,
            config,
            logger: opts.logger,
            info: opts.info,
            device: opts.device,
          });
        attach();
      });
      return changing;
    },
    config: () => current,
    follow(f) {
      feed = f;
      attach();
      return () => {
        if (feed !== f) return;
        feed = null;
        unfollow?.();
        unfollow = null;
      };
    },
    status: () => (unit ? { enabled: true, ...unit.status() } : { enabled: false }),
    async stop() {
      await changing;
      unfollow?.();
      unfollow = null;
      await unit?.stop();
      unit = null;
    },
  };
}
