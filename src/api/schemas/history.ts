import { type Static, Type } from "typebox";
import { LaunchPhaseSchema } from "../../core/launch-phase.js";
import { LAUNCH_ID_PATTERN, LaunchSchema } from "../../winch/launch.js";

/** One launch in `GET /api/history`: the launch record (src/winch/launch.ts) as it is. */
export { LaunchSchema };
export type Launch = Static<typeof LaunchSchema>;

const EXAMPLE_LAUNCH = {
  id: "20250501T101530Z-3fa2",
  source: "winch",
  start: "2025-05-01T10:15:30.000Z",
  duration_s: 42.5,
  flight_s: 212.4,
  registration: "D-1234",
  type: "ASK 21",
  unit: "kmh",
  v_min: 90,
  v_opt: 105,
  v_max: 130,
  max_ias: 121.7,
  in_band_share: 0.83,
  time_in_band_s: 31.2,
  time_to_vmin_s: 5.4,
  released: true,
  release_ias: 108.3,
  frames_lost: 0,
  max_gap_ms: 400,
  trace_points: 1062,
  complete: true,
  verified: true,
};

/** Launches in a page when `before` is given without `limit`. */
export const HISTORY_PAGE_DEFAULT = 20;
/** The most launches one page may hold (about 600 bytes of JSON each). */
export const HISTORY_PAGE_MAX = 100;

/**
 * `GET /api/history` query. Without either parameter the answer is the whole list, oldest first, as
 * before paging existed (old clients keep working); with either, one page, newest first.
 */
export const HistoryQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: HISTORY_PAGE_MAX,
        description: `Launches in the page, newest first (${HISTORY_PAGE_DEFAULT} when only \`before\` is given).`,
        examples: [20],
      }),
    ),
    before: Type.Optional(
      Type.String({
        pattern: LAUNCH_ID_PATTERN,
        description:
          "A launch id: the page holds the launches recorded before it (the previous page's `page.next`). " +
          "Absent: the newest launches. An id no longer in the history (deleted, or aged out) is a 400 " +
          "`validation_failed` on `/before`: start again from the first page.",
        examples: ["20250501T101530Z-3fa2"],
      }),
    ),
  },
  { additionalProperties: false, description: "Which launches to return." },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

/** `GET /api/history` (both modes). `DELETE /api/history` clears it and answers 204. */
export const LaunchHistory = Type.Object(
  {
    launches: Type.Array(LaunchSchema, {
      description:
        "Recorded launches: the whole list oldest first without paging parameters, one page newest first with them.",
    }),
    page: Type.Optional(
      Type.Object(
        {
          limit: Type.Integer({ minimum: 1, maximum: HISTORY_PAGE_MAX }),
          before: Type.Union([Type.String({ pattern: LAUNCH_ID_PATTERN }), Type.Null()], {
            description: "The cursor this page was asked with; null for the first (newest) page.",
          }),
          next: Type.Union([Type.String({ pattern: LAUNCH_ID_PATTERN }), Type.Null()], {
            description:
              'Pass as `before` for the next, older page (also sent as a `Link: <…>; rel="next"` header); ' +
              "null on the page holding the oldest launch.",
          }),
          total: Type.Integer({ minimum: 0, description: "Completed launches in the whole history." }),
        },
        {
          additionalProperties: false,
          description: "Present when the answer is a page (`limit` or `before` was asked).",
        },
      ),
    ),
    recording: Type.Optional(
      Type.Union([LaunchSchema, Type.Null()], {
        description: "The launch being recorded now, or null; absent on older pages (it is the newest).",
      }),
    ),
    set_aside: Type.Optional(
      Type.Array(
        Type.Object({ file: Type.String(), reason: Type.String() }, { additionalProperties: false }),
        {
          description:
            "Trace files that could not be read and were moved aside (their summaries stay); absent on older pages.",
        },
      ),
    ),
  },
  {
    $id: "LaunchHistory",
    additionalProperties: false,
    description:
      "Launches recorded by this unit: a winch records the frames it received, an aircraft unit its own " +
      "readings. ETag changes with every point recorded and every change to the list; `If-None-Match` → 304. " +
      "A page's ETag follows what that page holds: an older page keeps its tag while a launch is recorded.",
    examples: [
      { launches: [EXAMPLE_LAUNCH], recording: null, set_aside: [] },
      {
        launches: [EXAMPLE_LAUNCH],
        page: { limit: 20, before: null, next: null, total: 1 },
        recording: null,
        set_aside: [],
      },
    ],
  },
);
export type LaunchHistory = Static<typeof LaunchHistory>;

const nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

/** `GET /api/history/{id}`: the summary and the whole trace, column by column (what a graph plots). */
export const LaunchDetail = Type.Object(
  {
    launch: LaunchSchema,
    trace: Type.Object(
      {
        t_ms: Type.Array(Type.Number({ minimum: 0 }), { description: "Milliseconds since the first point." }),
        ias: Type.Array(Type.Number({ minimum: 0 }), { description: "IAS in the launch's unit." }),
        zone: Type.Array(Type.String(), { description: "`below` / `inside` / `above` the band." }),
        phase: Type.Array(Type.Union([LaunchPhaseSchema, Type.Null()]), {
          description: "Launch phase of each point; null from a transmitter without phases.",
        }),
        rssi_dbm: Type.Array(nullable(Type.Number()), { description: "null on the aircraft and on UDP." }),
        snr_db: Type.Array(nullable(Type.Number())),
        lost: Type.Array(Type.Integer({ minimum: 0 }), {
          description: "Frames missed just before each point.",
        }),
      },
      { additionalProperties: false },
    ),
    events: Type.Array(
      Type.Object(
        { t_ms: Type.Number({ minimum: 0 }), text: Type.String() },
        { additionalProperties: false },
      ),
      { description: "Link-state, identity and band changes during the record." },
    ),
  },
  {
    $id: "LaunchDetail",
    additionalProperties: false,
    description: "One launch with its trace.",
    examples: [
      {
        launch: EXAMPLE_LAUNCH,
        trace: {
          t_ms: [0, 200, 400],
          ias: [12.3, 20.1, 28.4],
          zone: ["below", "below", "below"],
          phase: ["ground_roll", "ground_roll", "ground_roll"],
          rssi_dbm: [-71, -72, -71],
          snr_db: [9.5, 9.25, 9.5],
          lost: [0, 0, 0],
        },
        events: [],
      },
    ],
  },
);
export type LaunchDetail = Static<typeof LaunchDetail>;
