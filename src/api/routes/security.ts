import type {} from "@fastify/swagger"; // route-schema fields summary/tags/description
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { ApiError } from "../../core/api-error.js";
import type { ApiAuth } from "../auth.js";
import { ref } from "../schema-ref.js";
import { SecurityState, SecurityUpdate } from "../schemas/security.js";

/**
 * `GET`/`PUT /api/security` and `POST /api/security/check`. Needs the API schemas registered on `app`
 * (`registerApiSchemas`) and the auth guard installed (`registerApiAuth`); the PUT handler re-checks
 * that the guard passed the request, so a missing guard cannot open the password to anyone.
 */
export interface SecurityRoutesOptions {
  auth: ApiAuth;
}

export const securityRoutes: FastifyPluginAsyncTypebox<SecurityRoutesOptions> = async (app, { auth }) => {
  app.get(
    "/security",
    {
      schema: {
        summary: "Whether an API password is set",
        tags: ["security"],
        response: { 200: ref(SecurityState) },
      },
    },
    async (): Promise<SecurityState> => ({ password_set: auth.passwordSet }),
  );

  app.put<{ Body: SecurityUpdate }>(
    "/security",
    {
      schema: {
        summary: "Set, change or clear the API password",
        description:
          "A string sets or changes the password, null clears it. While a password is set, the request needs " +
          "the current one as `Authorization: Bearer <password>`.",
        tags: ["security"],
        body: ref(SecurityUpdate),
        response: { 200: ref(SecurityState) },
      },
    },
    async (request): Promise<SecurityState> => {
      if (auth.passwordSet && !auth.isAuthorized(request))
        throw new ApiError(
          401,
          "unauthorized",
          "The current API password is needed to change it.",
          undefined,
          {
            "WWW-Authenticate": 'Bearer realm="owts"',
          },
        );
      await auth.setPassword(request.body.password);
      return { password_set: auth.passwordSet };
    },
  );

  app.post(
    "/security/check",
    {
      schema: {
        summary: "Check a password",
        description:
          "204 when the `Authorization: Bearer <password>` header would be accepted for writes (always, while no " +
          "password is set); 401 otherwise. Counts toward the per-client backoff like any write.",
        tags: ["security"],
        response: { 204: Type.Null({ description: "The password is accepted." }) },
      },
    },
    async (request, reply) => {
      if (auth.passwordSet && !auth.isAuthorized(request))
        throw new ApiError(401, "unauthorized", "No valid API password was presented.", undefined, {
          "WWW-Authenticate": 'Bearer realm="owts"',
        });
      return reply.code(204).send(null);
    },
  );
};
