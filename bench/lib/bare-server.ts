// The baseline every HTTPS bench compares against: a bare node:https server, in its own process like
// the device, with the device's certificate and TLS policy, answering recorded device responses byte for
// byte — no framework, no socket budget, no routing beyond a map lookup. What the device costs on top of
// this is what the benches call its overhead.
//   node dist/bench/lib/bare-server.js <config.json>   → prints "listening <port>"
import { readFileSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tlsServerOptions } from "../../src/web/tls-options.js";
import type { Reply } from "./load-client.js";
import { type Spawned, spawnNode } from "./processes.js";

export interface CannedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** base64 */
  body: string;
}

export interface CannedRoute {
  /** The full answer. */
  ok: CannedResponse;
  /** Sent instead when If-None-Match equals `etag`. */
  notModified?: CannedResponse;
  etag?: string;
}

export interface BareServerConfig {
  certPath: string;
  keyPath: string;
  /** Keyed by request path with query, e.g. "/api/about". Unknown paths get a 404. */
  routes: Record<string, CannedRoute>;
  keepAliveTimeoutMs?: number;
  /** Serve h2 (node:http2 with the HTTP/1.1 fallback, as the device) instead of node:https. @default false */
  http2?: boolean;
}

/** Headers Node writes itself (or that describe the old connection), left out of a replay. */
const HOP_BY_HOP = new Set(["date", "connection", "keep-alive", "transfer-encoding", "content-length"]);

/** Turns a device reply into a canned response for the bare server. */
export function canned(reply: Reply): CannedResponse {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(reply.headers))
    if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  return { status: reply.status, headers, body: reply.body.toString("base64") };
}

export function createBareServer(config: BareServerConfig): https.Server | http2.Http2SecureServer {
  const routes = new Map(
    Object.entries(config.routes).map(([path, r]) => [
      path,
      {
        etag: r.etag,
        ok: { ...r.ok, bytes: Buffer.from(r.ok.body, "base64") },
        notModified: r.notModified
          ? { ...r.notModified, bytes: Buffer.from(r.notModified.body, "base64") }
          : undefined,
      },
    ]),
  );
  const tlsOptions = tlsServerOptions({
    certPem: readFileSync(config.certPath),
    keyPem: readFileSync(config.keyPath),
  });
  const handler = (
    req: { url?: string; headers: Record<string, string | string[] | undefined> },
    res: { writeHead(status: number, headers: Record<string, unknown>): { end(b: string | Buffer): void } },
  ): void => {
    const route = routes.get(req.url ?? "");
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const answer =
      route.notModified && route.etag !== undefined && req.headers["if-none-match"] === route.etag
        ? route.notModified
        : route.ok;
    res
      .writeHead(answer.status, { ...answer.headers, "content-length": answer.bytes.length })
      .end(answer.bytes);
  };
  if (config.http2) return http2.createSecureServer({ ...tlsOptions, allowHTTP1: true }, handler as never);
  const server = https.createServer(tlsOptions, handler as never);
  server.keepAliveTimeout = config.keepAliveTimeoutMs ?? 5_000;
  return server;
}

export interface BareServer extends Spawned {
  port: number;
}

/** Starts the bare server in its own process (as the device runs in its own), on 127.0.0.1. */
export async function startBareServer(
  config: BareServerConfig,
  workDir: string,
  env?: NodeJS.ProcessEnv,
  onSpawn?: (pid: number) => void,
): Promise<BareServer> {
  const file = join(workDir, `bare-server-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  const { proc, match } = await spawnNode([import.meta.filename, file], /listening (\d+)/, {
    ...(env ? { env } : {}),
    ...(onSpawn ? { onSpawn } : {}),
  });
  return { ...proc, port: Number(match[1]) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const config = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as BareServerConfig;
  const server = createBareServer(config);
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });
  process.on("SIGTERM", () => {
    server.close();
    if ("closeAllConnections" in server) server.closeAllConnections();
    process.exit(0);
  });
}
