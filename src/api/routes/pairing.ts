import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { ApiError } from "../../core/api-error.js";
import type { Namespace } from "../../store/settings-store.js";
import { keyIdHex, parseKeyIdHex } from "../../telemetry/link-key.js";
import type { RuntimeSource } from "../device-port.js";
import { aircraftRuntime, modeOnlyResponse, requireMode, winchRuntime } from "../mode-guard.js";
import { errorResponse } from "../responses.js";
import { ref } from "../schema-ref.js";
import type { AircraftProfile } from "../schemas/aircraft.js";
import {
  LinkKeyInfo,
  PairingCode,
  WinchPairing,
  WinchPairingAdd,
  WinchPairingList,
} from "../schemas/pairing.js";

/**
 * Pairing: on the aircraft, its link key (`/api/pairing`: the key id, the code to give the winch, a new
 * key); on the winch, the aircraft it trusts (`/api/winch/pairings`). POSTs and DELETE are mutating
 * calls, so they need the Bearer password when one is set. Only `POST /api/pairing` and its rotate
 * answer the code (the key itself, on purpose, for a person to carry to the winch); nothing else
 * ever returns key material.
 */
export interface PairingRoutesOptions {
  /** The `aircraft` namespace: the code is shown with the registration and type it belongs to. */
  profile: Pick<Namespace<AircraftProfile>, "get">;
  device: RuntimeSource;
}

export const pairingRoutes: FastifyPluginAsyncTypebox<PairingRoutesOptions> = async (
  app,
  { profile, device },
) => {
  const onAircraft = requireMode(device, "aircraft");
  const onWinch = requireMode(device, "winch");
  const aircraftOnly = modeOnlyResponse("aircraft");
  const winchOnly = modeOnlyResponse("winch");

  const codeOf = (key: { key_id: number; pairingCode(): string }): PairingCode => {
    const p = profile.get();
    return {
      code: key.pairingCode(),
      registration: p.registration,
      type: p.type,
      key_id: keyIdHex(key.key_id),
    };
  };

  app.get(
    "/pairing",
    {
      onRequest: onAircraft,
      schema: {
        summary: "This unit's link key: id and date, never the key",
        tags: ["pairing"],
        response: { 200: ref(LinkKeyInfo), ...aircraftOnly },
      },
    },
    async (request): Promise<LinkKeyInfo> => {
      const k = aircraftRuntime(request).linkKey.current();
      return { key_id: keyIdHex(k.key_id), created: k.created };
    },
  );

  app.post(
    "/pairing",
    {
      onRequest: onAircraft,
      schema: {
        summary: "The pairing code to give a winch",
        description: "A mutating call (Bearer when a password is set): the code is the key itself.",
        tags: ["pairing"],
        response: { 200: ref(PairingCode), ...aircraftOnly },
      },
    },
    async (request): Promise<PairingCode> => codeOf(aircraftRuntime(request).linkKey.current()),
  );

  app.post(
    "/pairing/rotate",
    {
      onRequest: onAircraft,
      schema: {
        summary: "Make a new link key",
        description: "Every winch paired with the old key stops trusting this unit until paired again.",
        tags: ["pairing"],
        response: { 200: ref(PairingCode), ...aircraftOnly },
      },
    },
    async (request): Promise<PairingCode> => codeOf(await aircraftRuntime(request).linkKey.rotate()),
  );

  app.get(
    "/winch/pairings",
    {
      onRequest: onWinch,
      schema: {
        summary: "The aircraft units this winch trusts (no keys)",
        tags: ["pairing"],
        response: { 200: ref(WinchPairingList), ...winchOnly },
      },
    },
    async (request): Promise<WinchPairingList> => ({ pairings: winchRuntime(request).pairings.list() }),
  );

  app.post<{ Body: WinchPairingAdd }>(
    "/winch/pairings",
    {
      onRequest: onWinch,
      schema: {
        summary: "Trust an aircraft unit by its pairing code",
        description:
          "201 with the new pairing; 200 when that key is already paired. A bad code (typo, wrong check " +
          "character, truncated, another device's format) is a 400 naming the reason, and nothing is stored.",
        tags: ["pairing"],
        body: ref(WinchPairingAdd),
        response: {
          200: ref(WinchPairing),
          201: ref(WinchPairing),
          400: errorResponse("`bad_request`: not a valid pairing code; the message says why."),
          409: errorResponse("`bad_request`: the winch holds as many pairings as it can."),
          ...winchOnly,
        },
      },
    },
    async (request, reply) => {
      const r = await winchRuntime(request).pairings.add(request.body.code);
      if (!r.ok) {
        throw new ApiError(r.problem === "full" ? 409 : 400, "bad_request", r.message, [
          { field: "/code", message: r.message },
        ]);
      }
      return reply.code(r.created ? 201 : 200).send(r.pairing);
    },
  );

  app.delete<{ Params: { key_id: string } }>(
    "/winch/pairings/:key_id",
    {
      onRequest: onWinch,
      schema: {
        summary: "Stop trusting an aircraft unit",
        tags: ["pairing"],
        params: Type.Object({ key_id: Type.String({ maxLength: 16 }) }),
        response: {
          204: Type.Null({ description: "Removed." }),
          400: errorResponse("`bad_request`: key_id is not 8 hex digits."),
          404: errorResponse("`not_found`: no such pairing, or `winch_mode_only`."),
        },
      },
    },
    async (request, reply) => {
      const id = parseKeyIdHex(request.params.key_id);
      if (id === null) throw new ApiError(400, "bad_request", "key_id must be 8 hex digits");
      if (!(await winchRuntime(request).pairings.remove(id))) {
        throw new ApiError(404, "not_found", `no pairing with key id ${request.params.key_id.toLowerCase()}`);
      }
      return reply.code(204).send(null);
    },
  );
};
