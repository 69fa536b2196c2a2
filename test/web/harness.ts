import { execFile } from "node:child_process";
import type { OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { createDeviceLogger } from "../../src/device/logger.js";
import { createHttpsApp, type HttpsApp, type HttpsAppOptions } from "../../src/web/https-server.js";
import { makeTlsFixture, type TlsFixture } from "../helpers/tls-fixture.js";

export interface RunningApp {
  https: HttpsApp;
  port: number;
  tls: TlsFixture;
  budget: HttpsApp["budget"];
  ring: ReturnType<typeof createDeviceLogger>["ring"];
  close(): Promise<void>;
}

export const DEVICE = { mode: "winch", hostname: "OWTS-winch-3A4F1C", espId: "3A4F1C", version: "0.1.0" };

/** A real HTTPS app on 127.0.0.1 with an ephemeral port and a throw-away certificate. */
export async function startApp(
  overrides: Partial<HttpsAppOptions> & { configure?: (h: HttpsApp) => void } = {},
): Promise<RunningApp> {
  const tls = makeTlsFixture();
  const { logger, ring } = createDeviceLogger({ destination: null, level: "debug" });
  const { configure, ...rest } = overrides;
  const https = await createHttpsApp({
    certificate: { certPem: tls.cert, keyPem: tls.key },
    logger,
    uiDir: null,
    device: DEVICE,
    sessions: { maxSessions: 16 },
    ...rest,
  });
  configure?.(https);
  const budget = https.budget;
  const address = await https.listen({ port: 0, host: "127.0.0.1" });
  return {
    https,
    port: address.port,
    tls,
    budget,
    ring,
    async close() {
      await https.close();
      tls.cleanup();
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json<T = unknown>(): T;
}

/** One HTTPS request on a fresh connection that trusts only the fixture certificate. */
export function fetchTls(
  port: number,
  ca: Buffer,
  path: string,
  opts: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        servername: "localhost",
        port,
        path,
        method: opts.method ?? "GET",
        headers: opts.headers,
        ca,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString("utf8"),
            json: <T>() => JSON.parse(body.toString("utf8")) as T,
          });
        });
        res.on("error", reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end(opts.body);
  });
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a real CLI tool (curl, openssl) with a time limit; never rejects on a non-zero exit. */
export function runTool(
  file: string,
  args: string[],
  input?: string,
  timeoutMs = 15_000,
): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as NodeJS.ErrnoException).code === "number"
            ? Number((err as NodeJS.ErrnoException).code)
            : 1
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    child.stdin?.end(input ?? "");
  });
}
