import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { caMobileconfig } from "../../certs/index.js";
import { ApiError } from "../../core/api-error.js";
import type { DeviceContext } from "../device-port.js";
import { errorResponse } from "../responses.js";
import { ref } from "../schema-ref.js";
import { About } from "../schemas/about.js";

/** `GET /api/about`: who the device is, what it runs, and the certificate a user can compare with the browser's. */
export interface AboutRoutesOptions {
  device: Pick<DeviceContext, "identity" | "certificate" | "ca" | "build" | "startedAt">;
}

export const aboutRoutes: FastifyPluginAsyncTypebox<AboutRoutesOptions> = async (app, { device }) => {
  app.get(
    "/about",
    {
      schema: {
        summary: "Device identity, version and certificate",
        tags: ["device"],
        response: { 200: ref(About) },
      },
    },
    async (): Promise<About> => {
      const id = device.identity();
      const cert = device.certificate();
      const ca = device.ca();
      return {
        mode: id.mode,
        esp_id: id.esp_id,
        hostname: `${id.hostname}.local`,
        version: device.build.version,
        build: device.build.build,
        uptime_s: Math.floor((Date.now() - device.startedAt) / 1000),
        certificate: { sha256: cert.fingerprintSha256, not_after: cert.notAfter.toISOString() },
        ca: ca ? { name: ca.name, sha256: ca.fingerprintSha256, not_after: ca.notAfter.toISOString() } : null,
      };
    },
  );

  // The PEM itself, so a user can install trust for this device (the About page links here).
  app.get(
    "/about/certificate",
    {
      schema: {
        summary: "The device's HTTPS certificate (PEM)",
        description:
          "Download it to install trust on a phone or laptop; compare its fingerprint with `/api/about`.",
        tags: ["device"],
        response: {
          200: {
            description: "The certificate in PEM, as a file download named `<hostname>.crt`.",
            content: { "application/x-pem-file": { schema: { type: "string" } } },
          },
        },
      },
    },
    async (_request, reply) => {
      const { hostname } = device.identity();
      return reply
        .type("application/x-pem-file")
        .header("Content-Disposition", `attachment; filename="${hostname}.crt"`)
        .header("Cache-Control", "no-cache")
        .send(device.certificate().certPem);
    },
  );

  const requireCa = () => {
    const ca = device.ca();
    if (!ca)
      throw new ApiError(
        404,
        "not_found",
        "this unit's certificate is self-signed; it was not started with --ca",
      );
    return ca;
  };

  // The club CA, so a phone that trusts it trusts every unit it issued for. Only the certificate: the key never leaves ca.key.
  app.get(
    "/about/ca",
    {
      schema: {
        summary: "The club CA certificate (PEM)",
        description:
          "Install it once as a trusted CA on a phone or laptop to open every unit it issued for without a warning. 404 `not_found` when the unit is self-signed.",
        tags: ["device"],
        response: {
          200: {
            description: "The CA certificate in PEM, as a file download named `owts-club-ca.crt`.",
            content: { "application/x-pem-file": { schema: { type: "string" } } },
          },
          404: errorResponse("`not_found`: the unit runs without a club CA."),
        },
      },
    },
    async (_request, reply) => {
      const ca = requireCa();
      return reply
        .type("application/x-pem-file")
        .header("Content-Disposition", 'attachment; filename="owts-club-ca.crt"')
        .header("Cache-Control", "no-cache")
        .send(ca.certPem);
    },
  );

  app.get(
    "/about/ca.mobileconfig",
    {
      schema: {
        summary: "The club CA as an Apple configuration profile",
        description:
          "An unsigned `.mobileconfig` with the CA as a `com.apple.security.root` payload, for iOS, iPadOS and macOS. After installing it, iOS needs the CA switched on under Settings → General → About → Certificate Trust Settings. 404 `not_found` when the unit is self-signed.",
        tags: ["device"],
        response: {
          200: {
            description: "The profile (XML property list).",
            content: { "application/x-apple-aspen-config": { schema: { type: "string" } } },
          },
          404: errorResponse("`not_found`: the unit runs without a club CA."),
        },
      },
    },
    async (_request, reply) => {
      const ca = requireCa();
      return reply
        .type("application/x-apple-aspen-config")
        .header("Content-Disposition", 'attachment; filename="owts-club-ca.mobileconfig"')
        .header("Cache-Control", "no-cache")
        .send(caMobileconfig(ca));
    },
  );
};
