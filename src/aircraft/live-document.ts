import type { AircraftSnapshot, AircraftState } from "./aircraft-state.js";
import type { TransmitStatus, Transmitter } from "./transmitter.js";

/** The `/api/aircraft/live` document. */
export type AircraftLiveDocument = AircraftSnapshot & { tx: TransmitStatus };

/**
 * The one place the live document is assembled: the API route and the MQTT publisher both call this,
 * so what a dashboard on the broker sees is exactly what the unit's own page shows.
 */
export function aircraftLiveDocument(
  state: Pick<AircraftState, "snapshot">,
  transmitter: Pick<Transmitter, "status">,
): AircraftLiveDocument {
  return { ...state.snapshot(), tx: transmitter.status() };
}
