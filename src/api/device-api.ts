import type { DeviceContext } from "../device/context.js";
import { mqttSettings } from "../mqtt/settings.js";
import { radioStatus } from "../radio/radio-status.js";
import { ApiAuth, type ApiAuthOptions, registerApiAuth } from "./auth.js";
import type { AnyFastifyInstance } from "./fastify-instance.js";
import { registerOpenApi } from "./openapi.js";
import { settingsPasswordStore } from "./password-store.js";
import { registerAboutRoutes } from "./routes/about.js";
import { registerAircraftRoutes } from "./routes/aircraft.js";
import { registerLogRoutes } from "./routes/log.js";
import { registerModeRoutes } from "./routes/mode.js";
import { mqttStatus, registerMqttRoutes } from "./routes/mqtt.js";
import { registerRadioRoutes } from "./routes/radio.js";
import { registerRebootRoutes } from "./routes/reboot.js";
import { registerSecurityRoutes } from "./routes/security.js";
import { registerStatusRoutes } from "./routes/status.js";
import { registerWifiRoutes } from "./routes/wifi.js";
import { registerWinchRoutes } from "./routes/winch.js";
import type { Status } from "./schemas/status.js";

export interface DeviceApiOptions {
  /** Backoff and scrypt tuning for the API password (tests loosen the backoff and cheapen scrypt). */
  auth?: Pick<ApiAuthOptions, "backoff" | "scrypt" | "wallClock">;
}

const NO_RADIO: Status["radio"] = {
  sent: 0,
  received: 0,
  lost: 0,
  bad_frames: 0,
  duty_blocked: 0,
  duty_used_ppm: 0,
};

/** `/api/status`'s radio figures, from whatever runtime runs now (zeros while none does). */
function currentRadioStatus(ctx: DeviceContext): Status["radio"] {
  const runtime = ctx.runtime();
  if (!runtime) return NO_RADIO;
  return radioStatus(runtime.radio, runtime.mode === "winch" ? runtime.receiver : null);
}

/**
 * The whole REST API v1 (SPEC §3) on the device's root app, once per process: every route of both
 * modes is registered and mode-only routes answer their 404 token in the other mode, because the
 * runtime changes in place under routes that stay. Call after the shell's own hooks and before
 * `listen`. The API password (one ApiAuth for the life of the process) lives in the `security` namespace.
 */
export async function registerDeviceApi(
  app: AnyFastifyInstance,
  ctx: DeviceContext,
  opts: DeviceApiOptions = {},
): Promise<void> {
  // First: the OpenAPI document learns the routes as they are added.
  await registerOpenApi(app, { version: ctx.build.version });
  const auth = new ApiAuth({ ...opts.auth, store: settingsPasswordStore(ctx.store), logger: ctx.logger });
  registerApiAuth(app, auth);
  registerSecurityRoutes(app, auth);
  registerAboutRoutes(app, ctx);
  registerStatusRoutes(
    app,
    ctx,
    () => currentRadioStatus(ctx),
    () => mqttStatus(ctx.mqtt),
  );
  registerModeRoutes(app, ctx);
  registerRebootRoutes(app, ctx);
  registerAircraftRoutes(app, ctx);
  registerWinchRoutes(app, ctx);
  registerRadioRoutes(app, ctx);
  registerWifiRoutes(app, ctx);
  registerLogRoutes(app, ctx);
  registerMqttRoutes(app, { settings: mqttSettings(ctx.store), service: ctx.mqtt });
}
