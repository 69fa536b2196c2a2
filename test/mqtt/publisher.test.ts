import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allDiscoveryTopics } from "../../src/mqtt/discovery.js";
import { type Broker, PASSWORD, retained, startBroker, subscribe, USER } from "./mosquitto.js";
import { brokerConfig, sleep, until, winchRig } from "./rig.js";

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.kill();
});

/** Keys HA's MQTT sensor requires or we promise, and the units HA accepts per device class. */
const HA_UNITS: Record<string, string[]> = {
  speed: ["km/h", "kn", "mph", "m/s", "ft/s"],
  signal_strength: ["dB", "dBm"],
  duration: ["s", "min", "h", "d", "ms"],
};

describe("MQTT unit against a real Mosquitto", () => {
  it("publishes status (retained), device (retained), the /api/winch document (expiring, ≤5/s) and launches (QoS 1, retained)", async () => {
    const rig = await winchRig(brokerConfig(broker));
    const base = `owts/${rig.espId}`;
    const sub = await subscribe(broker, `${base}/#`);
    try {
      await until(() => rig.unit.status().state === "connected", 10_000, "connected");
      expect(rig.unit.status().protocol).toBe("5");
      // The documents sent on connect (MQTT.js loads then, so they may trail "connected") are not the rate measured.
      await sub.waitFor((m) => m.topic === `${base}/winch`, 5000);
      await sleep(100);
      // Frames every 20 ms for 1 s: 50 changes, at most 5 messages per second reach the broker.
      const t0 = Date.now();
      for (let seq = 0; seq < 50; seq++) {
        rig.frame(seq, 1000 + seq * 10);
        await sleep(20);
      }
      const last = await sub.waitFor(
        (m) => m.topic === `${base}/winch` && m.payload.includes('"seq":49'),
        5000,
      );
      const doc = JSON.parse(last.payload);
      // The same document the API serves: the receiver's snapshot.
      const snap = rig.receiver.snapshot();
      expect(doc.link).toBe("ok");
      expect(doc.telemetry).toMatchObject({ registration: "D-1234", ias: 149, seq: 49, zone: "above" });
      expect(Object.keys(doc.telemetry).sort()).toEqual(Object.keys(snap.telemetry ?? {}).sort());
      expect(last.retain).toBe(false);
      expect(last.properties?.["message-expiry-interval"]).toBe(2);
      const winch = sub.messages.filter((m) => m.topic === `${base}/winch` && m.at >= t0);
      const span = (winch.at(-1)?.at ?? t0) - (winch[0]?.at ?? t0);
      expect(winch.length).toBeGreaterThanOrEqual(3);
      expect(winch.length).toBeLessThanOrEqual(Math.floor(span / 200) + 2);

      const status = retained(broker, `${base}/status`);
      expect(status.map((m) => m.payload)).toEqual(["online"]);
      const device = retained(broker, `${base}/device`);
      expect(JSON.parse(device[0]?.payload ?? "{}")).toMatchObject({ esp_id: rig.espId, mode: "winch" });

      rig.history.finish();
      const launch = await sub.waitFor((m) => m.topic === `${base}/launch`, 5000);
      expect(launch.qos).toBe(1);
      expect(JSON.parse(launch.payload)).toMatchObject({ registration: "D-1234", max_ias: 149 });
      expect(retained(broker, `${base}/launch`).map((m) => JSON.parse(m.payload).max_ias)).toEqual([149]);
      expect(rig.unit.status()).toMatchObject({ dropped: 0, last_error: null });
      expect(rig.unit.status().sent).toBeGreaterThanOrEqual(winch.length + 3);
    } finally {
      await sub.stop();
      await rig.stop();
    }
    // A clean stop says offline itself (retained).
    expect(retained(broker, `${base}/status`).map((m) => m.payload)).toEqual(["offline"]);
  });

  it("announces a valid Home Assistant device, again on HA's birth message, and clears it when discovery goes off", async () => {
    const rig = await winchRig(brokerConfig(broker));
    const ha = `homeassistant/sensor/owts_${rig.espId}/+/config`;
    const sub = await subscribe(broker, ha);
    try {
      await until(() => rig.unit.status().state === "connected", 10_000, "connected");
      await until(() => sub.messages.length >= 6, 5000, "six configs");
      const configs = retained(broker, ha);
      expect(configs).toHaveLength(6);
      const ids = new Set<string>();
      for (const c of configs) {
        const p = JSON.parse(c.payload);
        expect(p).toMatchObject({
          availability_topic: `owts/${rig.espId}/status`,
          payload_available: "online",
          payload_not_available: "offline",
          device: {
            identifiers: [rig.espId],
            model: "OWTS winch unit",
            sw_version: "0.1.0-test",
            configuration_url: "https://127.0.0.1:8443/",
          },
        });
        expect(typeof p.name).toBe("string");
        expect(p.state_topic).toMatch(new RegExp(`^owts/${rig.espId}/(winch|launch)$`));
        expect(p.value_template).toMatch(/^\{\{.*\}\}$/);
        ids.add(p.unique_id);
        if (p.device_class === "enum") {
          expect(p.options.length).toBeGreaterThan(1);
          expect(p.unit_of_measurement).toBeUndefined();
          expect(p.state_class).toBeUndefined();
        } else {
          expect(HA_UNITS[p.device_class]).toContain(p.unit_of_measurement);
        }
      }
      expect(ids.size).toBe(6);
      const ias = JSON.parse(configs.find((c) => c.topic.includes("/ias/"))?.payload ?? "{}");
      expect(ias).toMatchObject({ device_class: "speed", unit_of_measurement: "km/h", expire_after: 2 });
      const rssi = JSON.parse(configs.find((c) => c.topic.includes("/rssi/"))?.payload ?? "{}");
      expect(rssi).toMatchObject({ device_class: "signal_strength", unit_of_measurement: "dBm" });

      // HA restarts and says so: every config comes again.
      const before = sub.messages.length;
      execFileSync("mosquitto_pub", [
        "-p",
        String(broker.port),
        "-u",
        USER,
        "-P",
        PASSWORD,
        "-t",
        "homeassistant/status",
        "-m",
        "online",
      ]);
      await until(() => sub.messages.length >= before + 6, 5000, "configs again after HA's birth");
    } finally {
      await sub.stop();
      await rig.stop();
    }
    // The same unit again with --no-mqtt-discovery: the retained configs are gone.
    const off = await winchRig(brokerConfig(broker, { discovery: false }), {}, rig.espId);
    try {
      await until(() => off.unit.status().state === "connected", 10_000, "connected");
      await until(() => retained(broker, ha).length === 0, 5000, "configs cleared");
      expect(
        allDiscoveryTopics(rig.espId).every((t) => t.startsWith(`homeassistant/sensor/owts_${rig.espId}/`)),
      ).toBe(true);
    } finally {
      await off.stop();
    }
  });

  it("connects over TLS with the broker's certificate as CA, and says so in plain words without it", async () => {
    const caPem = readFileSync(broker.caFile, "utf8");
    const tls = await winchRig(brokerConfig(broker, { protocol: "mqtts", port: broker.tlsPort, caPem }));
    try {
      await until(() => tls.unit.status().state === "connected", 10_000, "connected over TLS");
      expect(tls.unit.status().broker).toBe(`mqtts://127.0.0.1:${broker.tlsPort}`);
    } finally {
      await tls.stop();
    }
    const untrusted = await winchRig(brokerConfig(broker, { protocol: "mqtts", port: broker.tlsPort }));
    try {
      await until(() => untrusted.unit.status().last_error !== null, 10_000, "an error");
      expect(untrusted.unit.status().last_error).toMatch(
        /certificate .* is not trusted; give its CA with --mqtt-ca/,
      );
      expect(untrusted.unit.status().state).toBe("waiting");
    } finally {
      await untrusted.stop();
    }
  });

  it("a wrong password: a clear state, no retry storm, and no password in the log", async () => {
    const attemptsBefore = (broker.log().match(/New connection from/g) ?? []).length;
    const rig = await winchRig(brokerConfig(broker, { password: "wrong-Pa55" }));
    try {
      await until(() => rig.unit.status().last_error !== null, 10_000, "an error");
      await sleep(3000);
      const s = rig.unit.status();
      expect(s.last_error).toMatch(
        new RegExp(`^mqtt://127.0.0.1:${broker.port} refused the user name or password`),
      );
      expect(s.state).toBe("waiting");
      expect(s.attempts).toBe(1);
      expect((broker.log().match(/New connection from/g) ?? []).length - attemptsBefore).toBe(1);
      const log = rig.ring
        .after(0)
        .lines.map((e) => JSON.stringify(e))
        .join("\n");
      expect(log).toContain("refused the user name or password");
      expect(log).not.toContain("wrong-Pa55");
      expect(log).not.toContain(PASSWORD);
    } finally {
      await rig.stop();
    }
  });
});
