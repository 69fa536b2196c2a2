import { type Static, Type } from "typebox";
import { defineNamespace } from "../core/namespace-decl.js";
import { openNamespace } from "../store/open-namespace.js";
import type { SettingsStore } from "../store/settings-store.js";
import type { WifiSettings, WifiUpdate } from "./schemas/wifi.js";

/** The device's own network address (SoftAP), fixed as on the ESP32. */
export const SOFTAP_ADDRESS = "192.168.4.1";

const Password = Type.Union([Type.String({ minLength: 8, maxLength: 63 }), Type.Null()]);

/**
 * The `wifi` namespace. Passphrases are kept as given (joining a WPA2 network needs them, as the
 * ESP32's NVS keeps them); the API never reads them back.
 */
export const StoredWifi = Type.Object(
  {
    softap: Type.Object(
      {
        ssid: Type.String({ minLength: 1, maxLength: 32 }),
        channel: Type.Integer({ minimum: 1, maximum: 13 }),
        password: Password,
      },
      { additionalProperties: false },
    ),
    station: Type.Object(
      {
        enabled: Type.Boolean(),
        ssid: Type.String({ maxLength: 32 }),
        password: Password,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type StoredWifi = Static<typeof StoredWifi>;

/** Out of the box: the SoftAP named after the device on channel 1, no password yet, station off. */
export function defaultWifi(softapSsid: string): StoredWifi {
  return {
    softap: { ssid: softapSsid, channel: 1, password: null },
    station: { enabled: false, ssid: "", password: null },
  };
}

/** The `wifi` settings namespace; its defaults name the SoftAP after the device. */
export const wifiNamespace = (softapSsid: string) =>
  defineNamespace("wifi", StoredWifi, defaultWifi(softapSsid));

export function wifiSettings(store: SettingsStore, softapSsid: string) {
  return openNamespace(store, wifiNamespace(softapSsid));
}

/** What `GET /api/wifi` shows: everything but the passphrases, which only say whether one is set. */
export function wifiView(s: StoredWifi): WifiSettings {
  return {
    softap: {
      ssid: s.softap.ssid,
      channel: s.softap.channel,
      address: SOFTAP_ADDRESS,
      password_set: s.softap.password !== null,
    },
    station: { enabled: s.station.enabled, ssid: s.station.ssid, password_set: s.station.password !== null },
  };
}

/** A PUT replaces everything; an absent password keeps the stored one (it cannot be read back to resend). */
export function applyWifiUpdate(current: StoredWifi, update: WifiUpdate): StoredWifi {
  return {
    softap: {
      ssid: update.softap.ssid,
      channel: update.softap.channel,
      password: update.softap.password === undefined ? current.softap.password : update.softap.password,
    },
    station: {
      enabled: update.station.enabled,
      ssid: update.station.ssid,
      password: update.station.password === undefined ? current.station.password : update.station.password,
    },
  };
}
