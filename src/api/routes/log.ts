import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { answerIfNotModified, logEtag } from "../conditional.js";
import type { LogSource } from "../device-port.js";
import { NOT_MODIFIED_RESPONSE } from "../responses.js";
import { ref } from "../schema-ref.js";
import { LogPage, LogQuery } from "../schemas/log.js";

/** `GET /api/log?after=<seq>`: the RAM log's lines after `seq`, with a 304 when nothing is new. */
export interface LogRoutesOptions {
  ring: LogSource;
}

export const logRoutes: FastifyPluginAsyncTypebox<LogRoutesOptions> = async (app, { ring }) => {
  app.get<{ Querystring: LogQuery }>(
    "/log",
    {
      schema: {
        summary: "Recent device log lines",
        description:
          "Ask with the newest `seq` you hold as `after` to get only what is new; `dropped` counts lines you " +
          "missed because the ring overwrote them. ETag = newest seq, so polling with `If-None-Match` costs a " +
          "bodiless 304 while nothing is logged.",
        tags: ["device"],
        querystring: LogQuery,
        response: { 200: ref(LogPage), ...NOT_MODIFIED_RESPONSE },
      },
    },
    async (request, reply): Promise<LogPage | typeof reply> => {
      const after = request.query.after ?? 0;
      const { lines, dropped } = ring.after(after);
      // The newest seq is read with the lines: a line logged after this point belongs to the next page.
      const newest_seq = lines.at(-1)?.seq ?? ring.newestSeq;
      const page: LogPage = { lines, newest_seq, dropped };
      if (answerIfNotModified(request, reply, logEtag(page, after))) return reply;
      return page;
    },
  );
};
