import { Agent } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { About } from "../../src/api/schemas/index.js";
import { type ApiReply, startTestDevice, type TestDevice } from "./device-harness.js";

/**
 * Not a latency target (those live in bench/): an in-place restart does no slow work, so this bound
 * only catches a restart that sits out a timeout instead (the socket budget's 5 s closeAll limit, its 10 s
 * queue timeout), with room for a loaded 2-core machine.
 */
const RESTART_BOUND_MS = 2000;

/*
 * Mode changes and reboots restart the runtime in place on a real device while clients keep polling:
 * the new mode answers within 2 s, mode-only routes follow it, and no poll meets a 5xx, a refused
 * connection or a half-restarted device.
 */

const ESP = "D0D0E1";
let device: TestDevice;

beforeAll(async () => {
  device = await startTestDevice({ mode: "winch", espId: ESP });
}, 60_000);

afterAll(async () => {
  await device?.stop();
});

interface Poll {
  path: string;
  status?: number;
  error?: string;
  fingerprint?: string;
  mode?: string;
}

/** Clients polling a few endpoints over keep-alive connections until stopped, like open UI tabs. */
function startPolling(paths: string[]) {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const polls: Poll[] = [];
  let running = true;
  const loops = paths.map(async (path) => {
    while (running) {
      const poll: Poll = { path };
      try {
        // Any certificate: the hostname, and with it the certificate, changes under the poll;
        // the fingerprints seen are checked against the device's own afterwards.
        const r = await device.call("GET", path, { agent, anyCertificate: true });
        poll.status = r.status;
        if (r.peerFingerprint) poll.fingerprint = r.peerFingerprint;
        const mode = (r.json as { mode?: unknown } | undefined)?.mode;
        if (typeof mode === "string") poll.mode = mode;
      } catch (err) {
        poll.error = (err as Error).message;
      }
      polls.push(poll);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  return {
    polls,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

async function about(): Promise<About> {
  const r = await device.call("GET", "/api/about");
  expect(r.status).toBe(200);
  return r.json as About;
}

/** Milliseconds until `probe` holds, polling every 20 ms; fails after 10 s. */
async function msUntil(probe: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (!(await probe())) {
    if (performance.now() - start > 10_000) throw new Error("condition not met within 10 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - start;
}

const errorOf = (r: ApiReply) => (r.json as { error?: string } | undefined)?.error;

describe("PUT /api/mode", () => {
  it("switches winch → aircraft → winch in place while clients poll, without a 5xx or a connection error", async () => {
    const certs = new Set([device.device.certificate().fingerprintSha256]);
    const runtimes = [device.device.runtime()];
    const poller = startPolling([
      "/api/about",
      "/api/mode",
      "/api/winch",
      "/api/aircraft/live",
      "/api/status",
    ]);
    try {
      await new Promise((r) => setTimeout(r, 200));
      for (const mode of ["aircraft", "winch"] as const) {
        const other = mode === "aircraft" ? "winch" : "aircraft";
        const put = await device.call("PUT", "/api/mode", { body: { mode } });
        expect(put.status).toBe(200);
        expect(put.json).toEqual({ mode, restarting: true });
        const ms = await msUntil(async () => {
          const a = await about();
          return a.mode === mode && a.hostname === `OWTS-${mode}-${ESP}.local`;
        });
        expect(ms).toBeLessThan(RESTART_BOUND_MS);
        // The mode's routes answer, the other mode's say so.
        const own =
          mode === "aircraft"
            ? ["/api/aircraft", "/api/aircraft/live", "/api/history"]
            : ["/api/winch", "/api/history"];
        const foreign = mode === "aircraft" ? ["/api/winch"] : ["/api/aircraft", "/api/aircraft/live"];
        for (const path of own) expect((await device.call("GET", path)).status, path).toBe(200);
        for (const path of foreign) {
          const r = await device.call("GET", path);
          expect([r.status, errorOf(r)], path).toEqual([404, `${other}_mode_only`]);
        }
        // A new runtime of the new mode; the certificate named both modes' hostnames from the start.
        const runtime = device.device.runtime();
        expect(runtime?.mode).toBe(mode);
        expect(runtimes).not.toContain(runtime);
        runtimes.push(runtime);
        const a = await about();
        expect(a.certificate.sha256).toBe(device.device.certificate().fingerprintSha256);
        certs.add(a.certificate.sha256);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await poller.stop();
    }
    const { polls } = poller;
    expect(polls.filter((p) => p.error)).toEqual([]);
    expect(polls.filter((p) => (p.status ?? 0) >= 500)).toEqual([]);
    expect(polls.length).toBeGreaterThan(50);
    // Polls saw both modes, and only this device's certificates.
    expect(new Set(polls.map((p) => p.mode).filter(Boolean))).toEqual(new Set(["winch", "aircraft"]));
    for (const p of polls) if (p.fingerprint) expect(certs).toContain(p.fingerprint);
    // ... and that is one certificate: what a user compared or installed survives a mode change.
    expect(certs.size).toBe(1);
    // Mode-only routes answered 200 or their 404 token, nothing else.
    for (const p of polls.filter((q) => q.path === "/api/winch" || q.path === "/api/aircraft/live"))
      expect([200, 304, 404]).toContain(p.status);
  });

  it("with the mode it already has answers restarting: false and restarts nothing", async () => {
    const runtime = device.device.runtime();
    const mode = device.device.identity().mode;
    const put = await device.call("PUT", "/api/mode", { body: { mode } });
    expect(put.json).toEqual({ mode, restarting: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(device.device.runtime()).toBe(runtime);
  });
});

describe("POST /api/reboot", () => {
  it("answers 202, then restarts the runtime in place from the stored settings", async () => {
    const before = device.device.runtime();
    const mode = device.device.identity().mode;
    // A setting stored on disk only is what the restarted runtime must pick up.
    const patch = await device.call("PATCH", "/api/radio", { body: { tx_power_dbm: 10 } });
    expect(patch.status).toBe(200);
    const poller = startPolling(["/api/about", "/api/radio"]);
    try {
      const r = await device.call("POST", "/api/reboot");
      expect(r.status).toBe(202);
      expect(r.json).toEqual({ restarting: true });
      const ms = await msUntil(async () => {
        await about();
        const now = device.device.runtime();
        return now !== null && now !== before;
      });
      expect(ms).toBeLessThan(RESTART_BOUND_MS);
    } finally {
      await poller.stop();
    }
    expect(poller.polls.filter((p) => p.error || (p.status ?? 0) >= 500)).toEqual([]);
    expect((await about()).mode).toBe(mode);
    expect(device.device.runtime()?.radio.settings().tx_power_dbm).toBe(10);
    const radio = (await device.call("GET", "/api/radio")).json as { tx_power_dbm: number };
    expect(radio.tx_power_dbm).toBe(10);
  });
});
