import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { answerIfNotModified } from "../conditional.js";
import type { RuntimeSource } from "../device-port.js";
import { modeOnlyResponse, requireMode, winchRuntime } from "../mode-guard.js";
import { NOT_MODIFIED_RESPONSE } from "../responses.js";
import { ref } from "../schema-ref.js";
import { LaunchHistory } from "../schemas/history.js";
import { WinchState } from "../schemas/winch.js";

/** `/api/winch` (live telemetry) and `/api/history` (recorded launches), winch mode only. */
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
      const { receiver } = winchRuntime(request);
      // Tag before body: if the link changes between the two, the client holds an older tag than its
      // body and merely fetches once more, instead of holding a tag that hides a change.
      const etag = receiver.etag();
      if (answerIfNotModified(request, reply, etag)) return reply;
      return receiver.snapshot();
    },
  );

  app.get(
    "/history",
    {
      onRequest,
      schema: {
        summary: "Recorded launches",
        tags,
        response: { 200: ref(LaunchHistory), ...notHere },
      },
    },
    async (request): Promise<LaunchHistory> => ({ launches: winchRuntime(request).history.launches() }),
  );

  app.delete(
    "/history",
    {
      onRequest,
      schema: {
        summary: "Delete every recorded launch",
        tags,
        response: { 204: Type.Null({ description: "The history is empty now." }), ...notHere },
      },
    },
    async (request, reply) => {
      await winchRuntime(request).history.clear();
      return reply.code(204).send(null);
    },
  );
};
