import { type Static, Type } from "typebox";
import {
  DEFAULT_RADIO_SETTINGS,
  RadioSettingsPatchSchema,
  RadioViewSchema,
  radioView,
} from "../../radio/radio-settings.js";

/*
 * The radio's own schemas (src/radio/radio-settings.ts) are the single source of the field set and its
 * checks; the API versions below only add what a published contract needs: their own `$id`s, closed
 * objects, a non-empty PATCH, descriptions and examples. Frequency segment, FLARM band, snapping and the
 * power cap are checked after the schema by `validateRadioSettings`.
 */

/** `GET /api/radio` (and the `PATCH /api/radio` response). */
export const RadioView = Type.Object(RadioViewSchema.properties, {
  $id: "RadioView",
  additionalProperties: false,
  description:
    "Radio settings with everything read-only the UI needs to explain them: the selectable SRD profiles " +
    "(frequency segment, duty-cycle limit, power cap, allowed modems), the frequency step, the FLARM " +
    "avoidance band and the duty cycle used over the rolling 3600 s window (1 s buckets).",
  examples: [radioView(DEFAULT_RADIO_SETTINGS, 2400)],
});
export type RadioView = Static<typeof RadioView>;

/** `PATCH /api/radio` body: the writable subset, at least one field; merged, then checked whole. */
export const RadioPatch = Type.Object(RadioSettingsPatchSchema.properties, {
  $id: "RadioPatch",
  additionalProperties: false,
  minProperties: 1,
  description:
    "Radio fields to change; the others keep their value. After merging, the frequency is snapped to " +
    "`frequency_hz_step` and must keep its occupied bandwidth inside the profile's segment and clear of the " +
    "FLARM avoidance band; the power must be within the profile's cap and the modem allowed by the profile.",
  examples: [{ frequency_hz: 869_500_000 }, { srd_profile_id: "eu868-h1.7", tx_power_dbm: 20 }],
});
export type RadioPatch = Static<typeof RadioPatch>;
