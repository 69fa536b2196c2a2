import { Readable } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { ApiError } from "../../core/api-error.js";
import { LAUNCH_ID_PATTERN } from "../../winch/launch.js";
import { eventLine, headerLines, pointLine } from "../../winch/launch-trace.js";
import { answerIfNotModified, contentEtag } from "../conditional.js";
import type { HistoryView, RuntimeSource } from "../device-port.js";
import { errorResponse, NOT_MODIFIED_RESPONSE } from "../responses.js";
import { ref } from "../schema-ref.js";
import {
  HISTORY_PAGE_DEFAULT,
  HistoryQuery,
  type Launch,
  LaunchDetail,
  LaunchHistory,
} from "../schemas/history.js";
import { startListCsv } from "./start-list.js";

/** `/api/history*`: the launches this unit recorded (a winch its received frames, an aircraft its own). */
export interface HistoryRoutesOptions {
  device: RuntimeSource;
}

const ID = new RegExp(LAUNCH_ID_PATTERN);
/** Lines per chunk of a streamed CSV: big enough to be cheap, small enough to start at once. */
const CHUNK_LINES = 500;

function historyOf(device: RuntimeSource): HistoryView {
  const r = device.runtime();
  if (!r) throw new ApiError(503, "internal", "the runtime is restarting; try again in a moment");
  return r.history;
}

function notFound(ref: string): ApiError {
  return new ApiError(404, "not_found", `no launch ${ref.slice(0, 60)} in this unit's history`);
}

