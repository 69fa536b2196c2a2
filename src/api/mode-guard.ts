import type { FastifyRequest } from "fastify";
import { ApiError } from "../core/api-error.js";
import type { Mode } from "../core/mode.js";
import type { AircraftRuntimeView, RuntimeSource, RuntimeView, WinchRuntimeView } from "./device-port.js";
import { errorResponse } from "./responses.js";
import type { WebApp } from "./web-app.js";

/*
 * Mode-only routes stay registered in both modes, because the runtime changes in place and routes
 * cannot be removed from a running Fastify instance. A route-level onRequest hook answers the SPEC's
 * 404 token in the other mode (before any body is read, so a wrong-mode write never reaches
 * validation), and pins the runtime the request started with on the request (`request.runtime`):
 * a restart that begins while the handler runs cannot pull the runtime out from under it.
 */

declare module "fastify" {
  interface FastifyRequest {
    /** The runtime a mode-only route's request started with (set by `requireMode`), else null. */
    runtime: RuntimeView | null;
  }
}

const TOKENS = { aircraft: "aircraft_mode_only", winch: "winch_mode_only" } as const;

/** Declares `request.runtime` on `app` (once, before the mode-only routes). */
export function decorateRuntimePin(app: WebApp): void {
  if (!app.hasRequestDecorator("runtime")) app.decorateRequest("runtime", null);
}

/** The documented 404 of a route that exists in one mode only. */
export function modeOnlyResponse(mode: Mode) {
  return {
    404: errorResponse(
      `\`${TOKENS[mode]}\`: this endpoint exists only while the device runs in ${mode} mode.`,
    ),
  };
}

/** Route `onRequest` hook: 404 `<mode>_mode_only` in the other mode; otherwise pins the running runtime. */
export function requireMode(device: RuntimeSource, mode: Mode) {
  return async (request: FastifyRequest): Promise<void> => {
    const current = device.identity().mode;
    if (current !== mode) {
      const path = (request.url.split("?", 1)[0] ?? "").slice(0, 200);
      throw new ApiError(
        404,
        TOKENS[mode],
        `${path} exists only in ${mode} mode; this device runs in ${current} mode (change it with PUT /api/mode)`,
      );
    }
    const runtime = device.runtime();
    if (runtime?.mode === mode) request.runtime = runtime;
  };
}

function pinnedRuntime<M extends Mode>(request: FastifyRequest, mode: M): Extract<RuntimeView, { mode: M }> {
  const runtime = request.runtime;
  if (runtime?.mode !== mode)
    // Only a device started without a runtime (web side only) gets here.
    throw new ApiError(503, "internal", `the ${mode} runtime is not running on this device`);
  return runtime as Extract<RuntimeView, { mode: M }>;
}

export const aircraftRuntime = (request: FastifyRequest): AircraftRuntimeView =>
  pinnedRuntime(request, "aircraft");
export const winchRuntime = (request: FastifyRequest): WinchRuntimeView => pinnedRuntime(request, "winch");
