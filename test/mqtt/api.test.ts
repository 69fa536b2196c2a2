import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mqttRoutes } from "../../src/api/routes/mqtt.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { createMqttService, type MqttService } from "../../src/mqtt/service.js";
import { mqttSettings } from "../../src/mqtt/settings.js";
import { SettingsStore } from "../../src/store/settings-store.js";
import { buildTestApp } from "../api/test-app.js";
import { type Broker, PASSWORD, retained, startBroker, USER } from "./mosquitto.js";
import { until } from "./rig.js";

let broker: Broker;
let service: MqttService;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await service?.stop();
  await broker?.kill();
});

describe("GET/PUT /api/mqtt", () => {
  it("refuses bad input with the field and stores nothing; applies good input at once; never returns the password", async () => {
    const dir = mkdtempSync(join(tmpdir(), "owts-mqtt-api-"));
    const { logger } = createDeviceLogger({ destination: null });
    const store = await SettingsStore.open(dir, logger);
    const settings = mqttSettings(store);
    const espId = "A1B2C3";
    service = createMqttService({
      logger,
      info: () => ({
        espId,
        mode: "winch",
        hostname: `OWTS-winch-${espId}`,
        version: "t",
        configurationUrl: "https://x/",
      }),
      device: () => ({ esp_id: espId }),
    });
    const { app } = await buildTestApp({
      routes: (a) => void a.register(mqttRoutes, { prefix: "/api", settings, service }),
    });
    const get = async () => (await app.inject({ method: "GET", url: "/api/mqtt" })).json();

    expect(await get()).toMatchObject({ enabled: false, password_set: false, status: { state: "off" } });
    const file = settings.file;
    const before = existsSync(file) ? readFileSync(file, "utf8") : null;

    for (const [body, field] of [
      [{ enabled: true, url: "http://127.0.0.1:1883" }, "/url"],
      [{ enabled: true, url: "mqtt://u:p@127.0.0.1:1883" }, "/url"],
      [{ enabled: true, url: `mqtts://127.0.0.1:${broker.tlsPort}`, ca_pem: "not a certificate" }, "/ca_pem"],
      [{ enabled: true, url: broker.url, prefix: "owts/#" }, "/prefix"],
      [{ enabled: true, url: broker.url, password: "x" }, "/user"],
      [{ enabled: "yes", url: broker.url }, "/enabled"],
    ] as const) {
      const r = await app.inject({ method: "PUT", url: "/api/mqtt", payload: body });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error).toBe("validation_failed");
      expect(r.json().details.map((d: { field: string }) => d.field)).toContain(field);
      expect(existsSync(file) ? readFileSync(file, "utf8") : null).toBe(before);
      expect(service.status().enabled).toBe(false);
    }

    const ok = await app.inject({
      method: "PUT",
      url: "/api/mqtt",
      payload: { enabled: true, url: broker.url, user: USER, password: PASSWORD },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).not.toContain(PASSWORD);
    expect(ok.json()).toMatchObject({ enabled: true, url: broker.url, user: USER, password_set: true });
    expect(ok.json()).not.toHaveProperty("password");
    await until(
      () => service.status().enabled && (service.status() as { state: string }).state === "connected",
      10_000,
      "connected",
    );
    expect(retained(broker, `owts/${espId}/status`).map((m) => m.payload)).toEqual(["online"]);
    expect(await get()).toMatchObject({
      status: { state: "connected", broker: broker.url, protocol: "5", last_error: null },
    });

    // Left out, the password stays; a new prefix applies at once.
    const again = await app.inject({
      method: "PUT",
      url: "/api/mqtt",
      payload: { enabled: true, url: broker.url, prefix: "club" },
    });
    expect(again.json()).toMatchObject({ password_set: true, prefix: "club" });
    await until(
      () => retained(broker, `club/${espId}/status`).some((m) => m.payload === "online"),
      10_000,
      "online under club/",
    );
    expect(retained(broker, `owts/${espId}/status`).map((m) => m.payload)).toEqual(["offline"]);

    const off = await app.inject({
      method: "PUT",
      url: "/api/mqtt",
      payload: { enabled: false, url: broker.url },
    });
    expect(off.json()).toMatchObject({ enabled: false, status: { state: "off" } });
    expect(retained(broker, `club/${espId}/status`).map((m) => m.payload)).toEqual(["offline"]);
    await app.close();
  });
});
