/*
 * The API's own types, shared with the server (src/api/schemas is Node-free for this). Type-only:
 * nothing of TypeBox reaches the bundle.
 */

export type {
  About,
  AircraftLive,
  AircraftProfile,
  AircraftProfilePatch,
  DeviceMode,
  FieldProblem,
  Launch,
  LaunchDetail,
  LaunchHistory,
  LinkKeyInfo,
  LogPage,
  ModeChange,
  ModeSetting,
  MqttStatus,
  MqttUpdate,
  MqttView,
  PairingCode,
  RadioPatch,
  RadioView,
  SecurityState,
  SecurityUpdate,
  Status,
  WifiSettings,
  WifiUpdate,
  WinchPairing,
  WinchPairingList,
  WinchState,
  WinchTelemetry,
} from "../../../src/api/schemas/index.js";
export type { ErrorEnvelope } from "../../../src/core/api-error.js";
export type { SpeedUnit } from "../../../src/core/units.js";

export type LogLine = import("../../../src/api/schemas/index.js").LogPage["lines"][number];
export type SrdProfile = import("../../../src/api/schemas/index.js").RadioView["srd_profiles"][number];
export type FlightPhase = import("../../../src/api/schemas/index.js").AircraftLive["flight_phase"];
