import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { answerIfNotModified } from "../conditional.js";
import type { RuntimeSource } from "../device-port.js";
import type { EventStreams } from "../event-stream.js";
import { modeOnlyResponse, requireMode, winchRuntime } from "../mode-guard.js";
import { eventStreamResponse, NOT_MODIFIED_RESPONSE, STREAM_LIMIT_RESPONSE } from "../responses.js";
import { ref } from "../schema-ref.js";
import { WinchState } from "../schemas/winch.js";

export interface WinchRoutesOptions {
  device: RuntimeSource;
  /** The device's live streams (bounded together with the aircraft's). */
  streams: EventStreams;
}

/**
 * `/api/winch` (live telemetry, polled or streamed), winch mode only. The history is in `./history.ts`
 * (both modes).
 */
export const winchRoutes: FastifyPluginAsyncTypebox<WinchRoutesOptions> = async (
  app,
  { device, streams },
) => {
  const onRequest = requireMode(device, "winch");
  const notHere = modeOnlyResponse("winch");
  const tags = ["winch"];

  app.get(
    "/winch",
    {
      onRequest,
      schema: {
        summary: "The glider's telemetry as the winch receives it",
        description:
          "Poll with `If-None-Match`: the ETag changes with every decoded frame and every link-state change " +
          "(and with every restart of the receiver), so a poll that brings nothing new is a bodiless 304.",
        tags,
        response: { 200: ref(WinchState), ...NOT_MODIFIED_RESPONSE, ...notHere },
      },
    },
    async (request, reply) => {
      const { live } = winchRuntime(request);
      if (answerIfNotModified(request, reply, live.etag())) return reply;
      // The tag above was taken first: a frame between the two leaves the client a tag older than its
      // body, and it merely fetches once more.
      return live.current().doc;
    },
  );

  app.get(
    "/winch/stream",
    {
      onRequest,
      schema: {
        summary: "The glider's telemetry pushed as it arrives (server-sent events)",
        description:
          "The `/api/winch` document as an event stream: what a winch monitor shows at most one frame late, " +
          "instead of up to a poll interval. Without EventSource (or when this answers anything but a stream), " +
          "poll `/api/winch` at 2 Hz.",
        tags,
        response: { ...eventStreamResponse("`/api/winch`"), ...STREAM_LIMIT_RESPONSE, ...notHere },
      },
    },
    async (request, reply) => streams.serve(request, reply, winchRuntime(request).live),
  );
};
