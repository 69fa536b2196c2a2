import { dirname, join } from "node:path";
import { AircraftState } from "../aircraft/aircraft-state.js";
import { BaroClimbSource } from "../aircraft/baro-climb.js";
import { type AircraftLiveDocument, aircraftLiveFeed } from "../aircraft/live-document.js";
import { followAircraft } from "../aircraft/own-launches.js";
import { AIRCRAFT_NAMESPACE, type AircraftProfile } from "../aircraft/profile.js";
import {
  type TelemetryInput,
  Transmitter,
  type TransmitterSettings,
  telemetryInputFromAircraftState,
} from "../aircraft/transmitter.js";
import { liveEtag } from "../api/conditional.js";
import type { LiveFeed } from "../core/live-feed.js";
import type { Logger } from "../core/logger.js";
import type { NamespaceDecl } from "../core/namespace-decl.js";
import type { RadioLink } from "../radio/link.js";
import { RadioService } from "../radio/radio-service.js";
import { RADIO_NAMESPACE } from "../radio/radio-settings.js";
import { type BaroSettings, createPressureSource, DEFAULT_BARO_KIND } from "../sensors/create-baro-source.js";
import { createIasSource, type IasSourceSettings } from "../sensors/create-source.js";
import { openNamespace } from "../store/open-namespace.js";
import type { Namespace, SettingsStore } from "../store/settings-store.js";
import { type LinkKeyHolder, openEpochCounter, openLinkKey } from "../telemetry/link-key-store.js";
import { HISTORY_NAMESPACE, LaunchHistory } from "../winch/history.js";
import { OWN_LAUNCHES_NAMESPACE, TRACE_DIRS } from "../winch/launch.js";
import { type WinchDocument, winchLiveFeed } from "../winch/live-feed.js";
import { PAIRINGS_NAMESPACE, PairingBook } from "../winch/pairings.js";
import { WinchReceiver } from "../winch/receiver.js";
import type { Mode } from "./identity.js";

/** Where each part of the runtime keeps its settings (declared beside the code they configure). */
const aircraftSettings = (store: SettingsStore): Namespace<AircraftProfile> =>
  openNamespace(store, AIRCRAFT_NAMESPACE);
const radioSettings = (store: SettingsStore) => openNamespace(store, RADIO_NAMESPACE);

/** The launch history of one mode: summaries in the settings store, traces in a directory beside it. */
function openHistory(
  env: RuntimeEnvironment,
  decl: NamespaceDecl<typeof HISTORY_NAMESPACE.schema>,
  source: "winch" | "aircraft",
): Promise<LaunchHistory> {
  const stored = openNamespace(env.store, decl);
  return LaunchHistory.open({
    logger: env.logger,
    source,
    traceDir: join(dirname(env.store.dir), TRACE_DIRS[decl.name as keyof typeof TRACE_DIRS]),
    store: {
      load: () => stored.get().launches,
      save: async (launches) => {
        await stored.set({ launches });
      },
    },
  });
}

export interface RuntimeEnvironment {
  store: SettingsStore;
  logger: Logger;
  /** The radio this device uses (a SimMedium attachment, UDP, …), made fresh on every (re)start. */
  radioLink(mode: Mode): RadioLink | Promise<RadioLink>;
  /** The aircraft's airspeed source (default: the simulator). */
  sensor?: IasSourceSettings;
  /** The aircraft's static-pressure sensor for the climb rate (default: none). */
  baro?: BaroSettings;
  /**
   * The clock the airspeed source runs on, in ms (default `performance.now`). Tests that compress a
   * flight in time step it per reading, so a late timer on a loaded machine slows the flight instead of
   * skipping its samples.
   */
  sensorClock?: () => number;
  /** Transmit rate and full-frame interval (defaults are the documented ones). */
  transmitter?: TransmitterSettings;
}

interface RuntimeBase {
  readonly radio: RadioService;
  stop(): Promise<void>;
}

/** Aircraft: IAS source → flight phase → transmitter → radio. */
export interface AircraftRuntime extends RuntimeBase {
  readonly mode: "aircraft";
  readonly state: AircraftState;
  readonly transmitter: Transmitter;
  readonly profile: Namespace<AircraftProfile>;
  /** The unit's link key (frames are signed with it; the pairing code comes from it). */
  readonly linkKey: LinkKeyHolder;
  /** The `/api/aircraft/live` document for every reader (route, streams, MQTT, displays); ends on stop. */
  readonly live: LiveFeed<AircraftLiveDocument>;
  /** The unit's own launches, at full sensor rate. */
  readonly history: LaunchHistory;
}

