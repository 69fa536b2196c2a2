import { type Static, Type } from "typebox";

/** `POST /api/reboot` response (202). */
export const RebootAccepted = Type.Object(
  {
    restarting: Type.Literal(true, {
      description:
        "Always true: the runtime restarts in place from the stored settings right after this answer.",
    }),
  },
  {
    $id: "RebootAccepted",
    additionalProperties: false,
    description:
      "The reboot is accepted. The listening ports stay up; requests arriving during the restart wait for it.",
    examples: [{ restarting: true }],
  },
);
export type RebootAccepted = Static<typeof RebootAccepted>;
