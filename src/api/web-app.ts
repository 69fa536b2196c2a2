/*
 * The one app type the API is written against: the device's HTTPS app (src/web/https-server.ts), typed
 * with Fastify's default raw server and the TypeBox type provider. Tests build the same type over plain
 * HTTP. Route plugins take narrow, typed options and are registered under the `/api` prefix.
 */
export type { ApiPlugin, WebApp } from "../web/https-server.js";
