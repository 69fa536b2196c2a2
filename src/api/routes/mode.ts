import type {} from "@fastify/swagger";
import type { FastifyRequest } from "fastify";
import type { DeviceContext } from "../../device/context.js";
import { DEFAULT_DEVICE_SETTINGS, DeviceSettings } from "../../device/device.js";
import type { AnyFastifyInstance } from "../fastify-instance.js";
import { restartInBackground } from "../restart-later.js";
import { ref } from "../schema-ref.js";
import { type ModeChange, ModeChange as ModeChangeSchema, ModeSetting } from "../schemas/mode.js";

/**
 * `GET`/`PUT /api/mode`. The mode lives in the device's `device` namespace; a change is stored, answered,
 * and only once the answer is on the wire does the device restart in place (a restart closes idle
 * sessions, which must not cut off the very response that announces it).
 */
export function registerModeRoutes(app: AnyFastifyInstance, ctx: DeviceContext): void {
  const stored = ctx.store.namespace("device", DeviceSettings, DEFAULT_DEVICE_SETTINGS);
  const restartAfter = new WeakSet<FastifyRequest>();

  app.get(
    "/api/mode",
    {
      schema: {
        summary: "The mode the device runs in",
        tags: ["device"],
        response: { 200: ref(ModeSetting) },
      },
    },
    async (): Promise<ModeSetting> => ({ mode: ctx.identity().mode }),
  );

  app.put<{ Body: ModeSetting }>(
    "/api/mode",
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
          restartInBackground(ctx, `mode set to ${request.body.mode} over the API`);
      },
    },
    async (request): Promise<ModeChange> => {
      const { mode } = request.body;
      await stored.set({ mode });
      // A restart already under way may be about to read an older mode: this write must get its own
      // (coalesced) restart, or the unit could end up running the mode that was overwritten.
      const restarting = mode !== ctx.identity().mode || ctx.restartPending();
      if (restarting) restartAfter.add(request);
      return { mode, restarting };
    },
  );
}
