import type { Logger } from "../core/logger.js";
import { aircraftFeed, winchFeed } from "../mqtt/feeds.js";
import { createMqttService, type MqttService, type MqttServiceOptions } from "../mqtt/service.js";
import { configFromSettings, type MqttSettings, mqttSettings } from "../mqtt/settings.js";
import type { UnitFeed, UnitInfo } from "../mqtt/unit-publisher.js";
import type { SettingsStore } from "../store/settings-store.js";
import type { ModeRuntime } from "./runtime.js";

/** What the running runtime offers MQTT: the same documents its API routes serve. */
export function runtimeFeed(runtime: ModeRuntime): UnitFeed {
  return runtime.mode === "winch"
    ? winchFeed(runtime.receiver, runtime.history, runtime.live)
    : aircraftFeed(runtime.live, runtime.state);
}

export interface DeviceMqttOptions {
  logger: Logger;
  info(): UnitInfo;
  device(): Record<string, unknown>;
  tuning?: MqttServiceOptions["tuning"];
}

/** The device's MQTT service, off until `applyStoredMqtt` gives it a broker. */
export function createDeviceMqtt(opts: DeviceMqttOptions): MqttService {
  return createMqttService({
    logger: opts.logger,
    info: opts.info,
    device: opts.device,
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
  });
}

/**
 * Stores what the command line gave (like `--mode`), then connects from the `mqtt` namespace. Stored
 * settings that no longer pass the checks (a file edited by hand) leave MQTT off with one error line
 * instead of stopping the device.
 */
export async function applyStoredMqtt(
  service: MqttService,
  store: SettingsStore,
  logger: Logger,
  startup?: Partial<MqttSettings>,
): Promise<void> {
  const ns = mqttSettings(store);
  if (startup && Object.keys(startup).length > 0) await ns.update((cur) => ({ ...cur, ...startup }));
  const checked = await configFromSettings(ns.get());
  if (checked.ok) await service.configure(checked.config);
  else
    logger
      .child({ tag: "mqtt" })
      .error(
        `MQTT stays off: stored settings refused (${checked.problems.map((p) => `${p.field} ${p.message}`).join("; ")})`,
      );
}
