import { type Static, Type } from "typebox";
import { defineNamespace } from "../core/namespace-decl.js";
import { openNamespace } from "../store/open-namespace.js";
import type { Namespace, SettingsStore } from "../store/settings-store.js";
import { type ConfigResult, DEFAULT_MQTT_PREFIX, resolveMqttConfig } from "./config.js";

/**
 * The `mqtt` settings namespace: what the broker connection is made from. The password is stored
 * because the unit must present it on every connect; the API never gives it back (`password_set`).
 */
export const MqttSettingsSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    url: Type.String({ maxLength: 512 }),
    user: Type.Union([Type.String({ maxLength: 256 }), Type.Null()]),
    password: Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]),
    ca_pem: Type.Union([Type.String({ maxLength: 65_536 }), Type.Null()]),
    prefix: Type.String({ maxLength: 64 }),
    discovery: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type MqttSettings = Static<typeof MqttSettingsSchema>;

/** MQTT is off until a broker is configured. */
export const DEFAULT_MQTT_SETTINGS: MqttSettings = {
  enabled: false,
  url: "",
  user: null,
  password: null,
  ca_pem: null,
  prefix: DEFAULT_MQTT_PREFIX,
  discovery: true,
};

export const MQTT_NAMESPACE = defineNamespace("mqtt", MqttSettingsSchema, DEFAULT_MQTT_SETTINGS);

export function mqttSettings(store: SettingsStore): Namespace<MqttSettings> {
  return openNamespace(store, MQTT_NAMESPACE);
}

/** The connection `s` describes; `null` config when MQTT is off. Problems name the API's fields. */
export async function configFromSettings(
  s: MqttSettings,
): Promise<ConfigResult | { ok: true; config: null }> {
  if (!s.enabled) return { ok: true, config: null };
  return resolveMqttConfig({
    url: s.url,
    user: s.user,
    password: s.password,
    caPem: s.ca_pem,
    prefix: s.prefix,
    discovery: s.discovery,
  });
}
