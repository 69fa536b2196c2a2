import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { registerDeviceApi } from "../../src/api/device-api.js";
import { Device } from "../../src/device/device.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { UdpRadioLink } from "../../src/radio/udp-link.js";
import { callDevice, NO_BACKOFF, TEST_SCRYPT } from "../api/device-harness.js";

const bindUdp = (port = 0) =>
  new Promise<Socket>((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(port, "127.0.0.1", () => resolve(s));
  });

describe("a runtime that fails to start during a restart", () => {
  const open: { close(): unknown }[] = [];
  afterAll(async () => {
    for (const o of open) await o.close();
  });

  it("is retried in the background, reported meanwhile, and recovers once the port is free", async () => {
    // The radio's UDP port for the next start is one the test holds: a real EADDRINUSE.
    const held = await bindUdp();
    const heldPort = held.address().port;
    let radioPort = 0;
    const { logger, ring } = createDeviceLogger({ destination: null });
    const device = await Device.start({
      mode: "winch",
      espId: "0C0D0E",
      dataDir: mkdtempSync(join(tmpdir(), "owts-recover-")),
      httpsPort: 0,
      httpPort: 0,
      listen: "127.0.0.1",
      maxSockets: 8,
      mdns: false,
      sans: ["127.0.0.1"],
      logger,
      ring,
      uiDir: null,
      registerApi: (app, ctx) =>
        registerDeviceApi(app, ctx, { auth: { scrypt: TEST_SCRYPT, backoff: NO_BACKOFF } }),
      runtime: {
        radioLink: () =>
          UdpRadioLink.open({ bind: { address: "127.0.0.1", port: radioPort }, peers: [], logger }),
      },
    });
    open.push({ close: () => device.stop() });
    const port = device.ports.https;
    expect(device.runtime()).not.toBeNull();

    radioPort = heldPort;
    expect((await callDevice(device, port, "POST", "/api/reboot")).status).toBe(202);
    // The restart completes without a runtime; the web side keeps answering and says why.
    for (let i = 0; i < 40 && !device.runtimeProblem(); i++) await new Promise((r) => setTimeout(r, 50));
    const problem = device.runtimeProblem();
    expect(problem?.reason).toMatch(
      new RegExp(`udp radio cannot bind 127\\.0\\.0\\.1:${heldPort}: .*EADDRINUSE`),
    );
    expect(problem?.attempts).toBeGreaterThanOrEqual(1);
    const status = await callDevice(device, port, "GET", "/api/status");
    expect(status.status).toBe(200);
    expect((status.json as { runtime: unknown }).runtime).toMatchObject({
      running: false,
      problem: { reason: problem?.reason, attempts: expect.any(Number) },
    });
    expect(ring.after(0).lines.map((l) => l.msg)).toContainEqual(
      expect.stringMatching(
        /the winch runtime did not start \(udp radio cannot bind .*\); trying again in \d+ s/,
      ),
    );

    // Free the port: the next retry (1 s, then 2 s, …) brings the runtime back by itself.
    await new Promise<void>((r) => held.close(() => r()));
    for (let i = 0; i < 100 && !device.runtime(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(device.runtime()).not.toBeNull();
    expect(device.runtimeProblem()).toBeNull();
    expect(ring.after(0).lines.map((l) => l.msg)).toContainEqual(
      expect.stringMatching(/the winch runtime runs again after \d+ failed attempt/),
    );
    expect((await callDevice(device, port, "GET", "/api/winch")).status).toBe(200);
    const after = await callDevice(device, port, "GET", "/api/status");
    expect((after.json as { runtime: unknown }).runtime).toEqual({ running: true, problem: null });
  }, 30_000);
});
