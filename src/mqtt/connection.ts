import type { IClientOptions, MqttClient } from "mqtt";
import { type Clock, systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { brokerLabel, type MqttConfig } from "./config.js";
import { explainMqttError, UNSUPPORTED_PROTOCOL } from "./errors.js";
import { createMessageQueue, DEFAULT_QUEUE_LIMIT, type OutMessage } from "./queue.js";

export type MqttConnectionState = "connecting" | "connected" | "waiting" | "stopped";

/** What `/api/status` and the MQTT page show. No credentials, ever. */
export interface MqttConnectionStatus {
  state: MqttConnectionState;
  /** `mqtt://host:port` */
  broker: string;
  /** The protocol spoken (or being tried): "5" or "3.1.1". */
  protocol: "5" | "3.1.1";
  /** The last thing that went wrong, in plain words; null before anything did. */
  last_error: string | null;
  last_error_at: string | null;
  connected_since: string | null;
  /** Connection attempts since start. */
  attempts: number;
  /** Messages the broker took (QoS 0: written; QoS 1: acknowledged). */
  sent: number;
  /** Messages given up: pushed out of the full queue, expired while waiting, or lost in flight. */
  dropped: number;
  /** Waiting for the broker now. */
  queued: number;
}

export interface MqttConnectionOptions {
  config: MqttConfig;
  clientId: string;
  /** Retained `offline` here is the will; `online` is published by `onConnect`. */
  statusTopic: string;
  logger: Logger;
  /** Runs on every CONNACK: publish status, retained documents, discovery. */
  onConnect?: () => void;
  /** Subscribed on every connect. @default [] */
  subscriptions?: string[];
  onMessage?: (topic: string, payload: Buffer) => void;
  /** @default systemClock */
  clock?: Clock;
  /** First retry delay; doubles per failure. @default 1000 */
  backoffMinMs?: number;
  /** Longest delay between attempts: a broker back from a restart is found within this. @default 8000 */
  backoffMaxMs?: number;
  /** First retry delay after the broker refused us (credentials, trust): no retry storm. @default 15000 */
  refusedBackoffMinMs?: number;
  /** Longest delay after refusals: someone has to fix the password or the CA first. @default 60000 */
  refusedBackoffMaxMs?: number;
  /** A broker that accepts TCP but sends no CONNACK in this long is given up on. @default 5000 */
  connectTimeoutMs?: number;
  /** @default 30 */
  keepaliveS?: number;
  /** @default 200 */
  queueLimit?: number;
  /** Messages handed to MQTT.js and not yet confirmed; the rest wait in our bounded queue. @default 16 */
  inflightLimit?: number;
  /** On stop, how long the final `offline` may take before the socket is closed anyway. @default 1000 */
  stopTimeoutMs?: number;
}

export interface MqttConnection {
  /** Queues `m` and sends it when the broker can take it. Never throws, never waits. */
  publish(m: OutMessage): void;
  /** Puts `messages` before everything waiting (status, device, discovery on connect), in this order. */
  announce(messages: OutMessage[]): void;
  status(): MqttConnectionStatus;
  connected(): boolean;
  protocolVersion(): 4 | 5;
  /** Publishes a retained `offline` (if connected), disconnects cleanly, stops retrying. */
  stop(): Promise<void>;
}

type MqttJs = typeof import("mqtt").default;
/**
 * MQTT.js (with mqtt-packet, readable-stream, bl, debug, …: ~1 MB of code), loaded on the first
 * connection attempt: a device with no broker configured never holds it.
 */
let mqttJs: MqttJs | undefined;
let loadingMqttJs: Promise<MqttJs> | undefined;
const loadMqttJs = (): Promise<MqttJs> =>
  (loadingMqttJs ??= import("mqtt").then(
    (m) => {
      mqttJs = m.default;
      return mqttJs;
    },
    (err: unknown) => {
      loadingMqttJs = undefined; // the next attempt tries again
      throw err;
    },
  ));

interface InFlight {
  message: OutMessage;
  settled: boolean;
}

/**
 * One broker connection that is never in the way: connecting, publishing and failing all happen in
 * callbacks; a broker that is down, slow, refusing or silent costs a bounded queue and a timer. Retries
 * back off (doubling, capped) and start slower when the broker refused us on purpose. MQTT 5 first; a
 * broker that answers "unsupported protocol version" is retried at once with 3.1.1.
 *
 * MQTT.js's own reconnect and offline queue are off: a fresh client per attempt keeps its state simple,
 * and our queue decides what survives a disconnection (launches) and what does not (stale readings).
 */
export function createMqttConnection(opts: MqttConnectionOptions): MqttConnection {
  const {
    config,
    clock = systemClock,
    backoffMinMs = 1000,
    backoffMaxMs = 8000,
    refusedBackoffMinMs = 15_000,
    refusedBackoffMaxMs = 60_000,
    connectTimeoutMs = 5000,
    keepaliveS = 30,
    queueLimit = DEFAULT_QUEUE_LIMIT,
    inflightLimit = 16,
    stopTimeoutMs = 1000,
    subscriptions = [],
  } = opts;
  const log = opts.logger.child({ tag: "mqtt" });
  const broker = brokerLabel(config);
  const queue = createMessageQueue(queueLimit);
  const inflight = new Set<InFlight>();
  let client: MqttClient | null = null;
  let isConnected = false;
  let version: 4 | 5 = 5;
  let failures = 0;
  let cancelRetry: (() => void) | null = null;
  let stopped = false;
  let lastLogged: string | null = null;
  const st = {
    state: "connecting" as MqttConnectionState,
    last_error: null as string | null,
    last_error_at: null as string | null,
    connected_since: null as string | null,
    attempts: 0,
    sent: 0,
    dropped: 0,
  };

  const settle = (f: InFlight, err: Error | undefined) => {
    if (f.settled) return;
    f.settled = true;
    inflight.delete(f);
    if (!err) st.sent++;
    // A launch lost in flight goes back to the front; a reading or document is not worth resending.
    else if (f.message.cls === "launch") st.dropped += queue.unshift(f.message);
    else st.dropped++;
    pump();
  };

  function pump(): void {
    const c = client;
    while (c && isConnected && inflight.size < inflightLimit) {
      const { message, expired } = queue.shift(clock.now());
      st.dropped += expired;
      if (!message) return;
      const f: InFlight = { message, settled: false };
      inflight.add(f);
      const left =
        message.expiresAt === undefined ? undefined : Math.ceil((message.expiresAt - clock.now()) / 1000);
      const properties =
        version === 5 && left !== undefined ? { messageExpiryInterval: Math.max(1, left) } : undefined;
      c.publish(
        message.topic,
        message.payload,
        { qos: message.qos, retain: message.retain, ...(properties ? { properties } : {}) },
        (err) => settle(f, err),
      );
    }
  }

  const noteError = (err: unknown) => {
    const e = explainMqttError(err, broker, connectTimeoutMs);
    st.last_error = e.text;
    st.last_error_at = new Date().toISOString();
    // The same failure on every retry would flood the log ring; say it once until something changes.
    if (e.text !== lastLogged) {
      log.warn(`MQTT: ${e.text}`);
      lastLogged = e.text;
    }
    return e;
  };

  function scheduleRetry(refused: boolean): void {
    if (stopped) return;
    failures++;
    const [min, max] = refused ? [refusedBackoffMinMs, refusedBackoffMaxMs] : [backoffMinMs, backoffMaxMs];
    const delay = Math.min(max, min * 2 ** Math.min(failures - 1, 16));
    st.state = "waiting";
    cancelRetry = clock.setTimeout(() => {
      cancelRetry = null;
      attempt();
    }, delay);
  }

  function dropClient(c: MqttClient): void {
    c.removeAllListeners();
    c.on("error", () => {}); // a late error from a discarded client must not crash the process
    c.end(true);
    for (const f of [...inflight]) settle(f, new Error("connection closed"));
  }

  function attempt(): void {
    if (stopped) return;
    const mqtt = mqttJs;
    if (!mqtt) {
      loadMqttJs().then(attempt, (err) => {
        noteError(err);
        scheduleRetry(false);
      });
      return;
    }
    st.state = "connecting";
    st.attempts++;
    const will = { topic: opts.statusTopic, payload: Buffer.from("offline"), qos: 1 as const, retain: true };
    const options: IClientOptions = {
      protocol: config.protocol,
      host: config.host,
      port: config.port,
      clientId: opts.clientId,
      protocolVersion: version,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: connectTimeoutMs,
      keepalive: keepaliveS,
      queueQoSZero: false,
      will,
      ...(config.user !== null ? { username: config.user } : {}),
      ...(config.password !== null ? { password: config.password } : {}),
      ...(config.protocol === "mqtts"
        ? { rejectUnauthorized: true, ...(config.caPem ? { ca: config.caPem } : {}) }
        : {}),
    };
    const c = mqtt.connect(options);
    client = c;
    let refused = false;
    let fallback = false;
    c.on("connect", () => {
      if (client !== c) return;
      isConnected = true;
      failures = 0;
      lastLogged = null;
      st.state = "connected";
      st.connected_since = new Date().toISOString();
      log.info(`MQTT connected to ${broker} (MQTT ${version === 5 ? "5" : "3.1.1"})`);
      if (subscriptions.length > 0) c.subscribe(subscriptions, { qos: 0 }, () => {});
      try {
        opts.onConnect?.();
      } catch (err) {
        log.error(`MQTT: announcing after connect failed: ${(err as Error).message}`);
      }
      pump();
    });
    c.on("message", (topic, payload) => {
      try {
        opts.onMessage?.(topic, payload);
      } catch (err) {
        log.error(`MQTT: handling ${topic} failed: ${(err as Error).message}`);
      }
    });
    c.on("error", (err) => {
      if (client !== c) return;
      const code = (err as { code?: unknown }).code;
      if (version === 5 && typeof code === "number" && UNSUPPORTED_PROTOCOL.has(code)) {
        fallback = true;
        log.info(`MQTT: ${broker} does not offer MQTT 5; using 3.1.1`);
        return;
      }
      refused = noteError(err).refused;
    });
    c.on("close", () => {
      if (client !== c) return;
      const wasConnected = isConnected;
      isConnected = false;
      client = null;
      st.connected_since = null;
      dropClient(c);
      if (stopped) return;
      if (fallback) {
        version = 4;
        attempt();
        return;
      }
      // A connection that worked and then closed is an error too, even when no socket error came first.
      if (wasConnected) noteError(Object.assign(new Error("closed"), { code: "ECONNRESET" }));
      scheduleRetry(refused);
    });
  }

  attempt();

  return {
    publish(m) {
      if (stopped) return;
      st.dropped += queue.push(m);
      pump();
    },
    announce(messages) {
      if (stopped) return;
      for (const m of [...messages].reverse()) st.dropped += queue.unshift(m);
      pump();
    },
    status: () => ({
      ...st,
      broker,
      protocol: version === 5 ? "5" : "3.1.1",
      queued: queue.size(),
    }),
    connected: () => isConnected,
    protocolVersion: () => version,
    async stop() {
      if (stopped) return;
      stopped = true;
      cancelRetry?.();
      cancelRetry = null;
      st.state = "stopped";
      const c = client;
      client = null;
      if (!c) return;
      if (isConnected) {
        isConnected = false;
        // The device says goodbye itself: a clean DISCONNECT does not fire the will.
        await new Promise<void>((resolve) => {
          const cancel = clock.setTimeout(resolve, stopTimeoutMs);
          c.publish(opts.statusTopic, "offline", { qos: 1, retain: true }, () => {
            cancel();
            resolve();
          });
        });
        await new Promise<void>((resolve) => {
          const cancel = clock.setTimeout(resolve, stopTimeoutMs);
          c.end(false, {}, () => {
            cancel();
            resolve();
          });
        });
      }
      dropClient(c);
      log.info(`MQTT: disconnected from ${broker}`);
    },
  };
}
