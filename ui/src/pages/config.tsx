import { Link } from "../router.js";
import { ConfigDevice } from "./config-device.js";
import { ConfigMqtt } from "./config-mqtt.js";
import { ConfigRadio } from "./config-radio.js";
import { ConfigSecurity } from "./config-security.js";
import { ConfigWifi } from "./config-wifi.js";

const TABS = [
  { path: "/config", label: "Device", page: ConfigDevice },
  { path: "/config/radio", label: "Radio", page: ConfigRadio },
  { path: "/config/wifi", label: "Wi-Fi", page: ConfigWifi },
  { path: "/config/mqtt", label: "MQTT", page: ConfigMqtt },
  { path: "/config/security", label: "Security", page: ConfigSecurity },
] as const;

export const CONFIG_PATHS: readonly string[] = TABS.map((t) => t.path);

/** Config: one tab per area, each loading only its own resource when opened. */
export function Config({ path }: { path: string }) {
  const tab = TABS.find((t) => t.path === path) ?? TABS[0];
  const Page = tab.page;
  return (
    <div class="page config">
      <h1>Config</h1>
      <nav class="tabs" aria-label="Config sections">
        {TABS.map((t) => (
          <Link
            key={t.path}
            href={t.path}
            class={t.path === tab.path ? "active" : ""}
            aria-current={t.path === tab.path ? "page" : undefined}
          >
            {t.label}
          </Link>
        ))}
      </nav>
      <Page key={tab.path} />
    </div>
  );
}
