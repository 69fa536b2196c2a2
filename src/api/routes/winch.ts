import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { answerIfNotModified } from "../conditional.js";
import type { RuntimeSource } from "../device-port.js";
import { modeOnlyResponse, requireMode, winchRuntime } from "../mode-guard.js";
import { NOT_MODIFIED_RESPONSE } from "../responses.js";
import { ref } from "../schema-ref.js";
import { WinchState } from "../schemas/winch.js";

/** `/api/winch` (live telemetry), winch mode only. The history is in `./history.ts` (both modes). */
export interface WinchRoutesOptions {
  device: RuntimeSource;
}

export const winchRoutes: FastifyPluginAsyncTypebox<WinchRoutesOptions> = async (app, { device }) => {
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
      const { receiver, history } = winchRuntime(request);
      // Tag before body: if the link changes between the two, the client holds an older tag than its
      // body and merely fetches once more, instead of holding a tag that hides a change.
      const etag = receiver.etag();
      if (answerIfNotModified(request, reply, etag)) return reply;
      return { ...receiver.snapshot(), launch: history.progress() };
    },
  );
};
