// MQTT and Home Assistant: every unit on a club's broker (issue #17).
//
// Layer: beside `web`. Like the HTTPS app it is a transport for runtime state: it reads the winch and
// aircraft domain (receiver snapshot, launch history, live document) and knows nothing of the API or
// the device assembly; the device wires it in and the API reports its status and changes its settings.
export {
  brokerLabel,
  DEFAULT_MQTT_PREFIX,
  type MqttConfig,
  type MqttConfigInput,
  resolveMqttConfig,
} from "./config.js";
export type { MqttConnectionStatus } from "./connection.js";
export { allDiscoveryTopics, discoveryConfigs, HA_STATUS_TOPIC } from "./discovery.js";
export { aircraftFeed, winchFeed } from "./feeds.js";
export { createMqttService, type MqttService, type MqttServiceStatus } from "./service.js";
export { unitTopics } from "./topics.js";
export { createMqttUnit, type MqttUnit, type UnitFeed, type UnitInfo } from "./unit-publisher.js";