/** Winch: radio → receiver (zone, link state) → launch history. */
export interface WinchRuntime extends RuntimeBase {
  readonly mode: "winch";
  readonly receiver: WinchReceiver;
  readonly history: LaunchHistory;
  /** The aircraft units this winch trusts. */
  readonly pairings: PairingBook;
  /** The `/api/winch` document for every reader (route, streams, MQTT, displays); ends on stop. */
  readonly live: LiveFeed<WinchDocument>;
}

export type ModeRuntime = AircraftRuntime | WinchRuntime;

async function startRadio(mode: Mode, env: RuntimeEnvironment): Promise<RadioService> {
  const stored = radioSettings(env.store);
  return new RadioService({
    link: await env.radioLink(mode),
    logger: env.logger,
    settings: stored.get(),
    persist: async (s) => {
      await stored.set(s);
    },
  });
}

/** Starts the runtime of `mode` from stored settings. Everything it starts, `stop()` stops. */
export async function startModeRuntime(mode: Mode, env: RuntimeEnvironment): Promise<ModeRuntime> {
  const radio = await startRadio(mode, env);
  try {
    return mode === "aircraft" ? await startAircraft(radio, env) : await startWinch(radio, env);
  } catch (err) {
    await radio.close();
    throw err;
  }
}

async function startAircraft(radio: RadioService, env: RuntimeEnvironment): Promise<AircraftRuntime> {
  const profile = aircraftSettings(env.store);
  const source = createIasSource(env.sensor ?? { kind: "sim" }, {
    profile: profile.get(),
    logger: env.logger,
    ...(env.sensorClock ? { now: env.sensorClock } : {}),
  });
  const pressure = createPressureSource(env.baro ?? { kind: DEFAULT_BARO_KIND }, {
    ias: source,
    logger: env.logger,
  });
  const climb = pressure ? new BaroClimbSource({ source: pressure, logger: env.logger }) : undefined;
  const state = new AircraftState({
    source,
    profile: profile.get(),
    logger: env.logger,
    ...(climb ? { climb } : {}),
  });
  const input: TelemetryInput & { close(): void } = telemetryInputFromAircraftState(state);
  // Made on the first start in aircraft mode; each start takes the next epoch before any frame goes out.
  const linkKey = await openLinkKey(env.store, env.logger);
  const epochs = await openEpochCounter(env.store);
  const transmitter = new Transmitter({
    radio,
    input,
    logger: env.logger,
    ...env.transmitter,
    auth: { key: () => linkKey.current(), epoch: () => epochs.current(), nextEpoch: () => epochs.next() },
  });
  // A saved profile reaches the running aircraft at once (the simulator re-derives its launches).
  const unsubscribe = profile.onChange((p) => state.setProfile(p));
  const history = await openHistory(env, OWN_LAUNCHES_NAMESPACE, "aircraft");
  const unfollow = followAircraft(state, history);
  await state.start();
  transmitter.start();
  const live = aircraftLiveFeed(state, transmitter, liveEtag);
  return {
    mode: "aircraft",
    radio,
    state,
    transmitter,
    profile,
    linkKey,
    live,
    history,
    async stop() {
      // First: every stream of this runtime ends now, and its client reconnects to what comes next.
      live.end();
      unsubscribe();
      transmitter.stop();
      input.close();
      await state.stop();
      unfollow();
      history.finish();
      await history.flush();
      await radio.close();
    },
  };
}

async function startWinch(radio: RadioService, env: RuntimeEnvironment): Promise<WinchRuntime> {
  const pairings = new PairingBook({ ns: openNamespace(env.store, PAIRINGS_NAMESPACE), logger: env.logger });
  const receiver = new WinchReceiver({ logger: env.logger, pairings });
  const history = await openHistory(env, HISTORY_NAMESPACE, "winch");
  const detach = receiver.attach(radio);
  const unfollow = history.follow(receiver);
  receiver.start();
  const live = winchLiveFeed(receiver, () => history.progress());
  return {
    mode: "winch",
    radio,
    receiver,
    history,
    pairings,
    live,
    async stop() {
      live.end();
      receiver.stop();
      detach();
      unfollow();
      history.finish();
      await history.flush();
      await pairings.flush();
      await radio.close();
    },
  };
}
