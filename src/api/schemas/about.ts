import { type Static, Type } from "typebox";
import { ModeSchema } from "./mode.js";

/** `GET /api/about`. */
export const About = Type.Object(
  {
    mode: ModeSchema,
    esp_id: Type.String({
      pattern: "^[0-9A-F]{6}$",
      description:
        "Device id: 6 upper-case hex digits (last three bytes of the primary MAC unless configured).",
      examples: ["3A4F1C"],
    }),
    hostname: Type.String({
      description: "mDNS host name, `OWTS-<mode>-<esp_id>.local`.",
      examples: ["OWTS-winch-3A4F1C.local"],
    }),
    version: Type.String({ description: "Software version.", examples: ["0.1.0"] }),
    build: Type.String({ description: "Build id, `<version>+<commit>`.", examples: ["0.1.0+04efc55"] }),
    uptime_s: Type.Integer({
      minimum: 0,
      description: "Seconds since the device (process) started.",
      examples: [3600],
    }),
    certificate: Type.Object(
      {
        sha256: Type.String({
          pattern: "^[0-9A-F]{2}(:[0-9A-F]{2}){31}$",
          description: "SHA-256 fingerprint of the HTTPS certificate, colon-separated upper-case hex.",
          examples: [
            "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
          ],
        }),
        not_after: Type.String({
          format: "date-time",
          description: "Expiry of the HTTPS certificate (RFC 3339, UTC).",
          examples: ["2035-05-01T00:00:00.000Z"],
        }),
      },
      { additionalProperties: false, description: "The HTTPS certificate the device presents." },
    ),
    ca: Type.Union(
      [
        Type.Object(
          {
            name: Type.String({ description: "The CA's name (its subject CN).", examples: ["OWTS club CA"] }),
            sha256: Type.String({
              pattern: "^[0-9A-F]{2}(:[0-9A-F]{2}){31}$",
              description: "SHA-256 fingerprint of the CA certificate, colon-separated upper-case hex.",
            }),
            not_after: Type.String({ format: "date-time", description: "Expiry of the CA certificate." }),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      {
        description:
          "The club CA that issued the certificate (`owts start --ca`), downloadable at `/api/about/ca`; null when the certificate is self-signed.",
      },
    ),
  },
  {
    $id: "About",
    additionalProperties: false,
    description: "Identity and version of the device.",
    examples: [
      {
        mode: "winch",
        esp_id: "3A4F1C",
        hostname: "OWTS-winch-3A4F1C.local",
        version: "0.1.0",
        build: "0.1.0+04efc55",
        uptime_s: 3600,
        certificate: {
          sha256:
            "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
          not_after: "2035-05-01T00:00:00.000Z",
        },
        ca: null,
      },
    ],
  },
);
export type About = Static<typeof About>;
