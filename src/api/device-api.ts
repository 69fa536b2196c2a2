/**
 * API: the REST API v1 (SPEC §3) — routes as Fastify plugins with narrow options, their schemas
 * (`schemas/`: `$id`, descriptions and examples over the domain's own), auth and OpenAPI. It sees the
 * device only through the interfaces of `device-port.ts`; it may import layers 0–3, never src/device.
 */
import { AIRCRAFT_NAMESPACE } from "../aircraft/profile.js";
import { MQTT_NAMESPACE } from "../mqtt/settings.js";
import { RADIO_NAMESPACE } from "../radio/radio-settings.js";
import { radioStatus } from "../radio/radio-status.js";
import { DEVICE_NAMESPACE } from "../store/device-settings.js";
import { openNamespace } from "../store/open-namespace.js";
import { ApiAuth, type ApiAuthOptions, registerApiAuth } from "./auth.js";
import type { DeviceContext } from "./device-port.js";
import { createEventStreams, type EventStreamOptions } from "./event-stream.js";
import { decorateRuntimePin } from "./mode-guard.js";
import { registerOpenApi } from "./openapi.js";
import { settingsPasswordStore } from "./password-store.js";
import { aboutRoutes } from "./routes/about.js";
import { aircraftRoutes } from "./routes/aircraft.js";
import { historyRoutes } from "./routes/history.js";
import { logRoutes } from "./routes/log.js";
import { modeRoutes } from "./routes/mode.js";
import { mqttRoutes, mqttStatus } from "./routes/mqtt.js";
import { pairingRoutes } from "./routes/pairing.js";
import { radioRoutes } from "./routes/radio.js";
import { rebootRoutes } from "./routes/reboot.js";
import { securityRoutes } from "./routes/security.js";
import { statusRoutes } from "./routes/status.js";
import { wifiRoutes } from "./routes/wifi.js";
import { winchRoutes } from "./routes/winch.js";
import type { Status } from "./schemas/status.js";
import type { ApiPlugin, WebApp } from "./web-app.js";
import { wifiSettings } from "./wifi-settings.js";

/*
 * The REST API v1 (SPEC §3). What it may import: src/web, the domain folders below it and src/core,
 * never src/device; what it needs of the device is declared in ./device-port.ts.
 */

export interface DeviceApiOptions {
  /**
   * Backoff and scrypt tuning for the API password (tests loosen the backoff and cheapen scrypt).
   * @default {} (ApiAuth's defaults: FailureBackoff's, DEFAULT_SCRYPT_PARAMS, `Date.now`)
   */
  auth?: Pick<ApiAuthOptions, "backoff" | "scrypt" | "wallClock">;
  /**
   * Bounds and timing of the live event streams (tests shorten the heartbeat and the stall limit).
   * @default {} (DEFAULT_EVENT_STREAM_OPTIONS)
   */
  streams?: EventStreamOptions;
}

export interface ApiOptions {
  /** The version the OpenAPI document names. */
  version: string;
  auth: ApiAuth;
  /**
   * The resource routes, registered under `/api` after `/api/security` (omitted: security only).
   * @default undefined (only `/api/security`)
   */
  routes?: ApiPlugin;
}

/**
 * The one way the API goes onto an app, for the device and for tests alike: the OpenAPI document
 * first (it learns the routes as they are added), the auth guard, then one `/api`-prefixed plugin
 * holding `/api/security` and `routes`. Call after the web shell's own hooks and before `listen`.
 */
export async function registerApi(app: WebApp, opts: ApiOptions): Promise<void> {
  await registerOpenApi(app, { version: opts.version });
  registerApiAuth(app, opts.auth);
  await app.register(
    async (api) => {
      decorateRuntimePin(api);
      await api.register(securityRoutes, { auth: opts.auth });
      if (opts.routes) await api.register(opts.routes);
    },
    { prefix: "/api" },
  );
}

const NO_RADIO: Status["radio"] = {
  sent: 0,
  received: 0,
  lost: 0,
  bad_frames: 0,
  rejected: { bad_mac: 0, replay: 0, unknown_key: 0, unpaired: 0 },
  duty_blocked: 0,
  duty_used_ppm: 0,
};

/** `/api/status`'s radio figures, from whatever runtime runs now (zeros while none does). */
function currentRadioStatus(device: DeviceContext): Status["radio"] {
  const runtime = device.runtime();
  if (!runtime) return NO_RADIO;
  return radioStatus(runtime.radio, runtime.mode === "winch" ? runtime.receiver : null);
}

/**
 * The device's resource routes, each given only what it reads. Every route of both modes is registered
 * and mode-only routes answer their 404 token in the other mode, because the runtime changes in place
 * under routes that stay.
 */
function deviceRoutes(device: DeviceContext, streamOptions: EventStreamOptions = {}): ApiPlugin {
  return async (api) => {
    const { store } = device;
    // One set of streams for both modes' routes, so the bounds hold over both.
    const streams = createEventStreams({
      yieldSocket: (socket) => device.budget.shouldClose(socket),
      ...streamOptions,
    });
    await api.register(aboutRoutes, { device });
    await api.register(statusRoutes, {
      budget: device.budget,
      memory: () => device.memory(),
      tlsFailures: () => device.tlsFailures(),
      radio: () => currentRadioStatus(device),
      displays: () => device.displays(),
      runtime: () => ({ running: device.runtime() !== null, problem: device.runtimeProblem() }),
      mqtt: () => mqttStatus(device.mqtt),
    });
    await api.register(modeRoutes, {
      settings: openNamespace(store, DEVICE_NAMESPACE),
      device,
      restarter: device,
    });
    await api.register(rebootRoutes, { restarter: device });
    await api.register(aircraftRoutes, {
      profile: openNamespace(store, AIRCRAFT_NAMESPACE),
      device,
      streams,
    });
    await api.register(winchRoutes, { device, streams });
    await api.register(historyRoutes, { device });
    await api.register(pairingRoutes, { profile: openNamespace(store, AIRCRAFT_NAMESPACE), device });
    await api.register(radioRoutes, {
      settings: openNamespace(store, RADIO_NAMESPACE),
      radio: () => device.runtime()?.radio,
    });
    await api.register(wifiRoutes, { settings: wifiSettings(store, device.identity().hostname) });
    await api.register(logRoutes, { ring: device.ring });
    await api.register(mqttRoutes, { settings: openNamespace(store, MQTT_NAMESPACE), service: device.mqtt });
  };
}

/**
 * The whole API on the device's root app, once per process. The API password (one ApiAuth for the
 * life of the process) lives in the `security` namespace.
 */
export async function registerDeviceApi(
  app: WebApp,
  device: DeviceContext,
  opts: DeviceApiOptions = {},
): Promise<void> {
  const auth = new ApiAuth({
    ...opts.auth,
    store: settingsPasswordStore(device.store),
    logger: device.logger,
  });
  await registerApi(app, { version: device.build.version, auth, routes: deviceRoutes(device, opts.streams) });
}
