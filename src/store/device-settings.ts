import { type Static, Type } from "typebox";
import { MODES } from "../core/mode.js";
import { defineNamespace } from "../core/namespace-decl.js";

/**
 * The `device` namespace: the mode the unit runs in. Here rather than in src/device so the mode route
 * (src/api) reads and writes the same declaration the device starts from without importing the device.
 */
export const DeviceSettings = Type.Object({ mode: Type.Enum(MODES) }, { additionalProperties: false });
export type DeviceSettings = Static<typeof DeviceSettings>;
export const DEFAULT_DEVICE_SETTINGS: DeviceSettings = { mode: "winch" };

export const DEVICE_NAMESPACE = defineNamespace("device", DeviceSettings, DEFAULT_DEVICE_SETTINGS);
