import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Restarter } from "../device-port.js";
import { restartInBackground } from "../restart-later.js";
import { ref } from "../schema-ref.js";
import { RebootAccepted } from "../schemas/reboot.js";

/** `POST /api/reboot`: 202, and once that answer is sent, the in-place restart from stored settings. */
export interface RebootRoutesOptions {
  restarter: Restarter;
}

export const rebootRoutes: FastifyPluginAsyncTypebox<RebootRoutesOptions> = async (app, { restarter }) => {
  app.post(
    "/reboot",
    {
      schema: {
        summary: "Restart the device's runtime",
        description:
          "Answers 202, then restarts the runtime in place from the stored settings (mode, aircraft profile, " +
          "radio). The ports stay bound; requests arriving during the restart wait for it.",
        tags: ["device"],
        response: { 202: ref(RebootAccepted) },
      },
      onResponse: async (_request, reply) => {
        if (reply.statusCode === 202) restartInBackground(restarter, "reboot requested over the API");
      },
    },
    async (_request, reply): Promise<RebootAccepted> => {
      reply.code(202);
      return { restarting: true };
    },
  );
};
