import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Namespace } from "../../store/settings-store.js";
import { answerIfNotModified } from "../conditional.js";
import type { RuntimeSource } from "../device-port.js";
import type { EventStreams } from "../event-stream.js";
import { aircraftRuntime, modeOnlyResponse, requireMode } from "../mode-guard.js";
import { eventStreamResponse, NOT_MODIFIED_RESPONSE, STREAM_LIMIT_RESPONSE } from "../responses.js";
import { ref } from "../schema-ref.js";
import {
  AircraftProfile,
  AircraftProfileInput,
  AircraftProfilePatch,
  checkAircraftRules,
  normaliseProfile,
  type AircraftProfile as Profile,
} from "../schemas/aircraft.js";
import { AircraftLive } from "../schemas/aircraft-live.js";
import { rulesFailed, storeOrReject } from "../store-errors.js";

/**
 * `/api/aircraft` (profile) and `/api/aircraft/live`, aircraft mode only. The profile is written to the
 * `aircraft` namespace; the running aircraft follows it through the namespace's change listener, so a
 * saved profile reaches the transmitter and the simulator at once. A refused write stores nothing.
 */
export interface AircraftRoutesOptions {
  /** The `aircraft` namespace (AIRCRAFT_NAMESPACE). */
  profile: Namespace<Profile>;
  device: RuntimeSource;
  /** The device's live streams (bounded together with the winch's). */
  streams: EventStreams;
}

export const aircraftRoutes: FastifyPluginAsyncTypebox<AircraftRoutesOptions> = async (
  app,
  { profile, device, streams },
) => {
  const onRequest = requireMode(device, "aircraft");
  const notHere = modeOnlyResponse("aircraft");
  const tags = ["aircraft"];

  app.get(
    "/aircraft",
    {
      onRequest,
      schema: {
        summary: "The aircraft profile",
        tags,
        response: { 200: ref(AircraftProfile), ...notHere },
      },
    },
    async (): Promise<Profile> => profile.get(),
  );

  app.put<{ Body: AircraftProfileInput }>(
    "/aircraft",
    {
      onRequest,
      schema: {
        summary: "Replace the aircraft profile",
        description: "Every field is required. The new profile applies to the running aircraft at once.",
        tags,
        body: ref(AircraftProfileInput),
        response: { 200: ref(AircraftProfile), ...notHere },
      },
    },
    async (request): Promise<Profile> => {
      // Trimmed and upper-cased before the rules, so what is stored is what every reader sees.
      const body = normaliseProfile(request.body);
      const problems = checkAircraftRules(body);
      if (problems.length > 0) throw rulesFailed(problems, "aircraft profile");
      return storeOrReject(() => profile.set(body), "aircraft profile");
    },
  );

  app.patch<{ Body: AircraftProfilePatch }>(
    "/aircraft",
    {
      onRequest,
      schema: {
        summary: "Change some fields of the aircraft profile",
        description:
          "Merged into the stored profile; the merged profile must pass the rules. Applies to the running aircraft at once.",
        tags,
        body: ref(AircraftProfilePatch),
        response: { 200: ref(AircraftProfile), ...notHere },
      },
    },
    async (request): Promise<Profile> => {
      const patch = normaliseProfile(request.body);
      // Merged inside the namespace's queue, so two PATCHes in flight never lose each other's fields.
      return storeOrReject(
        () =>
          profile.update((current) => {
            const merged: Profile = { ...current, ...patch };
            const problems = checkAircraftRules(merged, Object.keys(patch));
            if (problems.length > 0) throw rulesFailed(problems, "aircraft profile");
            return merged;
          }),
        "aircraft profile",
      );
    },
  );

  app.get(
    "/aircraft/live",
    {
      onRequest,
      schema: {
        summary: "Live airspeed, flight phase, sensor and transmit state",
        description:
          "Poll at up to 2 Hz with `If-None-Match`: the ETag covers IAS at 0.1, phase, landed flag, landing-hold " +
          "seconds, sensor health and transmit state, so an unchanged state costs a bodiless 304.",
        tags,
        response: { 200: ref(AircraftLive), ...NOT_MODIFIED_RESPONSE, ...notHere },
      },
    },
    async (request, reply) => {
      const { doc, etag } = aircraftRuntime(request).live.current();
      if (answerIfNotModified(request, reply, etag)) return reply;
      return doc satisfies AircraftLive;
    },
  );

  app.get(
    "/aircraft/live/stream",
    {
      onRequest,
      schema: {
        summary:
          "Live airspeed, flight phase, sensor and transmit state, pushed as they change (server-sent events)",
        description:
          "The `/api/aircraft/live` document as an event stream, one event per change of its ETag. Without " +
          "EventSource (or when this answers anything but a stream), poll `/api/aircraft/live` at 2 Hz.",
        tags,
        response: { ...eventStreamResponse("`/api/aircraft/live`"), ...STREAM_LIMIT_RESPONSE, ...notHere },
      },
    },
    async (request, reply) => streams.serve(request, reply, aircraftRuntime(request).live),
  );
};
