import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CLI, startDemo, startDevice } from "../helpers/device-process.js";
import { type Broker, PASSWORD, retained, startBroker, subscribe, USER } from "./mosquitto.js";
import { sleep, until } from "./rig.js";

// Real processes on a shared 2-core machine: starting one can take far longer than the default allows.
vi.setConfig({ testTimeout: 180_000 });

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.kill();
});

const mqttFlags = () => [
  "--mqtt",
  broker.url,
  "--mqtt-user",
  USER,
  "--mqtt-password-file",
  broker.passwordFile,
];

/** GET over HTTPS with the device's own certificate unchecked (the test trusts loopback); ms taken. */
function timedGet(port: number, path: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, rejectUnauthorized: false, timeout: 5000 },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

describe("owts start --mqtt (real processes, real Mosquitto)", () => {
  it("retained online, offline by the will on SIGKILL, offline by itself on SIGTERM; no password in its output", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "owts-mqtt-proc-"));
    const status = "owts/5A5A01/status";
    const dev = await startDevice(["--mode", "winch", "--id", "5a5a01", ...mqttFlags()], {
      dataDir,
      timeoutMs: 60_000,
    });
    await until(() => retained(broker, status).some((m) => m.payload === "online"), 10_000, "online");
    const device = retained(broker, "owts/5A5A01/device");
    expect(JSON.parse(device[0]?.payload ?? "{}")).toMatchObject({ esp_id: "5A5A01", mode: "winch" });
    await dev.stop("SIGKILL");
    await until(
      () => retained(broker, status).some((m) => m.payload === "offline"),
      10_000,
      "offline by will",
    );

    // Started again from the stored settings alone (no flags): online again, then a clean stop.
    const again = await startDevice(["--mode", "winch", "--id", "5a5a01"], { dataDir, timeoutMs: 60_000 });
    await until(() => retained(broker, status).some((m) => m.payload === "online"), 10_000, "online again");
    const sub = await subscribe(broker, status);
    const t0 = Date.now();
    expect(await again.stop("SIGTERM")).toBe(0);
    const off = await sub.waitFor((m) => m.payload === "offline" && m.at >= t0, 5000);
    expect(off).toBeDefined();
    await sub.stop();
    expect(dev.output() + again.output()).not.toContain(PASSWORD);
  });

  it("broker killed and restarted: the web side keeps answering, the unit re-announces within 10 s", async () => {
    const dev = await startDevice(["--mode", "winch", "--id", "5a5a02", ...mqttFlags()], {
      timeoutMs: 60_000,
    });
    const status = "owts/5A5A02/status";
    try {
      await until(() => retained(broker, status).some((m) => m.payload === "online"), 10_000, "online");
      await broker.kill();
      let worst = 0;
      for (let i = 0; i < 10; i++) {
        const r = await timedGet(dev.httpsPort, "/api/winch");
        expect(r.status).toBe(200);
        worst = Math.max(worst, r.ms);
        await sleep(100);
      }
      const s = JSON.parse((await timedGet(dev.httpsPort, "/api/status")).body);
      expect(s.mqtt.state).not.toBe("connected");
      expect(s.mqtt.last_error).toMatch(/dropped the connection|connection refused/);
      expect(JSON.stringify(s)).not.toContain(PASSWORD);
      await broker.start();
      const restarted = Date.now();
      await until(() => retained(broker, status).some((m) => m.payload === "online"), 10_000, "re-announced");
      expect(Date.now() - restarted).toBeLessThan(10_000);
      // A loose bound for a loaded machine: the point is that no request waits on the broker.
      expect(worst).toBeLessThan(2000);
    } finally {
      await dev.stop();
    }
  });

  it("owts demo --mqtt publishes both units", async () => {
    const demo = await startDemo({
      extra: ["--mqtt", broker.url, "--mqtt-user", USER, "--mqtt-password-file", broker.passwordFile],
    });
    const sub = await subscribe(broker, "owts/#");
    try {
      const winch = await sub.waitFor((m) => /^owts\/\w+\/winch$/.test(m.topic), 15_000);
      const aircraft = await sub.waitFor((m) => /^owts\/\w+\/aircraft\/live$/.test(m.topic), 15_000);
      expect(JSON.parse(winch.payload)).toHaveProperty("link");
      expect(JSON.parse(aircraft.payload)).toHaveProperty("flight_phase");
      const online = retained(broker, "owts/+/status").filter((m) => m.payload === "online");
      expect(online.length).toBeGreaterThanOrEqual(2);
    } finally {
      await sub.stop();
      await demo.stop();
    }
  });

  it.each([
    [["--mqtt", "http://broker"], /^owts start: --mqtt: must start with mqtt:\/\/ or mqtts:\/\//],
    [
      ["--mqtt", "mqtt://127.0.0.1:1883", "--mqtt-user", "u", "--mqtt-password-file", "/nonexistent/pw"],
      /^owts start: --mqtt-password-file: cannot be read/,
    ],
    [
      ["--mqtt", "mqtts://127.0.0.1:8883", "--mqtt-ca", "NOTCERT"],
      /^owts start: --mqtt-ca: holds no PEM certificate/,
    ],
    [["--mqtt-user", "u"], /^owts start: --mqtt-user needs --mqtt URL/],
  ])("refuses %j with exit 2 and one line", (args, line) => {
    const dir = mkdtempSync(join(tmpdir(), "owts-mqtt-bad-"));
    const notCert = join(dir, "not-a-cert.pem");
    writeFileSync(notCert, "hello\n");
    const argv = args.map((a) => (a === "NOTCERT" ? notCert : a));
    const r = spawnSync(
      process.execPath,
      [CLI, "start", "--no-mdns", "--data-dir", dir, "--https-port", "0", "--http-port", "0", ...argv],
      {
        encoding: "utf8",
        timeout: 90_000,
      },
    );
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
  });
});
