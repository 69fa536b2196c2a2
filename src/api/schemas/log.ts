import { type Static, Type } from "typebox";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

/** `GET /api/log` query. */
export const LogQuery = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: "Only lines with a sequence number above this; 0 or absent for everything held.",
        examples: [120],
      }),
    ),
  },
  { additionalProperties: false, description: "Which log lines to return." },
);
export type LogQuery = Static<typeof LogQuery>;

export const LogLineSchema = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, description: "Sequence number; never restarts while the device runs." }),
    t_ms: Type.Integer({ minimum: 0, description: "Milliseconds since the device started." }),
    level: Type.Enum(LOG_LEVELS),
    tag: Type.String({ description: "Part of the device that logged, e.g. `web`, `radio`." }),
    msg: Type.String(),
    fields: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), {
        description:
          "The line's structured fields (e.g. `remote`, `class`, `code`, `reason`), nested ones as `a.b`; strings escaped " +
          "and cut at 200 characters, at most 16 fields. Absent when the line has none.",
        examples: [{ class: "queue_refused", code: "BUDGET_QUEUE_FULL", remote: "192.168.4.2:50122" }],
      }),
    ),
  },
  { additionalProperties: false, description: "One log line." },
);

/** `GET /api/log` response. */
export const LogPage = Type.Object(
  {
    lines: Type.Array(LogLineSchema, { description: "Lines after `after`, oldest first." }),
    newest_seq: Type.Integer({
      minimum: 0,
      description: "Newest sequence number held (0 when empty); the ETag.",
    }),
    dropped: Type.Integer({
      minimum: 0,
      description:
        "Lines after `after` that were already overwritten before this request (the client fell behind).",
    }),
  },
  {
    $id: "LogPage",
    additionalProperties: false,
    description:
      "Recent lines of the device's RAM log. ETag = newest seq; `If-None-Match` gives 304 when nothing is new; " +
      "`Cache-Control: no-cache`.",
    examples: [
      {
        lines: [{ seq: 121, t_ms: 5012, level: "info", tag: "web", msg: "listening on :443" }],
        newest_seq: 121,
        dropped: 0,
      },
    ],
  },
);
export type LogPage = Static<typeof LogPage>;
