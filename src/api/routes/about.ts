import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { DeviceContext } from "../device-port.js";
import { ref } from "../schema-ref.js";
import { About } from "../schemas/about.js";

/** `GET /api/about`: who the device is, what it runs, and the certificate a user can compare with the browser's. */
export interface AboutRoutesOptions {
  device: Pick<DeviceContext, "identity" | "certificate" | "build" | "startedAt">;
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
      return {
        mode: id.mode,
        esp_id: id.esp_id,
        hostname: `${id.hostname}.local`,
        version: device.build.version,
        build: device.build.build,
        uptime_s: Math.floor((Date.now() - device.startedAt) / 1000),
        certificate: { sha256: cert.fingerprintSha256, not_after: cert.notAfter.toISOString() },
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
};
