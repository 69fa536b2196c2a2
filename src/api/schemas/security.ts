import { type Static, Type } from "typebox";

/**
 * API password: 8–64 visible ASCII characters (no spaces), because it travels as an HTTP Bearer token
 * and header values outside visible ASCII are not carried reliably by clients and proxies.
 */
export const API_PASSWORD_PATTERN = "^[\\x21-\\x7E]{8,64}$";

/** `GET /api/security`. */
export const SecurityState = Type.Object(
  { password_set: Type.Boolean({ description: "Whether an API password is set (none by default)." }) },
  {
    $id: "SecurityState",
    additionalProperties: false,
    description:
      "Whether writes need `Authorization: Bearer <password>`. While a password is set, every PUT, PATCH, POST " +
      "and DELETE under /api needs it; GET and HEAD stay public.",
    examples: [{ password_set: false }],
  },
);
export type SecurityState = Static<typeof SecurityState>;

/** `PUT /api/security` body. */
export const SecurityUpdate = Type.Object(
  {
    password: Type.Union(
      [
        Type.String({
          minLength: 8,
          maxLength: 64,
          pattern: API_PASSWORD_PATTERN,
          description: "New password: 8–64 visible ASCII characters, no spaces.",
        }),
        Type.Null({ description: "Clear the password: writes become open again." }),
      ],
      { writeOnly: true, description: "New API password, or null to clear it." },
    ),
  },
  {
    $id: "SecurityUpdate",
    additionalProperties: false,
    description:
      "Sets, changes or clears the API password. While one is set, the request must carry the current one as " +
      "`Authorization: Bearer <current password>`. Answers the new SecurityState.",
    examples: [{ password: "winch-2025!" }, { password: null }],
  },
);
export type SecurityUpdate = Static<typeof SecurityUpdate>;
