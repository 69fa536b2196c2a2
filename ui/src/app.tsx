import { useEffect } from "preact/hooks";
import type { DeviceMode } from "./api/types.js";
import { ErrorBoundary } from "./components/error-boundary.js";
import { FailureNotice } from "./components/failure-notice.js";
import { DeviceProvider, useDevice } from "./device.js";
import { LanguageControl, useLanguage } from "./i18n/language.js";
import { type MessageKey, t, tParts } from "./i18n/translate.js";
import { About } from "./pages/about.js";
import { AircraftLive } from "./pages/aircraft-live.js";
import { AircraftSettings } from "./pages/aircraft-settings.js";
import { CONFIG_PATHS, Config } from "./pages/config.js";
import { CueTest } from "./pages/cue-test.js";
import { History } from "./pages/history.js";
import { Logs } from "./pages/logs.js";
import { WinchMonitor } from "./pages/winch-monitor.js";
import { Link, useLocation } from "./router.js";
import { ThemeChoiceControl } from "./theme.js";

interface NavItem {
  path: string;
  label: MessageKey;
}

const COMMON: NavItem[] = [
  { path: "/config", label: "nav.config" },
  { path: "/logs", label: "nav.logs" },
  { path: "/about", label: "nav.about" },
];

/** Navigation lists only what the device's current mode has. */
export function navItems(mode: DeviceMode | null): NavItem[] {
  if (mode === "winch")
    return [{ path: "/", label: "nav.monitor" }, { path: "/history", label: "nav.history" }, ...COMMON];
  if (mode === "aircraft")
    return [{ path: "/", label: "nav.aircraft" }, { path: "/aircraft/live", label: "nav.live" }, ...COMMON];
  return [{ path: "/", label: "nav.home" }, ...COMMON];
}

function isActive(item: string, path: string): boolean {
  return item === "/" ? path === "/" : path === item || path.startsWith(`${item}/`);
}

function Home() {
  const dev = useDevice();
  if (dev.mode === "winch") return <WinchMonitor />;
  if (dev.mode === "aircraft") return <AircraftSettings />;
  return (
    <div class="page">
      <h1>OWTS</h1>
      {dev.error ? (
        <>
          <FailureNotice failure={dev.error} retrying={dev.error.transient} />
          <button type="button" onClick={dev.refresh}>
            {t("common.try_again_now")}
          </button>
        </>
      ) : (
        <p class="muted">{t("shell.connecting")}</p>
      )}
    </div>
  );
}

function NotFound({ path }: { path: string }) {
  return (
    <div class="page">
      <h1>{t("page.not_found")}</h1>
      <p>
        {tParts("shell.no_page", {
          path: <code>{path}</code>,
          start: <Link href="/">{t("shell.go_start")}</Link>,
        })}
      </p>
    </div>
  );
}

function Page({ path }: { path: string }) {
  if (path === "/") return <Home />;
  if (path === "/aircraft") return <AircraftSettings />;
  if (path === "/aircraft/live") return <AircraftLive />;
  if (path === "/history") return <History />;
  if (path === "/logs") return <Logs />;
  if (path === "/about") return <About />;
  if (path === "/cues") return <CueTest />;
  if (CONFIG_PATHS.includes(path)) return <Config path={path} />;
  return <NotFound path={path} />;
}

/** The tab's title per page, so a list of tabs or a bookmark says which page it is. */
export function pageTitle(path: string, mode: DeviceMode | null): string {
  const byPath: Record<string, MessageKey> = {
    "/aircraft": "page.aircraft_settings",
    "/aircraft/live": "page.live_ias",
    "/history": "page.launch_history",
    "/logs": "page.logs",
    "/about": "page.about",
    "/cues": "page.sound_test",
    "/config": "page.config_device",
    "/config/radio": "page.config_radio",
    "/config/wifi": "page.config_wifi",
    "/config/mqtt": "page.config_mqtt",
    "/config/security": "page.config_security",
  };
  const key: MessageKey =
    path === "/"
      ? mode === "winch"
        ? "page.winch_monitor"
        : mode === "aircraft"
          ? "page.aircraft_settings"
          : "page.connecting"
      : (byPath[path] ?? "page.not_found");
  return `${t(key)} · OWTS`;
}

function Shell() {
  const { path } = useLocation();
  const dev = useDevice();
  const { lang } = useLanguage();
  useEffect(() => {
    document.title = pageTitle(path, dev.mode);
  }, [path, dev.mode, lang]);
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">
          OWTS
        </Link>
        {dev.mode && (
          <span class="mode-chip" data-mode={dev.mode}>
            {t(dev.mode === "winch" ? "mode.winch" : "mode.aircraft")}
          </span>
        )}
        {dev.about && <span class="host">{dev.about.hostname}</span>}
        <ThemeChoiceControl />
        <LanguageControl />
        <nav class="main-nav" aria-label={t("shell.pages")}>
          {navItems(dev.mode).map((item) => (
            <Link
              key={item.path}
              href={item.path}
              class={isActive(item.path, path) ? "active" : ""}
              aria-current={isActive(item.path, path) ? "page" : undefined}
            >
              {t(item.label)}
            </Link>
          ))}
        </nav>
      </header>
      <main>
        <ErrorBoundary key={path}>
          <Page path={path} />
        </ErrorBoundary>
      </main>
    </>
  );
}

export function App() {
  return (
    <DeviceProvider>
      <Shell />
    </DeviceProvider>
  );
}