/** Streams lines as text in chunks, so a long trace never sits in memory as one string. */
function linesStream(lines: Iterable<string>): Readable {
  return Readable.from(
    (function* () {
      let chunk: string[] = [];
      for (const l of lines) {
        chunk.push(l);
        if (chunk.length >= CHUNK_LINES) {
          yield `${chunk.join("\n")}\n`;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield `${chunk.join("\n")}\n`;
    })(),
    { objectMode: false },
  );
}

function detailEtag(l: Launch, recording: boolean, version: string): string {
  return contentEtag(["launch", l.id, l.trace_points, l.complete, recording ? version : null]);
}

export const historyRoutes: FastifyPluginAsyncTypebox<HistoryRoutesOptions> = async (app, { device }) => {
  const tags = ["history"];
  const idParam = Type.Object({
    ref: Type.String({
      maxLength: 64,
      description: "A launch id, or the id with `.csv` for its trace in the replay format.",
    }),
  });

  app.get<{ Querystring: HistoryQuery }>(
    "/history",
    {
      schema: {
        summary: "Recorded launches (summaries), whole or one page at a time",
        description:
          "Both modes: a winch lists the launches it received, an aircraft unit the ones it flew. " +
          "`?limit=20` gives the newest launches, `&before=<page.next>` the ones before them (newest first; " +
          `\`limit\` 1–100, ${HISTORY_PAGE_DEFAULT} when only \`before\` is given). The cursor is a launch id, not an offset, so a ` +
          "launch recorded meanwhile never shifts an older page. Without parameters: the whole list, oldest " +
          "first, as before paging existed. Poll with `If-None-Match`: the whole list's ETag changes with every " +
          "point recorded and every change to the list; a page's with what it holds, so an older page answers " +
          "304 while a launch is recorded.",
        tags,
        querystring: HistoryQuery,
        response: {
          200: ref(LaunchHistory),
          ...NOT_MODIFIED_RESPONSE,
          400: errorResponse(
            "`validation_failed`: `limit` not an integer 1–100, `before` not a launch id or no longer in " +
              "the history, or an unknown parameter.",
          ),
        },
      },
    },
    async (request, reply) => {
      const h = historyOf(device);
      const { limit, before } = request.query;
      if (limit === undefined && before === undefined) {
        if (answerIfNotModified(request, reply, h.etag())) return reply;
        return { launches: h.launches(), recording: h.current(), set_aside: h.damaged() };
      }
      const size = limit ?? HISTORY_PAGE_DEFAULT;
      const page = h.page(size, before);
      if (!page) {
        throw new ApiError(400, "validation_failed", "the query string is not valid", [
          {
            field: "/before",
            message: "is no longer in this unit's history (deleted or aged out); start from the first page",
          },
        ]);
      }
      const body: LaunchHistory = {
        launches: page.launches,
        page: { limit: size, before: before ?? null, next: page.next, total: page.total },
        // List-wide facts go with the first page only, so an older page's tag stays put while recording.
        ...(before === undefined ? { recording: h.current(), set_aside: h.damaged() } : {}),
      };
      if (page.next) {
        const path = request.url.split("?", 1)[0];
        reply.header("Link", `<${path}?limit=${size}&before=${page.next}>; rel="next"`);
      }
      if (answerIfNotModified(request, reply, contentEtag(["history-page", body]))) return reply;
      return body;
    },
  );

  app.get(
    "/history.csv",
    {
      schema: {
        summary: "Start list (CSV): one row per launch, for a club's flight log",
        description:
          "UTC start, duration, registration, type, launch method (`W`), max IAS, share of time in band, " +
          "frames lost — columns a start list (Vereinsflieger, Startkladde) imports. Streamed.",
        tags,
        response: {
          200: {
            description: "The start list, `text/csv; charset=utf-8`, as a download.",
            content: { "text/csv": { schema: { type: "string" } } },
          },
          ...NOT_MODIFIED_RESPONSE,
        },
      },
    },
    async (request, reply) => {
      const h = historyOf(device);
      if (answerIfNotModified(request, reply, h.etag())) return reply;
      reply
        .header("Content-Type", "text/csv; charset=utf-8")
        .header("Content-Disposition", 'attachment; filename="owts-start-list.csv"');
      return reply.send(linesStream(startListCsv(h.launches())) as never);
    },
  );

  const lookup = (request: FastifyRequest<{ Params: { ref: string } }>) => {
    const ref = request.params.ref;
    const csv = ref.endsWith(".csv");
    const id = csv ? ref.slice(0, -4) : ref;
    if (!ID.test(id)) throw notFound(ref);
    return { id, csv };
  };

  app.get<{ Params: { ref: string } }>(
    "/history/:ref",
    {
      schema: {
        summary: "One launch with its trace; `{id}.csv`: the trace as a replay file",
        description:
          "`/api/history/{id}`: summary and trace (JSON, columns). `/api/history/{id}.csv`: the trace in the " +
          "replay source's format, `t_ms,ias_<unit>` first (zone, phase, RSSI, SNR and lost frames after " +
          "them, which the replay reader ignores), so `owts start --sensor replay --replay launch.csv` flies " +
          "it again. Streamed. Unknown id → 404 `not_found`.",
        tags,
        params: idParam,
        response: {
          200: {
            description: "`{id}`: the launch and its trace (JSON); `{id}.csv`: the trace as a replay file.",
            content: {
              "application/json": { schema: ref(LaunchDetail) },
              "text/csv": { schema: { type: "string" } },
            },
          },
          ...NOT_MODIFIED_RESPONSE,
          404: errorResponse("`not_found`: no launch with that id."),
        },
      },
    },
    async (request, reply) => {
      const { id, csv } = lookup(request);
      const h = historyOf(device);
      const recording = h.current()?.id === id;
      const t = await h.trace(id);
      if (!t) throw notFound(request.params.ref);
      if (answerIfNotModified(request, reply, detailEtag(t.launch, recording, h.etag()))) return reply;
      if (csv) {
        reply
          .header("Content-Type", "text/csv; charset=utf-8")
          .header("Content-Disposition", `attachment; filename="owts-launch-${id}.csv"`);
        const lines = function* () {
          yield* headerLines(t.header);
          let e = 0;
          for (const p of t.points) {
            while (e < t.events.length && t.events[e]!.t_ms <= p.t_ms) yield eventLine(t.events[e++]!);
            yield pointLine(p);
          }
          while (e < t.events.length) yield eventLine(t.events[e++]!);
        };
        return reply.send(linesStream(lines()) as never);
      }
      const p = t.points;
      return {
        launch: t.launch,
        trace: {
          t_ms: p.map((x) => x.t_ms),
          ias: p.map((x) => x.ias),
          zone: p.map((x) => x.zone),
          phase: p.map((x) => x.phase),
          rssi_dbm: p.map((x) => x.rssi_dbm),
          snr_db: p.map((x) => x.snr_db),
          lost: p.map((x) => x.lost),
        },
        events: t.events,
      };
    },
  );

  app.delete<{ Params: { ref: string } }>(
    "/history/:ref",
    {
      schema: {
        summary: "Delete one launch (summary and trace)",
        tags,
        params: idParam,
        response: {
          204: Type.Null({ description: "Deleted." }),
          404: errorResponse("`not_found`: no launch with that id; nothing changed."),
        },
      },
    },
    async (request, reply) => {
      const { id, csv } = lookup(request);
      if (csv) throw notFound(request.params.ref);
      if (!(await historyOf(device).remove(id))) throw notFound(id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    "/history",
    {
      schema: {
        summary: "Delete every recorded launch",
        tags,
        response: { 204: Type.Null({ description: "The history is empty now." }) },
      },
    },
    async (_request, reply) => {
      await historyOf(device).clear();
      return reply.code(204).send(null);
    },
  );
};
