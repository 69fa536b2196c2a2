import type { TSchema } from "typebox";
import { ErrorEnvelope } from "../../core/api-error.js";
import { About } from "./about.js";
import { AircraftProfile, AircraftProfileInput, AircraftProfilePatch } from "./aircraft.js";
import { AircraftLive } from "./aircraft-live.js";
import { LaunchDetail, LaunchHistory } from "./history.js";
import { LogPage } from "./log.js";
import { ModeChange, ModeSetting } from "./mode.js";
import { MqttUpdate, MqttView } from "./mqtt.js";
import { LinkKeyInfo, PairingCode, WinchPairing, WinchPairingAdd, WinchPairingList } from "./pairing.js";
import { RadioPatch, RadioView } from "./radio.js";
import { RebootAccepted } from "./reboot.js";
import { SecurityState, SecurityUpdate } from "./security.js";
import { Status } from "./status.js";
import { WifiSettings, WifiUpdate } from "./wifi.js";
import { WinchState } from "./winch.js";

export * from "./about.js";
export * from "./aircraft.js";
export * from "./aircraft-live.js";
export * from "./common.js";
export * from "./history.js";
export * from "./log.js";
export * from "./mode.js";
export * from "./mqtt.js";
export * from "./pairing.js";
export * from "./radio.js";
export * from "./reboot.js";
export * from "./security.js";
export * from "./status.js";
export * from "./wifi.js";
export * from "./winch.js";

/**
 * Every schema with an `$id`, for `fastify.addSchema` (see `registerApiSchemas` in src/api/openapi.ts).
 * Routes then point at them with `ref()` so each appears once in the OpenAPI document's components.
 */
export const API_SCHEMAS: readonly TSchema[] = [
  ErrorEnvelope,
  ModeSetting,
  ModeChange,
  AircraftProfile,
  AircraftProfileInput,
  AircraftProfilePatch,
  AircraftLive,
  WinchState,
  LaunchHistory,
  LaunchDetail,
  RadioView,
  RadioPatch,
  WifiSettings,
  WifiUpdate,
  SecurityState,
  SecurityUpdate,
  About,
  Status,
  LogPage,
  RebootAccepted,
  LinkKeyInfo,
  PairingCode,
  WinchPairing,
  WinchPairingList,
  WinchPairingAdd,
  MqttView,
  MqttUpdate,
];
