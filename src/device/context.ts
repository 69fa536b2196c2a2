/*
 * What the device shows the API. The interfaces are the API's own (src/api/device-port.ts), so no route
 * imports src/device; the Device implements `DeviceContext` and its runtimes are `RuntimeView`s.
 */
export type {
  DeviceContext,
  DeviceIdentity,
  MemoryFigures,
  TlsFailureCounts,
} from "../api/device-port.js";
