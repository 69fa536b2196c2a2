import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { MqttService } from "../../mqtt/service.js";
import { configFromSettings, type MqttSettings } from "../../mqtt/settings.js";
import type { Namespace } from "../../store/settings-store.js";
import { ref } from "../schema-ref.js";
import { MQTT_OFF_STATUS, type MqttStatus, MqttUpdate, MqttView } from "../schemas/mqtt.js";
import { rulesFailed, storeOrReject } from "../store-errors.js";

export interface MqttRoutesOptions {
  settings: Namespace<MqttSettings>;
  service: MqttService;
}

/** The connection state for `/api/status` and `/api/mqtt`: the service's figures, or `off`. */
export function mqttStatus(service: MqttService): MqttStatus {
  const s = service.status();
  if (!s.enabled) return { ...MQTT_OFF_STATUS };
  return {
    state: s.state,
    broker: s.broker,
    protocol: s.protocol,
    last_error: s.last_error,
    last_error_at: s.last_error_at,
    connected_since: s.connected_since,
    attempts: s.attempts,
    sent: s.sent,
    dropped: s.dropped,
    queued: s.queued,
  };
}

function view(s: MqttSettings, service: MqttService): MqttView {
  return {
    enabled: s.enabled,
    url: s.url,
    user: s.user,
    password_set: s.password !== null,
    ca_pem: s.ca_pem,
    prefix: s.prefix,
    discovery: s.discovery,
    status: mqttStatus(service),
  };
}

/**
 * `GET`/`PUT /api/mqtt`, both modes. A PUT is checked as a whole (URL, user and password, CA, prefix)
 * before anything is stored; then it is stored and the broker connection replaced at once. The
 * password is write-only: answers say only `password_set`.
 */
export const mqttRoutes: FastifyPluginAsyncTypebox<MqttRoutesOptions> = async (
  app,
  { settings, service },
) => {
  const tags = ["mqtt"];

  app.get(
    "/mqtt",
    { schema: { summary: "MQTT settings and connection state", tags, response: { 200: ref(MqttView) } } },
    async (_request, reply): Promise<MqttView> => {
      reply.header("Cache-Control", "no-cache");
      return view(settings.get(), service);
    },
  );

  app.put<{ Body: MqttUpdate }>(
    "/mqtt",
    {
      schema: {
        summary: "Replace the MQTT settings",
        description:
          "Applied without a restart. `password` and `ca_pem` left out keep the stored ones; `null` removes them. " +
          "A refused body (400 with the field) stores nothing and leaves the connection as it was.",
        tags,
        body: ref(MqttUpdate),
        response: { 200: ref(MqttView) },
      },
    },
    async (request): Promise<MqttView> => {
      const b = request.body;
      const cur = settings.get();
      const next: MqttSettings = {
        enabled: b.enabled,
        url: b.url.trim(),
        user: b.user === undefined ? cur.user : b.user,
        password: b.password === undefined ? cur.password : b.password,
        ca_pem: b.ca_pem === undefined ? cur.ca_pem : b.ca_pem,
        prefix: b.prefix ?? cur.prefix,
        discovery: b.discovery ?? cur.discovery,
      };
      // Settings kept while MQTT is off are checked too, so turning it on later cannot meet bad ones.
      const checked =
        next.enabled || next.url !== "" ? await configFromSettings({ ...next, enabled: true }) : null;
      if (checked && !checked.ok) throw rulesFailed(checked.problems, "MQTT settings");
      await storeOrReject(() => settings.set(next), "MQTT settings");
      await service.configure(next.enabled && checked?.ok ? checked.config : null);
      return view(settings.get(), service);
    },
  );
};
