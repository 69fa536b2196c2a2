import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import type { DeviceSettings } from "../../store/device-settings.js";
import type { Namespace } from "../../store/settings-store.js";
import type { Restarter, RuntimeSource } from "../device-port.js";
import { restartInBackground } from "../restart-later.js";
import { ref } from "../schema-ref.js";
import { type ModeChange, ModeChange as ModeChangeSchema, ModeSetting } from "../schemas/mode.js";

/**
 * `GET`/`PUT /api/mode`. The mode lives in the device's `device` namespace; a change is stored, answered,
 * and only once the answer is on the wire does the device restart in place (a restart closes idle
 * sessions, which must not cut off the very response that announces it).
 */
export interface ModeRoutesOptions {
  /** The `device` namespace, where the mode is stored. */
  settings: Namespace<DeviceSettings>;
  device: Pick<RuntimeSource, "identity">;
  restarter: Restarter;
}

export const modeRoutes: FastifyPluginAsyncTypebox<ModeRoutesOptions> = async (
  app,
  { settings: stored, device, restarter },
) => {
  const restartAfter = new WeakSet<FastifyRequest>();

  app.get(
    "/mode",
    {
      schema: {
        summary: "The mode the device runs in",
        tags: ["device"],
        response: { 200: ref(ModeSetting) },
      },
    },
    async (): Promise<ModeSetting> => ({ mode: device.identity().mode }),
  );

  app.put<{ Body: ModeSetting }>(
    "/mode",
    {
      schema: {
        summary: "Change the mode",
        description:
          "Stores the mode. When it differs from the running mode the answer says `restarting: true` and the " +
          "runtime then restarts in place: the mode's routes answer, the mDNS host name and certificate follow " +
          "(`OWTS-<mode>-<esp_id>.local`), idle sessions are closed. Requests arriving meanwhile wait for the " +
          "restart rather than meet a half-started device. The same mode again changes nothing.",
        tags: ["device"],
        body: ref(ModeSetting),
        response: { 200: ref(ModeChangeSchema) },
      },
      onResponse: async (request) => {
        if (restartAfter.has(request))
          restartInBackground(restarter, `mode set to ${request.body.mode} over the API`);
      },
    },
    async (request): Promise<ModeChange> => {
      const { mode } = request.body;
      await stored.set({ mode });
      // A restart already under way may be about to read an older mode: this write must get its own
      // (coalesced) restart, or the unit could end up running the mode that was overwritten.
      const restarting = mode !== device.identity().mode || restarter.restartPending();
      if (restarting) restartAfter.add(request);
      return { mode, restarting };
    },
  );
};
