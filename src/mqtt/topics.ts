/** The unit's topics: `<prefix>/<esp_id>/<what>`. One place, so publisher, discovery and tests agree. */
export interface UnitTopics {
  /** `online` / `offline`, retained; the will. */
  status: string;
  /** The `/api/winch` document (winch mode), not retained, with a message expiry. */
  winch: string;
  /** The last completed launch, QoS 1, retained. */
  launch: string;
  /** The `/api/aircraft/live` document (aircraft mode). */
  aircraftLive: string;
  /** About/status essentials, retained. */
  device: string;
}

export function unitTopics(prefix: string, espId: string): UnitTopics {
  const base = `${prefix}/${espId}`;
  return {
    status: `${base}/status`,
    winch: `${base}/winch`,
    launch: `${base}/launch`,
    aircraftLive: `${base}/aircraft/live`,
    device: `${base}/device`,
  };
}
