import type { DeviceMode } from "../api/types.js";
import { useDevice } from "../device.js";
import { Link } from "../router.js";
import { ConfigDevice } from "./config-device.js";
import { ConfigMqtt } from "./config-mqtt.js";
import { ConfigPairing } from "./config-pairing.js";
import { ConfigPairings } from "./config-pairings.js";
import { ConfigRadio } from "./config-radio.js";
import { ConfigSecurity } from "./config-security.js";
import { ConfigWifi } from "./config-wifi.js";

interface Tab {
  path: string;
  label: string;
  page: () => preact.JSX.Element;
  /** Shown only in this mode (pairing is the aircraft's code, pairings the winch's list). */
  mode?: DeviceMode;
}

const TABS: readonly Tab[] = [
  { path: "/config", label: "Device", page: ConfigDevice },
  { path: "/config/radio", label: "Radio", page: ConfigRadio },
  { path: "/config/pairing", label: "Pairing", page: ConfigPairing, mode: "aircraft" },
  { path: "/config/pairings", label: "Pairings", page: ConfigPairings, mode: "winch" },
  { path: "/config/wifi", label: "Wi-Fi", page: ConfigWifi },
  { path: "/config/mqtt", label: "MQTT", page: ConfigMqtt },
  { path: "/config/security", label: "Security", page: ConfigSecurity },
];

export const CONFIG_PATHS: readonly string[] = TABS.map((t) => t.path);

/** Config: one tab per area, each loading only its own resource when opened. */
export function Config({ path }: { path: string }) {
  const { mode } = useDevice();
  // A tab of the other mode stays reachable by its address (its page then says which mode it needs).
  const tabs = TABS.filter((t) => !t.mode || t.mode === mode || t.path === path);
  const tab = TABS.find((t) => t.path === path) ?? (TABS[0] as Tab);
  const Page = tab.page;
  return (
    <div class="page config">
      <h1>Config</h1>
      <nav class="tabs" aria-label="Config sections">
        {tabs.map((t) => (
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
