import { t } from "../i18n/translate.js";
import { Link } from "../router.js";
import { ConfigDevice } from "./config-device.js";
import { ConfigMqtt } from "./config-mqtt.js";
import { ConfigRadio } from "./config-radio.js";
import { ConfigSecurity } from "./config-security.js";
import { ConfigWifi } from "./config-wifi.js";

const TABS = [
  { path: "/config", label: "config.device", page: ConfigDevice },
  { path: "/config/radio", label: "config.radio", page: ConfigRadio },
  { path: "/config/wifi", label: "config.wifi", page: ConfigWifi },
  { path: "/config/mqtt", label: "config.mqtt", page: ConfigMqtt },
  { path: "/config/security", label: "config.security", page: ConfigSecurity },
] as const;

export const CONFIG_PATHS: readonly string[] = TABS.map((tb) => tb.path);

/** Config: one tab per area, each loading only its own resource when opened. */
export function Config({ path }: { path: string }) {
  const tab = TABS.find((tb) => tb.path === path) ?? TABS[0];
  const Page = tab.page;
  return (
    <div class="page config">
      <h1>{t("nav.config")}</h1>
      <nav class="tabs" aria-label={t("config.sections")}>
        {TABS.map((tb) => (
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
