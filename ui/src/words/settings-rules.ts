import { t } from "../i18n/translate.js";
import type { FieldRules } from "./plain.js";

/*
 * Functions, not constants: the words are those of the language in effect when a form asks.
 */

/** What the Wi-Fi form's fields accept (the device's limits, in plain words). */
export function wifiRules(): FieldRules {
  const passphrase = t("rule.wifi_passphrase");
  return {
    "/softap/ssid": t("rule.wifi_ssid"),
    "/softap/channel": t("rule.wifi_channel"),
    "/softap/password": passphrase,
    "/station/ssid": t("rule.wifi_station_ssid"),
    "/station/password": passphrase,
  };
}

/** What the radio form's fields accept. */
export function radioRules(): FieldRules {
  return {
    "/srd_profile_id": t("rule.radio_profile"),
    "/modem_backend": t("rule.radio_modem"),
    "/frequency_hz": t("rule.radio_frequency"),
    "/tx_power_dbm": t("rule.radio_power"),
  };
}

/** What the new API password must be. */
export function passwordRule(): string {
  return t("rule.password");
}
