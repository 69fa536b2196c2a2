import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { registerDeviceApi } from "../../src/api/device-api.js";
import { SystemdLink } from "../../src/cli/systemd.js";
import { Device } from "../../src/device/device.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { SdNotify } from "../../src/device/sd-notify.js";
import { SimMedium } from "../../src/radio/sim-link.js";
import { NO_BACKOFF, TEST_SCRYPT } from "../api/device-harness.js";
import { startDevice } from "../helpers/device-process.js";
import { listenNotify } from "./notify-listener.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

describe("sd_notify over a real AF_UNIX datagram socket", () => {
  const cleanup: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("sends nothing and loads nothing without NOTIFY_SOCKET", () => {
    const { logger } = createDeviceLogger({ destination: null });
    expect(SdNotify.open({}, logger)).toBeNull();
  });

  it("tells READY=1 with a STATUS, RELOADING=1/READY=1 around a restart, WATCHDOG=1 only while the loop runs", async () => {
    const sock = await listenNotify();
    cleanup.push(sock.close);
    const { logger, ring } = createDeviceLogger({ destination: null });
    const link = new SystemdLink();
    const air = new SimMedium();
    const device = await Device.start({
      mode: "winch",
      espId: "0A0B0C",
      dataDir: mkdtempSync(join(tmpdir(), "owts-notify-dev-")),
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
      runtime: { radioLink: () => air.attach([0, 0, 2], { frequency_hz: 869_525_000, modem: "gfsk" }) },
      onRestart: link.onRestart,
    });
    cleanup.push(() => device.stop());
    cleanup.push(() => link.stopping());
    // 400 ms watchdog: a ping every 200 ms.
    link.started(device, { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: "400000" });
    const ready = await sock.waitFor("READY", "1");
    expect(ready.fields.STATUS).toBe(
      `winch OWTS-winch-0A0B0C.local, HTTPS :${device.ports.https}, HTTP :${device.ports.http}; link no signal`,
    );
    await sock.waitFor("WATCHDOG", "1");

    // The event loop blocked for 1.2 s: not one ping may arrive in that window.
    await sleep(300);
    const blockedFrom = nowMs();
    while (nowMs() - blockedFrom < 1200) {
      // busy: a wedged loop
    }
    const blockedTo = nowMs();
    await sleep(500);
    const pings = sock.received.filter((d) => d.fields.WATCHDOG === "1").map((d) => d.t_ms);
    // Python's monotonic clock is the same CLOCK_MONOTONIC as process.hrtime; 50 ms allow for the
    // datagram of the tick that ran just before the loop blocked.
    expect(pings.filter((t) => t > blockedFrom + 50 && t < blockedTo)).toEqual([]);
    expect(pings.filter((t) => t > blockedTo).length).toBeGreaterThan(0);

    const before = sock.received.length;
    await device.restart("test");
    await sleep(200);
    const after = sock.received.slice(before).filter((d) => !("WATCHDOG" in d.fields));
    expect(after.map((d) => Object.keys(d.fields)[0])).toEqual(["RELOADING", "READY"]);
    expect(after[0]?.fields.MONOTONIC_USEC).toMatch(/^\d+$/);
    expect(after[0]?.fields.STATUS).toBe("winch: restarting in place");
  });

  it("withholds WATCHDOG=1 while the alive check fails", async () => {
    const sock = await listenNotify();
    cleanup.push(sock.close);
    const { logger } = createDeviceLogger({ destination: null });
    const n = SdNotify.open({ NOTIFY_SOCKET: sock.path }, logger);
    expect(n).not.toBeNull();
    cleanup.push(() => n?.close());
    let alive = false;
    expect(n?.startWatchdog({ WATCHDOG_USEC: "100000" }, () => alive)).toBe(50);
    await sleep(400);
    expect(sock.received).toEqual([]);
    alive = true;
    await sock.waitFor("WATCHDOG", "1", 2000);
    // A watchdog meant for another process is not ours to feed.
    expect(n?.startWatchdog({ WATCHDOG_USEC: "100000", WATCHDOG_PID: "1" }, () => true)).toBeNull();
  });

  it("owts start: READY=1 after both ports serve, STOPPING=1 on SIGTERM", async () => {
    const sock = await listenNotify();
    cleanup.push(sock.close);
    const dev = await startDevice(["--mode", "aircraft", "--id", "1a2b3c"], {
      env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: "2000000" },
    });
    cleanup.push(() => dev.stop());
    const ready = await sock.waitFor("READY", "1");
    expect(ready.fields.STATUS).toMatch(
      /^aircraft OWTS-aircraft-1A2B3C\.local, HTTPS :\d+, HTTP :\d+; transmitting$/,
    );
    await sock.waitFor("WATCHDOG", "1", 3000);
    expect(await dev.stop()).toBe(0);
    expect((await sock.waitFor("STOPPING", "1")).fields.STATUS).toBe("stopping");
  });
});
