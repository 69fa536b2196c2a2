import type { Mode } from "../core/mode.js";
import type { SpeedUnit } from "../core/units.js";
import { HA_DISCOVERY_PREFIX } from "./config.js";
import type { UnitTopics } from "./topics.js";

/** Home Assistant's own unit strings (`UnitOfSpeed`) for ours. */
export const HA_SPEED_UNIT: Record<SpeedUnit, string> = { kmh: "km/h", kt: "kn", mph: "mph" };

/** HA announces itself here with `online` after it (re)starts; then every config is sent again. */
export const HA_STATUS_TOPIC = `${HA_DISCOVERY_PREFIX}/status`;

export interface DiscoveryUnit {
  espId: string;
  mode: Mode;
  /** Host label without `.local`, shown as the device's name. */
  hostname: string;
  version: string;
  /** The unit's HTTPS URL, where HA's "Visit" link goes. */
  configurationUrl: string;
  /** The unit of the IAS shown now (the glider's, on a winch). */
  unit: SpeedUnit;
  /** The winch receiver's stale timeout: IAS older than this is not current. */
  staleAfterMs: number;
  topics: UnitTopics;
}

export interface DiscoveryConfig {
  topic: string;
  payload: Record<string, unknown>;
}

/** Objects per mode: the topics a unit can ever have published, so turning discovery off clears them. */
const OBJECTS: Record<Mode, readonly string[]> = {
  winch: ["ias", "zone", "link", "rssi", "last_launch_max_ias", "last_launch_time_in_band"],
  aircraft: ["ias", "flight_phase"],
};

function configTopic(espId: string, object: string): string {
  return `${HA_DISCOVERY_PREFIX}/sensor/owts_${espId}/${object}/config`;
}

/** Every discovery config topic a unit with `espId` may have used, in either mode. */
export function allDiscoveryTopics(espId: string): string[] {
  const objects = new Set([...OBJECTS.winch, ...OBJECTS.aircraft]);
  return [...objects].map((o) => configTopic(espId, o));
}

// Templates render "None" when nothing current is known: HA's MQTT sensor shows that as unknown, so a
// stale, absent, unverified or post-release reading is never shown as the current IAS.
const WINCH_OK =
  "value_json.link == 'ok' and value_json.telemetry and value_json.telemetry.verified" +
  " and value_json.telemetry.phase not in ['released', 'landing_hold', 'landed']";

/** The retained configs for `u`'s mode: one HA device per unit, its sensors, availability on status. */
export function discoveryConfigs(u: DiscoveryUnit): DiscoveryConfig[] {
  const device = {
    identifiers: [u.espId],
    name: u.hostname,
    manufacturer: "OWTS",
    model: `OWTS ${u.mode} unit`,
    sw_version: u.version,
    configuration_url: u.configurationUrl,
  };
  const common = {
    availability_topic: u.topics.status,
    payload_available: "online",
    payload_not_available: "offline",
    device,
    origin: { name: "owts", sw_version: u.version },
  };
  const speedUnit = HA_SPEED_UNIT[u.unit];
  // HA counts whole seconds; the next whole second after the stale timeout keeps a live reading alive
  // between frames and lets a silent unit's IAS go unknown soon after the winch calls it stale.
  const expireAfter = Math.max(1, Math.ceil(u.staleAfterMs / 1000));
  const sensors: Record<string, Record<string, unknown>> = u.mode === "winch"
    ? {
        ias: {
          name: "IAS",
          state_topic: u.topics.winch,
          value_template: `{{ value_json.telemetry.ias if ${WINCH_OK} else None }}`,
          device_class: "speed",
          unit_of_measurement: speedUnit,
          state_class: "measurement",
          suggested_display_precision: 1,
          expire_after: expireAfter,
        },
        zone: {
          name: "Zone",
          state_topic: u.topics.winch,
          value_template: `{{ value_json.telemetry.zone if ${WINCH_OK} else None }}`,
          device_class: "enum",
          options: ["below", "inside", "above"],
          expire_after: expireAfter,
        },
        link: {
          name: "Link",
          state_topic: u.topics.winch,
          value_template: "{{ value_json.link }}",
          device_class: "enum",
          options: ["no_signal", "ok", "stale"],
        },
        rssi: {
          name: "RSSI",
          state_topic: u.topics.winch,
          value_template:
            "{{ value_json.telemetry.rssi_dbm if value_json.telemetry and value_json.telemetry.rssi_dbm is not none else None }}",
          device_class: "signal_strength",
          unit_of_measurement: "dBm",
          state_class: "measurement",
          entity_category: "diagnostic",
        },
        last_launch_max_ias: {
          name: "Last launch max IAS",
          state_topic: u.topics.launch,
          value_template: "{{ value_json.max_ias }}",
          device_class: "speed",
          unit_of_measurement: speedUnit,
          suggested_display_precision: 1,
        },
        last_launch_time_in_band: {
          name: "Last launch time in band",
          state_topic: u.topics.launch,
          value_template: "{{ (value_json.duration_s * value_json.in_band_share) | round(1) }}",
          device_class: "duration",
          unit_of_measurement: "s",
        },
      }
    : {
        ias: {
          name: "IAS",
          state_topic: u.topics.aircraftLive,
          value_template: "{{ value_json.ias if value_json.sensor.state == 'ok' else None }}",
          device_class: "speed",
          unit_of_measurement: speedUnit,
          state_class: "measurement",
          suggested_display_precision: 1,
          expire_after: expireAfter,
        },
        flight_phase: {
          name: "Flight phase",
          state_topic: u.topics.aircraftLive,
          value_template: "{{ value_json.flight_phase }}",
          device_class: "enum",
          options: ["airborne", "landing_hold", "landed"],
        },
      };
  return OBJECTS[u.mode].map((object) => ({
    topic: configTopic(u.espId, object),
    payload: { ...sensors[object], unique_id: `owts_${u.espId}_${object}`, ...common },
  }));
}
