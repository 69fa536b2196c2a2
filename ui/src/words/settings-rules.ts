import type { FieldRules } from "./plain.js";

const PASSPHRASE = "8 to 63 characters: letters, digits, spaces and punctuation, no accents.";

/** What the Wi-Fi form's fields accept (the device's limits, in plain words). */
export const WIFI_RULES: FieldRules = {
  "/softap/ssid": "1 to 32 characters (accented letters count double).",
  "/softap/channel": "A channel from 1 to 13.",
  "/softap/password": PASSPHRASE,
  "/station/ssid": "The club network's name, at most 32 characters; needed when joining is on.",
  "/station/password": PASSPHRASE,
};

/** What the radio form's fields accept. */
export const RADIO_RULES: FieldRules = {
  "/srd_profile_id": "Choose one of the listed profiles.",
  "/modem_backend": "Choose a modem the profile allows; both units must use the same.",
  "/frequency_hz": "A frequency from 863.000 to 870.000 MHz inside the profile's band, e.g. 869.525.",
  "/tx_power_dbm": "A whole number of dBm, at most the profile's power cap.",
};

/** What the new API password must be. */
export const PASSWORD_RULE = "8 to 64 characters: letters, digits and punctuation, no spaces or accents.";
