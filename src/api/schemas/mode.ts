import { type Static, Type } from "typebox";

/** The two device modes (same values as `MODES` in src/device/identity.ts, which the UI cannot import). */
export const MODE_VALUES = ["aircraft", "winch"] as const;

export const ModeSchema = Type.Enum(MODE_VALUES, {
  description: "`aircraft`: measures IAS and transmits. `winch`: receives and shows the glider's IAS.",
  examples: ["winch"],
});
export type DeviceMode = Static<typeof ModeSchema>;

/** `GET /api/mode` response and `PUT /api/mode` body. */
export const ModeSetting = Type.Object(
  { mode: ModeSchema },
  {
    $id: "ModeSetting",
    additionalProperties: false,
    description: "The device mode.",
    examples: [{ mode: "winch" }],
  },
);
export type ModeSetting = Static<typeof ModeSetting>;

/** `PUT /api/mode` response. */
export const ModeChange = Type.Object(
  {
    mode: ModeSchema,
    restarting: Type.Boolean({
      description:
        "true when the mode changed and the runtime is now restarting in place (routes, mDNS name and sessions " +
        "follow the new mode); false when the mode was already set and nothing restarts.",
    }),
  },
  {
    $id: "ModeChange",
    additionalProperties: false,
    description: "Result of setting the mode.",
    examples: [{ mode: "winch", restarting: true }],
  },
);
export type ModeChange = Static<typeof ModeChange>;
