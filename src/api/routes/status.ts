import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { DeviceContext, MemoryFigures, TlsFailureCounts } from "../device-port.js";
import { ref } from "../schema-ref.js";
import { Status } from "../schemas/status.js";

/** `GET /api/status`: memory, the session budget, TLS failures by class, the radio counters, the displays. */
export interface StatusRoutesOptions {
  budget: DeviceContext["budget"];
  memory: () => MemoryFigures;
  tlsFailures: () => TlsFailureCounts;
  /** The radio counters of whatever runtime runs now. */
  radio: () => Status["radio"];
  /** The displays' health (a bus error shows here, retried, never fatal). */
  displays: () => Status["displays"];
  runtime: () => Status["runtime"];
  /** The broker connection's state and counters. */
  mqtt: () => Status["mqtt"];
}

export const statusRoutes: FastifyPluginAsyncTypebox<StatusRoutesOptions> = async (
  app,
  { budget, memory, tlsFailures, radio, runtime, mqtt, displays },
) => {
  app.get(
    "/status",
    {
      schema: {
        summary: "Health figures: memory, sessions, TLS failures, radio, MQTT",
        tags: ["device"],
        response: { 200: ref(Status) },
      },
    },
    async (_request, reply): Promise<Status> => {
      reply.header("Cache-Control", "no-cache");
      const s = budget.stats();
      return {
        memory: memory(),
        sessions: {
          open: s.open,
          max: s.max,
          peak_open: s.peak_open,
          purged: s.purged,
          h2_open: s.h2_open,
          queued_now: s.queued_now,
          queued_total: s.queued_total,
          sliced: s.sliced,
          rejected: s.rejected,
          closed_for: s.closed_for,
        },
        tls_failures: tlsFailures(),
        radio: radio(),
        displays: displays(),
        runtime: runtime(),
        mqtt: mqtt(),
      };
    },
  );
};
