import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { type DeviceApiOptions, registerDeviceApi } from "../../src/api/device-api.js";
import { Device } from "../../src/device/device.js";
import type { Mode } from "../../src/device/identity.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { DEFAULT_RADIO_SETTINGS } from "../../src/radio/radio-settings.js";
import { type Position, SimMedium } from "../../src/radio/sim-link.js";
import type { BaroSettings } from "../../src/sensors/create-baro-source.js";
import type { IasSourceSettings } from "../../src/sensors/create-source.js";

/** A scrypt cost tests can afford thousands of times; the device default is 16× dearer. */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
/** Backoff that never blocks within a test run (the backoff itself is tested with its own settings). */
export const NO_BACKOFF = { freeFailures: 1_000_000 };

export interface ApiReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: unknown;
  /** SHA-256 fingerprint (colon hex) of the certificate the connection was made with. */
  peerFingerprint: string | undefined;
}

export interface CallOptions {
  /** Sent as JSON with `Content-Type: application/json`. */
  body?: unknown;
  /** Sent as it is (with `contentType`, default application/json). */
  raw?: string | Buffer;
  contentType?: string;
  headers?: OutgoingHttpHeaders;
  /** Trust any certificate (the caller checks `peerFingerprint` itself); default: trust the device's current one. */
  anyCertificate?: boolean;
  /** Keep-alive agent to use (default: the device's own). */
  agent?: Agent;
}

export interface TestDevice {
  device: Device;
  port: number;
  dataDir: string;
  medium: SimMedium;
  agent: Agent;
  call(method: string, path: string, opts?: CallOptions): Promise<ApiReply>;
  /** Every settings file (`nvs/*.json`) with its exact bytes, to prove a refused request changed nothing. */
  settingsFiles(): Map<string, string>;
  stop(): Promise<void>;
}

export interface TestDeviceOptions {
  mode: Mode;
  espId?: string;
  /** Share one simulated air between devices (default: a private one). */
  medium?: SimMedium;
  position?: Position;
  /** Default: the simulator held on the ground for an hour (a steady, landed aircraft). */
  sensor?: IasSourceSettings;
  /** Default: none. */
  baro?: BaroSettings;
  /** The airspeed source's clock (default the real one); see `steppedClock`. */
  sensorClock?: () => number;
  api?: DeviceApiOptions;
  dataDir?: string;
  /** A club CA directory (`--ca`); default none (self-signed). */
  caDir?: string;
}

const HOLD_ON_GROUND: IasSourceSettings = { kind: "sim", firstLaunchAfterS: 3600, loop: false };

/** A real Device in this process: HTTPS on 127.0.0.1 (ephemeral port), no mDNS, temp data dir, sim radio. */
export async function startTestDevice(opts: TestDeviceOptions): Promise<TestDevice> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "owts-api-"));
  const medium = opts.medium ?? new SimMedium({ seed: 7, fading_sigma_db: 0 });
  const { logger, ring } = createDeviceLogger({ destination: null, level: "info" });
  const device = await Device.start({
    mode: opts.mode,
    espId: opts.espId ?? "A1B2C3",
    dataDir,
    httpsPort: 0,
    httpPort: 0,
    listen: "127.0.0.1",
    maxSockets: 8,
    mdns: false,
    sans: ["127.0.0.1"],
    keyType: "ecdsa",
    caDir: opts.caDir,
    logger,
    ring,
    uiDir: null,
    registerApi: (app, ctx) =>
      registerDeviceApi(app, ctx, { auth: { scrypt: TEST_SCRYPT, backoff: NO_BACKOFF }, ...opts.api }),
    runtime: {
      radioLink: () =>
        medium.attach(opts.position ?? [0, 0, 0], {
          frequency_hz: DEFAULT_RADIO_SETTINGS.frequency_hz,
          modem: DEFAULT_RADIO_SETTINGS.modem_backend,
        }),
      sensor: opts.sensor ?? HOLD_ON_GROUND,
      ...(opts.baro ? { baro: opts.baro } : {}),
      ...(opts.sensorClock ? { sensorClock: opts.sensorClock } : {}),
    },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const port = device.ports.https;
  const nvs = join(dataDir, "nvs");
  return {
    device,
    port,
    dataDir,
    medium,
    agent,
    call: (method, path, callOpts = {}) => callDevice(device, port, method, path, { agent, ...callOpts }),
    settingsFiles() {
      const files = new Map<string, string>();
      if (!existsSync(nvs)) return files;
      for (const name of readdirSync(nvs).sort()) files.set(name, readFileSync(join(nvs, name), "utf8"));
      return files;
    },
    async stop() {
      agent.destroy();
      await device.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A clock that moves `stepMs` on every read. The airspeed sources read their clock once on start and
 * once per reading, so with one sample period as the step a time-compressed flight is sampled at the
 * same simulated instants however late the poll timer fires: a loaded machine slows the flight down
 * instead of dropping its samples.
 */
export function steppedClock(stepMs: number): () => number {
  let t = 0;
  return () => (t += stepMs);
}

/** One request over real HTTPS, trusting the certificate the device presents now. */
export function callDevice(
  device: Device,
  port: number,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<ApiReply> {
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const headers: OutgoingHttpHeaders = { ...opts.headers };
  if (payload !== undefined) {
    headers["content-type"] ??= opts.contentType ?? "application/json";
    headers["content-length"] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method,
        headers,
        ...(opts.anyCertificate
          ? { rejectUnauthorized: false }
          : { ca: device.ca()?.certPem ?? device.certificate().certPem }),
        agent: opts.agent ?? false,
        timeout: 15_000,
      },
      (res) => {
        // Read now: a keep-alive socket goes back to the pool (and off `res`) once the body ends.
        const peerFingerprint = (res.socket as TLSSocket | null)?.getPeerCertificate?.()?.fingerprint256;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text === "" ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json,
            peerFingerprint,
          });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** A Bearer header for `password`. */
export const bearer = (password: string) => ({ authorization: `Bearer ${password}` });
