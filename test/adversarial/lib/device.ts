import { rmSync } from "node:fs";
import type https from "node:https";
import {
  keepAliveAgent,
  loopback,
  type Reply,
  type RequestSpec,
  send,
} from "../../../bench/lib/load-client.js";
import { rssOf } from "../../../bench/lib/processes.js";
import { type DeviceProcess, startDevice } from "../../helpers/device-process.js";

/** Short mode (CI): every scenario keeps its shape, with fewer rounds and less time. */
export const SHORT = process.env.OWTS_ADVERSARIAL_SHORT === "1";

/** Prints a figure for docs/RELIABILITY.md; vitest shows it with the test output. */
export function report(scenario: string, figures: Record<string, unknown>): void {
  console.log(`[adversarial] ${scenario} ${JSON.stringify(figures)}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DeviceStatus {
  memory: { heap_free: number; heap_free_min: number; heap_used: number; rss: number };
  sessions: {
    open: number;
    max: number;
    peak_open: number;
    purged: number;
    h2_open: number;
    queued_now: number;
    queued_total: number;
    sliced: number;
    rejected: number;
    closed_for: { slow_reader: number; slow_body: number; h2_abuse: number };
  };
  tls_failures: Record<string, number>;
}

/** A device process plus the small client every scenario needs. */
export class Device {
  readonly agent: https.Agent;
  constructor(
    readonly proc: DeviceProcess,
    private readonly ownDataDir: boolean,
  ) {
    this.agent = keepAliveAgent(2);
  }

  static async start(
    args: string[] = [],
    opts: { dataDir?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
  ): Promise<Device> {
    const proc = await startDevice(args, {
      timeoutMs: opts.timeoutMs ?? 30_000,
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    });
    return new Device(proc, opts.dataDir === undefined);
  }

  get httpsPort(): number {
    return this.proc.httpsPort;
  }

  get httpPort(): number {
    return this.proc.httpPort;
  }

  get pid(): number {
    return this.proc.child.pid!;
  }

  /** True while the process runs. */
  alive(): boolean {
    return this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  rss(): number {
    return rssOf(this.pid);
  }

  request(spec: RequestSpec, timeoutMs = 15_000): Promise<Reply> {
    return send(loopback(this.httpsPort), spec, this.agent, timeoutMs);
  }

  async json<T>(path: string): Promise<T> {
    const r = await this.request({ path });
    if (r.status !== 200)
      throw new Error(`GET ${path} answered ${r.status}: ${r.body.toString().slice(0, 200)}`);
    return JSON.parse(r.body.toString()) as T;
  }

  status(): Promise<DeviceStatus> {
    return this.json<DeviceStatus>("/api/status");
  }

  output(): string {
    return this.proc.output();
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await this.proc.stop();
    if (this.ownDataDir) rmSync(this.proc.dataDir, { recursive: true, force: true });
  }
}

/** Median of a few RSS readings a little apart (one reading can land in the middle of a GC). */
export async function settledRss(device: Device, samples = 5): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    values.push(device.rss());
    await sleep(200);
  }
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}
