import { createDeviceLogger } from "../../src/device/logger.js";
import type { MqttConfig } from "../../src/mqtt/config.js";
import { winchFeed } from "../../src/mqtt/feeds.js";
import { createMqttUnit, type MqttUnit, type MqttUnitOptions } from "../../src/mqtt/unit-publisher.js";
import { type DownlinkMessage, encodeFrame, type FullTelemetry } from "../../src/telemetry/frame.js";
import { identityHash } from "../../src/telemetry/identity.js";
import { LaunchHistory, memoryLaunchStore } from "../../src/winch/history.js";
import { WinchReceiver } from "../../src/winch/receiver.js";
import { type Broker, PASSWORD, USER } from "./mosquitto.js";

export const FULL: FullTelemetry = {
  kind: "full",
  registration: "D-1234",
  type: "ASK 21",
  unit: "kmh",
  v_min: 90,
  v_opt: 105,
  v_max: 130,
  v_current_tenths: 1000,
  sequence: 0,
};

function bytes(msg: DownlinkMessage): Uint8Array {
  const r = encodeFrame(msg);
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
}

export function brokerConfig(broker: Broker, over: Partial<MqttConfig> = {}): MqttConfig {
  return {
    protocol: "mqtt",
    host: "127.0.0.1",
    port: broker.port,
    user: USER,
    password: PASSWORD,
    caPem: null,
    prefix: "owts",
    discovery: true,
    ...over,
  };
}

export interface WinchRig {
  espId: string;
  receiver: WinchReceiver;
  history: LaunchHistory;
  unit: MqttUnit;
  ring: ReturnType<typeof createDeviceLogger>["ring"];
  /** Feeds frame number `seq` with IAS `tenths` (the first one is full, the rest deltas). */
  frame(seq: number, tenths: number): void;
  stop(): Promise<void>;
}

let counter = 0;

/** A real receiver and launch history (system clock) published by a real MQTT unit. */
export async function winchRig(
  config: MqttConfig,
  tuning: Partial<MqttUnitOptions> = {},
  espId = `T${process.pid.toString(16).toUpperCase()}${(counter++).toString(16)}`.slice(0, 6).padEnd(6, "0"),
): Promise<WinchRig> {
  const { logger, ring } = createDeviceLogger({ destination: null });
  const receiver = new WinchReceiver({ logger });
  const history = await LaunchHistory.open({ logger, store: memoryLaunchStore() });
  const unfollowHistory = history.follow(receiver);
  receiver.start(50);
  const unit = createMqttUnit({
    config,
    logger,
    info: () => ({
      espId,
      mode: "winch",
      hostname: `OWTS-winch-${espId}`,
      version: "0.1.0-test",
      configurationUrl: "https://127.0.0.1:8443/",
    }),
    device: () => ({ esp_id: espId, mode: "winch", version: "0.1.0-test" }),
    ...tuning,
  });
  const unfollow = unit.follow(winchFeed(receiver, history));
  const hash = identityHash(FULL.registration, FULL.type);
  return {
    espId,
    receiver,
    history,
    unit,
    ring,
    frame(seq, tenths) {
      const msg: DownlinkMessage =
        seq === 0
          ? { ...FULL, sequence: 0, v_current_tenths: tenths }
          : { kind: "delta", identity_hash: hash, v_current_tenths: tenths, sequence: seq };
      receiver.handleFrame(bytes(msg), { rssi_dbm: -80, snr_db: 9, rx_t_ms: performance.now() });
    },
    async stop() {
      unfollow();
      unfollowHistory();
      receiver.stop();
      await unit.stop();
    },
  };
}

export async function until(pred: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
