/**
 * The systemd units of `owts service`: text only, from plain options, so that `print`, `install`
 * and the tests see the very same file. Each sandboxing line is one a network daemon on a small
 * board can bear; the lines left out say why, next to where they would be.
 */

/** The unit's name; also the name of /etc/default/owts and of the state directory. */
export const SERVICE_NAME = "owts";
/** Where the baked-in `owts start` flags live, as OWTS_* lines (`EnvironmentFile=`). */
export const ENV_FILE = `/etc/default/${SERVICE_NAME}`;
/** Seconds without WATCHDOG=1 before systemd restarts a wedged device; it pings at half of it. */
export const DEFAULT_WATCHDOG_SEC = 30;
/** The dedicated system user created when none is named. */
export const DEFAULT_USER = SERVICE_NAME;

/**
 * Node/V8 flags of the unit's `node` (ExecStart, before the CLI), for a board with 512 MB: V8 sizes
 * its heap for the machine's RAM and the speed of a desktop, and a device that idles at a few
 * requests a second needs neither. `--max-semi-space-size=4` caps the young generation: start-up's
 * allocation burst otherwise grows it to 2 × 16 MiB, the peak of `owts start`, held until V8's memory
 * reducer runs. `--single-threaded` leaves out V8's worker threads (concurrent GC marking and JIT
 * compiling, each thread with a stack and malloc arena of its own): on a one- to four-core board the
 * main thread has the time, and a heap of ~25 MiB is marked in milliseconds. Not taken:
 * `--optimize-for-size`: a MiB or two less RSS at rest, but 0.4–0.8× the API's throughput and up to
 * 2.6× its CPU per request in the same run. Measured by `bench/memory.ts` (column "as the service runs
 * it") and `bench/api-overhead.ts` (its rate against the plain device).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4", "--single-threaded"];
/**
 * Environment of the unit's process. glibc gives each thread that allocates its own malloc arena
 * (up to 8 per core), each holding freed memory of its own; Node's handful of threads need two.
 */
export const SERVICE_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/** Who the device runs as: a (system) user that exists, or a user systemd makes up per start. */
export type ServiceUser = { kind: "user"; name: string } | { kind: "dynamic" };

export interface ServiceUnitOptions {
  /** Absolute argv of `owts start`: node, its flags (SERVICE_NODE_FLAGS), dist/bin/owts.js, "start". */
  execStart: readonly string[];
  user: ServiceUser;
  /** Supplementary groups for the hardware (i2c, spi, gpio), only those that exist. @default [] */
  groups?: readonly string[];
  /** Device nodes the device opens (/dev/i2c-1, …): the only ones allowed. @default [] (none: PrivateDevices) */
  devices?: readonly string[];
  /** @default DEFAULT_WATCHDOG_SEC */
  watchdogSec?: number;
  /** Directories outside the state directory the device writes to (a --data-dir given on purpose). @default [] */
  writablePaths?: readonly string[];
  /** Listeners come from owts.socket (LISTEN_FDS). @default false */
  socketActivation?: boolean;
}

/** systemd's quoting for one ExecStart word: double quotes when it holds a space or a quote. */
function execWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `"${word.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

export function renderServiceUnit(o: ServiceUnitOptions): string {
  const devices = o.devices ?? [];
  const groups = o.groups ?? [];
  const lines: string[] = [
    "# Written by `owts service install`; `owts service print` shows what it would write.",
    "[Unit]",
    "Description=OWTS device (Open Winch Telemetry System): HTTPS UI + API, radio link, mDNS",
    "Documentation=https://github.com/owts/owts#readme",
    "Wants=network-online.target",
    "After=network-online.target",
    ...(o.socketActivation ? [`Requires=${SERVICE_NAME}.socket`, `After=${SERVICE_NAME}.socket`] : []),
    // Five failed starts within five minutes: stop trying; a broken unit does not flap forever.
    "StartLimitIntervalSec=300",
    "StartLimitBurst=5",
    "",
    "[Service]",
    // READY=1 comes once both ports serve and the runtime runs; WATCHDOG=1 only while the loop and
    // the runtime are alive. Only the main PID may speak for the unit.
    "Type=notify",
    "NotifyAccess=main",
    `WatchdogSec=${o.watchdogSec ?? DEFAULT_WATCHDOG_SEC}`,
    "Restart=on-failure",
    "RestartSec=5",
    "TimeoutStopSec=20",
    ...Object.entries(SERVICE_ENVIRONMENT).map(([k, v]) => `Environment=${k}=${v}`),
    `EnvironmentFile=-${ENV_FILE}`,
    `ExecStart=${o.execStart.map(execWord).join(" ")}`,
    ...(o.user.kind === "dynamic" ? ["DynamicUser=yes"] : [`User=${o.user.name}`, `Group=${o.user.name}`]),
    ...(groups.length ? [`SupplementaryGroups=${groups.join(" ")}`] : []),
    // /var/lib/owts, owned by the unit's user; the device finds it as $STATE_DIRECTORY.
    `StateDirectory=${SERVICE_NAME}`,
    "StateDirectoryMode=0700",
    "UMask=0077",
    // 443 and 80 as an unprivileged user; no other capability, not even in the bounding set.
    "AmbientCapabilities=CAP_NET_BIND_SERVICE",
    "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    ...(o.writablePaths?.length ? [`ReadWritePaths=${o.writablePaths.join(" ")}`] : []),
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateMounts=yes",
    ...(devices.length
      ? ["DevicePolicy=closed", ...devices.map((d) => `DeviceAllow=${d} rw`)]
      : ["PrivateDevices=yes"]),
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "ProtectProc=invisible",
    "ProcSubset=pid",
    // HTTPS/HTTP/UDP radio/mDNS over IPv4 and IPv6, the notify socket and journald over AF_UNIX, and
    // AF_NETLINK because os.networkInterfaces() (glibc getifaddrs) asks the kernel over rtnetlink.
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "RemoveIPC=yes",
    "KeyringMode=private",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    // A filtered call fails with EPERM instead of killing the process: Node probes a few (setrlimit
    // at start-up) and copes with a refusal.
    "SystemCallErrorNumber=EPERM",
    "# Not set, on purpose:",
    "#   MemoryDenyWriteExecute=yes: V8's JIT writes machine code and then runs it; Node would die at start.",
    "#   PrivateUsers=yes: the capability would hold in a user namespace of the unit's own, not in the",
    "#     host's network namespace, and binding 443/80 would fail.",
    "#   PrivateNetwork=yes, IPAddressDeny=: the device's job is the network.",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ];
  return lines.join("\n");
}

export interface SocketUnitOptions {
  /** Address the listeners bind; 0.0.0.0 = every IPv4 address. */
  listen: string;
  httpsPort: number;
  httpPort: number;
}

/**
 * owts.socket: systemd binds HTTPS then HTTP and hands them over as fd 3 and fd 4 (the order of the
 * ListenStream lines is the order of the fds); the device puts its socket budget in front of both.
 */
export function renderSocketUnit(o: SocketUnitOptions): string {
  const host = o.listen.includes(":") ? `[${o.listen}]` : o.listen;
  return [
    "# Written by `owts service install --socket-activation`.",
    "[Unit]",
    "Description=OWTS device listeners (HTTPS, HTTP redirect)",
    "",
    "[Socket]",
    `ListenStream=${host}:${o.httpsPort}`,
    `ListenStream=${host}:${o.httpPort}`,
    "NoDelay=yes",
    `Service=${SERVICE_NAME}.service`,
    "",
    "[Install]",
    "WantedBy=sockets.target",
    "",
  ].join("\n");
}
