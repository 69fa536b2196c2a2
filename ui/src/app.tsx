import { useEffect } from "preact/hooks";
import type { DeviceMode } from "./api/types.js";
import { ErrorBoundary } from "./components/error-boundary.js";
import { FailureNotice } from "./components/failure-notice.js";
import { DeviceProvider, useDevice } from "./device.js";
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
  label: string;
}

const COMMON: NavItem[] = [
  { path: "/config", label: "Config" },
  { path: "/logs", label: "Logs" },
  { path: "/about", label: "About" },
];

/** Navigation lists only what the device's current mode has. */
export function navItems(mode: DeviceMode | null): NavItem[] {
  if (mode === "winch")
    return [{ path: "/", label: "Monitor" }, { path: "/history", label: "History" }, ...COMMON];
  if (mode === "aircraft")
    return [{ path: "/", label: "Aircraft" }, { path: "/aircraft/live", label: "Live" }, ...COMMON];
  return [{ path: "/", label: "Home" }, ...COMMON];
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
            Try again now
          </button>
        </>
      ) : (
        <p class="muted">Connecting to the device…</p>
      )}
    </div>
  );
}

function NotFound({ path }: { path: string }) {
  return (
    <div class="page">
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/">Go to the start page</Link>.
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
  const tabs: Record<string, string> = {
    "/config": "Config: Device",
    "/config/radio": "Config: Radio",
    "/config/pairing": "Config: Pairing",
    "/config/pairings": "Config: Pairings",
    "/config/wifi": "Config: Wi-Fi",
    "/config/security": "Config: Security",
  };
  const name =
    path === "/"
      ? mode === "winch"
        ? "Winch monitor"
        : mode === "aircraft"
          ? "Aircraft settings"
          : "Connecting"
      : path === "/aircraft"
        ? "Aircraft settings"
        : path === "/aircraft/live"
          ? "Live IAS"
          : path === "/history"
            ? "Launch history"
            : path === "/logs"
              ? "Logs"
              : path === "/about"
                ? "About"
                : path === "/cues"
                  ? "Sound test"
                  : (tabs[path] ?? "Page not found");
  return `${name} · OWTS`;
}

function Shell() {
  const { path } = useLocation();
  const dev = useDevice();
  useEffect(() => {
    document.title = pageTitle(path, dev.mode);
  }, [path, dev.mode]);
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">
          OWTS
        </Link>
        {dev.mode && (
          <span class="mode-chip" data-mode={dev.mode}>
            {dev.mode}
          </span>
        )}
        {dev.about && <span class="host">{dev.about.hostname}</span>}
        <ThemeChoiceControl />
        <nav class="main-nav" aria-label="Pages">
          {navItems(dev.mode).map((item) => (
            <Link
              key={item.path}
              href={item.path}
              class={isActive(item.path, path) ? "active" : ""}
              aria-current={isActive(item.path, path) ? "page" : undefined}
            >
              {item.label}
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
