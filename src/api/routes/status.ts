import type {} from "@fastify/swagger";
import type { DeviceContext } from "../../device/context.js";
import type { AnyFastifyInstance } from "../fastify-instance.js";
import { ref } from "../schema-ref.js";
import { Status } from "../schemas/status.js";

/** `GET /api/status`: memory, the session budget, TLS failures by class and the radio counters. */
export function registerStatusRoutes(
  app: AnyFastifyInstance,
  ctx: DeviceContext,
  radio: () => Status["radio"],
  mqtt: () => Status["mqtt"],
): void {
  app.get(
    "/api/status",
    {
      schema: {
        summary: "Health figures: memory, sessions, TLS failures, radio, MQTT",
        tags: ["device"],
        response: { 200: ref(Status) },
      },
    },
    async (_request, reply): Promise<Status> => {
      reply.header("Cache-Control", "no-cache");
      const s = ctx.budget.stats();
      return {
        memory: ctx.memory(),
        sessions: {
          open: s.open,
          max: s.max,
          peak_open: s.peak_open,
          purged: s.purged,
          queued: s.queued_total,
          rejected: s.rejected,
        },
        tls_failures: ctx.tlsFailures(),
        radio: radio(),
        mqtt: mqtt(),
      };
    },
  );
}
