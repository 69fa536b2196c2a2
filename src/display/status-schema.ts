import { type Static, Type } from "typebox";

/*
 * The displays' part of `GET /api/status`, declared once beside the code that fills it
 * (`DisplayRunner.status()`); the API's Status schema embeds it. Browser-safe: typebox only.
 */

const DISPLAY_NAME_VALUES = ["oled", "ws2812", "tty"] as const;

export const DisplayStatusSchema = Type.Object(
  {
    name: Type.Enum(DISPLAY_NAME_VALUES, { description: "Which display.", examples: ["oled"] }),
    state: Type.Enum(["starting", "ok", "error"] as const, {
      description:
        "`ok`: the last update went out; `error`: the last attempt failed, retried every few seconds.",
      examples: ["ok"],
    }),
    reason: Type.Optional(
      Type.String({ description: "Why the display failed (the bus error).", examples: ["Remote I/O error"] }),
    ),
    errors: Type.Integer({
      minimum: 0,
      description: "Failures since start (open or update).",
      examples: [0],
    }),
    updates: Type.Integer({ minimum: 0, description: "Updates done since start.", examples: [1200] }),
  },
  { additionalProperties: false },
);

export const DisplaysStatusSchema = Type.Array(DisplayStatusSchema, {
  description: "The displays beside the unit (`--display`); empty when none is configured.",
  examples: [[{ name: "oled", state: "ok", errors: 0, updates: 1200 }]],
});

export type DisplayStatusJson = Static<typeof DisplayStatusSchema>;
