import type {
  AircraftContent,
  StartContent,
  WinchLive,
  WinchNoSignal,
  WinchStale,
} from "../../src/display/content.js";

/** The key states every display is tested (and rendered) in. */
export const BAND = { v_min: 90, v_opt: 105, v_max: 130 };

export const live = (ias: number, zone: WinchLive["zone"], rx = true): WinchLive => ({
  kind: "winch",
  link: "ok",
  ias,
  unit: "kmh",
  zone,
  band: BAND,
  registration: "D-1234",
  rssi_dbm: -87,
  rx,
});

export const STALE: WinchStale = {
  kind: "winch",
  link: "stale",
  registration: "D-1234",
  last_ias: 104,
  unit: "kmh",
  age_s: 3,
};

export const NO_SIGNAL: WinchNoSignal = {
  kind: "winch",
  link: "no_signal",
  hostname: "owts-winch.local",
  address: "192.168.4.1",
};

export const START: StartContent = {
  kind: "start",
  hostname: "owts-winch.local",
  address: "192.168.4.1",
  fingerprint: "3F:A2:9C:01:7E:D4",
};

export const aircraft = (over: Partial<AircraftContent> = {}): AircraftContent => ({
  kind: "aircraft",
  phase: "airborne",
  ias: 112.4,
  unit: "kmh",
  sensor: "ok",
  tx: "sending",
  landing_hold_s: 0,
  landing_hold_total_s: 30,
  ...over,
});

export const SCREENS = {
  "winch-below": live(82, "below"),
  "winch-inside": live(104, "inside"),
  "winch-above": live(137, "above"),
  "winch-stale": STALE,
  "winch-no-signal": NO_SIGNAL,
  start: START,
  "aircraft-landed": aircraft({ phase: "landed", ias: 0, tx: "idle" }),
  "aircraft-airborne": aircraft(),
  "aircraft-landing-hold": aircraft({ phase: "landing_hold", ias: 58, landing_hold_s: 12 }),
  "aircraft-sensor-fault": aircraft({ ias: null, sensor: "fault", tx: "idle" }),
} as const;
