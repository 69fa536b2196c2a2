import type { DeviceMode } from "../api/types.js";
import { useDevice } from "../device.js";
import { type MessageKey, t } from "../i18n/translate.js";
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
  label: MessageKey;
  page: () => preact.JSX.Element;
  /** Shown only in this mode (pairing is the aircraft's code, pairings the winch's list). */
  mode?: DeviceMode;
}

const TABS: readonly Tab[] = [
  { path: "/config", label: "config.device", page: ConfigDevice },
  { path: "/config/radio", label: "config.radio", page: ConfigRadio },
  { path: "/config/pairing", label: "config.pairing", page: ConfigPairing, mode: "aircraft" },
  { path: "/config/pairings", label: "config.pairings", page: ConfigPairings, mode: "winch" },
  { path: "/config/wifi", label: "config.wifi", page: ConfigWifi },
  { path: "/config/mqtt", label: "config.mqtt", page: ConfigMqtt },
  { path: "/config/security", label: "config.security", page: ConfigSecurity },
];

export const CONFIG_PATHS: readonly string[] = TABS.map((tb) => tb.path);

/** Config: one tab per area, each loading only its own resource when opened. */
export function Config({ path }: { path: string }) {
  const { mode } = useDevice();
  // A tab of the other mode stays reachable by its address (its page then says which mode it needs).
  const tabs = TABS.filter((tb) => !tb.mode || tb.mode === mode || tb.path === path);
  const tab = TABS.find((tb) => tb.path === path) ?? (TABS[0] as Tab);
  const Page = tab.page;
  return (
    <div class="page config">
      <h1>{t("nav.config")}</h1>
      <nav class="tabs" aria-label={t("config.sections")}>
        {tabs.map((tb) => (
          <Link
            key={tb.path}
            href={tb.path}
            class={tb.path === tab.path ? "active" : ""}
            aria-current={tb.path === tab.path ? "page" : undefined}
          >
            {t(tb.label)}
          </Link>
        ))}
      </nav>
      <Page key={tab.path} />
    </div>
  );
}
