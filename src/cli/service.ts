/**
 * `owts service print|install|uninstall`: a hardened systemd unit for `owts start`. The start flags
 * to bake in follow `--` and are checked by the very rules `owts start` applies (flags.ts); a flag
 * it would refuse is one line and nothing is written. Every check runs before the first file,
 * user or systemctl call.
 */
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bundledCliPath } from "../core/package-root.js";
import { renderEnvFile } from "../service/env-file.js";
import {
  createSystemUser,
  existingGroups,
  removeServiceFiles,
  systemctl,
  systemdRunning,
  userExists,
  writeServiceFiles,
} from "../service/install.js";
import {
  DEFAULT_USER,
  DEFAULT_WATCHDOG_SEC,
  renderServiceUnit,
  renderSocketUnit,
  SERVICE_NAME,
  SERVICE_NODE_FLAGS,
  type ServiceUser,
} from "../service/unit.js";
import { FLAGS, type FlagName } from "./flags.js";
import { checkStartFlags } from "./options.js";
import { envName, UsageError } from "./read-flags.js";

export const SERVICE_HELP = `Usage: owts service print|install|uninstall [options] [-- owts start flags]

A systemd unit for \`owts start\`: readiness and watchdog (Type=notify), 443/80 without root
(CAP_NET_BIND_SERVICE), data in /var/lib/owts (StateDirectory=), a sandbox a network daemon can bear.
The start flags after -- are checked as \`owts start\` checks them and stored in /etc/default/owts.

  print                  show the unit (and the files install would write); changes nothing
  install                write the units and /etc/default/owts, create the user, enable the unit (root)
  uninstall              disable and remove them; the data directory and the user are kept (root)

Options:
  --user NAME            run as this existing user (default ${DEFAULT_USER}, a system user created if missing)
  --dynamic-user         run as a user systemd allocates per start (DynamicUser=yes)
  --device PATH          a hardware node the device opens (/dev/i2c-N, /dev/spidevB.C, /dev/gpiochipN,
                         /dev/gpiomem; repeatable); --sensor ms4525do adds its /dev/i2c-N itself
  --watchdog-sec N       restart when the device stops answering for N s, 2-3600 (default ${DEFAULT_WATCHDOG_SEC})
  --socket-activation    systemd binds HTTPS and HTTP (owts.socket) and hands them over
  --root DIR             write the files under DIR instead of /; no user, no systemctl, no root needed
  -h, --help             this text`;

type Action = "print" | "install" | "uninstall";

interface ServicePlan {
  unit: string;
  socket: string | undefined;
  env: string;
  user: ServiceUser;
  createUser: boolean;
  root: string | undefined;
  socketActivation: boolean;
}

/** A device node the unit may allow, and the group that owns such nodes on board images. */
function deviceGroup(path: string): string | undefined {
  if (/^\/dev\/i2c-\d{1,3}$/.test(path)) return "i2c";
  if (/^\/dev\/spidev\d{1,3}\.\d{1,3}$/.test(path)) return "spi";
  if (/^\/dev\/(gpiochip\d{1,3}|gpiomem)$/.test(path)) return "gpio";
  return undefined;
}

/** The `owts start` argv that runs this very installation: node (with the unit's flags) and the bundled CLI, absolute. */
function execStart(): string[] {
  return [process.execPath, ...SERVICE_NODE_FLAGS, bundledCliPath(), "start"];
}

/** Every check, nothing done: the files as text and what installing them takes. Throws UsageError. */
export function planService(action: Action, argv: string[], isRoot: boolean): ServicePlan | { help: true } {
  const cut = argv.indexOf("--");
  const own = cut === -1 ? argv : argv.slice(0, cut);
  const startArgv = cut === -1 ? [] : argv.slice(cut + 1);
  let v: ReturnType<typeof parseOwn>;
  try {
    v = parseOwn(own);
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split("\n")[0]} (see owts service --help)`);
  }
  if (v.help) return { help: true };
  if (v.root !== undefined && !isAbsolute(v.root))
    throw new UsageError(`--root: "${v.root}" is not an absolute path`);
  const root = v.root === undefined ? undefined : resolve(v.root);
  if (action !== "print" && root === undefined && !isRoot)
    throw new UsageError(
      `${action} needs root (run it with sudo), or --root DIR to write the files under DIR`,
    );
  if (v["dynamic-user"] && v.user !== undefined)
    throw new UsageError("--user and --dynamic-user exclude each other");
  const watchdog = v["watchdog-sec"] === undefined ? DEFAULT_WATCHDOG_SEC : Number(v["watchdog-sec"]);
  if (!/^\d{1,4}$/.test(v["watchdog-sec"] ?? "30") || watchdog < 2 || watchdog > 3600)
    throw new UsageError(`--watchdog-sec: "${v["watchdog-sec"]}" is not a whole number of seconds 2-3600`);

  // The start flags: the same table and checks as `owts start`, with no environment of ours leaking in.
  const read = checkStartFlags(startArgv, {});
  if (read.help) throw new UsageError("--help is not a start flag to bake in (see owts start --help)");
  const values = read.values;
  for (const name of ["data-dir", "replay"] as const)
    if (read.given.has(name) && !isAbsolute(values[name] as string))
      throw new UsageError(
        `--${name}: a service has no working directory of yours; give an absolute path${name === "data-dir" ? " (or none: /var/lib/owts)" : ""}`,
      );
  const devices: string[] = [];
  for (const d of v.device ?? []) {
    if (deviceGroup(d) === undefined)
      throw new UsageError(
        `--device: "${d}" is not an I2C, SPI or GPIO node (/dev/i2c-N, /dev/spidevB.C, /dev/gpiochipN, /dev/gpiomem)`,
      );
    if (!devices.includes(d)) devices.push(d);
  }
  if (values.sensor === "ms4525do" && !devices.includes(`/dev/i2c-${values["i2c-bus"]}`))
    devices.push(`/dev/i2c-${values["i2c-bus"]}`);
  if (v["socket-activation"] && (values["https-port"] === 0 || values["http-port"] === 0))
    throw new UsageError(
      "--socket-activation needs fixed ports; port 0 (any free port) cannot be bound ahead",
    );

  let user: ServiceUser = { kind: "dynamic" };
  let createUser = false;
  if (!v["dynamic-user"]) {
    const name = v.user ?? DEFAULT_USER;
    user = { kind: "user", name };
    if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(name)) throw new UsageError(`--user: "${name}" is not a user name`);
    if (!userExists(name)) {
      if (v.user !== undefined) throw new UsageError(`--user: no user "${name}" on this system`);
      createUser = root === undefined;
    }
  }

  const entries: [string, string][] = [];
  for (const name of read.given) {
    const row = FLAGS[name as FlagName];
    const key = envName(name, row) as string;
    // biome-ignore lint/suspicious/noExplicitAny: each row's own type shows its own value
    entries.push([key, (row.type as any).show(values[name as keyof typeof values])]);
  }
  let env: string;
  try {
    env = renderEnvFile(entries);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  // The file must say what the flags said: read it back the way `owts start` will.
  const back = checkStartFlags([], Object.fromEntries(entries));
  if (!back.help && JSON.stringify(back.values) !== JSON.stringify(values))
    throw new Error("the environment file does not read back as the flags given (a bug)");

  const groups = existingGroups(root ?? "/", [...new Set(devices.map((d) => deviceGroup(d) as string))]);
  const unit = renderServiceUnit({
    execStart: execStart(),
    user,
    groups,
    devices,
    watchdogSec: watchdog,
    writablePaths: read.given.has("data-dir") ? [values["data-dir"]] : [],
    socketActivation: v["socket-activation"] === true,
  });
  const socket = v["socket-activation"]
    ? renderSocketUnit({
        listen: values.listen,
        httpsPort: values["https-port"],
        httpPort: values["http-port"],
      })
    : undefined;
  return { unit, socket, env, user, createUser, root, socketActivation: v["socket-activation"] === true };
}

function parseOwn(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", short: "h" },
      user: { type: "string" },
      "dynamic-user": { type: "boolean" },
      device: { type: "string", multiple: true },
      "watchdog-sec": { type: "string" },
      "socket-activation": { type: "boolean" },
      root: { type: "string" },
    },
  }).values;
}

export async function runServiceCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === "--help" || action === "-h" || action === "help") {
    io.stdout.write(`${SERVICE_HELP}\n`);
    return 0;
  }
  if (action !== "print" && action !== "install" && action !== "uninstall") {
    io.stderr.write(`owts service: unknown action "${action}" (print, install or uninstall)\n`);
    return 2;
  }
  const isRoot = process.getuid?.() === 0;
  let plan: ReturnType<typeof planService>;
  try {
    plan = action === "uninstall" ? planUninstall(rest, isRoot) : planService(action, rest, isRoot);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`owts service ${action}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if ("help" in plan) {
    io.stdout.write(`${SERVICE_HELP}\n`);
    return 0;
  }
  if (action === "print") {
    io.stdout.write(`# ${SERVICE_NAME}.service\n${plan.unit}`);
    if (plan.socket) io.stdout.write(`\n# ${SERVICE_NAME}.socket\n${plan.socket}`);
    io.stdout.write(`\n# /etc/default/${SERVICE_NAME}\n${plan.env}`);
    return 0;
  }
  const live = plan.root === undefined && systemdRunning();
  if (action === "uninstall") {
    if (live) systemctlQuiet(["disable", "--now", `${SERVICE_NAME}.service`, `${SERVICE_NAME}.socket`]);
    const removed = removeServiceFiles(plan.root ?? "/");
    if (live) systemctl(["daemon-reload"]);
    io.stdout.write(
      removed.length
        ? `removed ${removed.join(", ")}; the data directory and the user are kept\n`
        : "nothing to remove: the service is not installed\n",
    );
    return 0;
  }
  if (plan.createUser && plan.user.kind === "user") {
    createSystemUser(plan.user.name);
    io.stdout.write(`created the system user ${plan.user.name}\n`);
  }
  const written = writeServiceFiles(plan.root ?? "/", {
    unit: plan.unit,
    socket: plan.socket,
    env: plan.env,
  });
  io.stdout.write(`wrote ${written.join(", ")}\n`);
  const enable = [`${SERVICE_NAME}.service`, ...(plan.socketActivation ? [`${SERVICE_NAME}.socket`] : [])];
  if (live) {
    systemctl(["daemon-reload"]);
    systemctl(["enable", ...enable]);
    io.stdout.write(`enabled; start it now with: systemctl start ${enable.at(-1)}\n`);
  } else if (plan.root === undefined) {
    io.stdout.write(
      `systemd is not running here; when it is: systemctl daemon-reload && systemctl enable ${enable.join(" ")}\n`,
    );
  }
  return 0;
}

/** uninstall takes only --root (and --help); it needs root like install. */
function planUninstall(argv: string[], isRoot: boolean): ServicePlan | { help: true } {
  let v: { root?: string; help?: boolean };
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { help: { type: "boolean", short: "h" }, root: { type: "string" } },
    }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split("\n")[0]} (see owts service --help)`);
  }
  if (v.help) return { help: true };
  if (v.root !== undefined && !isAbsolute(v.root))
    throw new UsageError(`--root: "${v.root}" is not an absolute path`);
  if (v.root === undefined && !isRoot)
    throw new UsageError(
      "uninstall needs root (run it with sudo), or --root DIR to remove the files under DIR",
    );
  return {
    unit: "",
    socket: undefined,
    env: "",
    user: { kind: "dynamic" },
    createUser: false,
    root: v.root,
    socketActivation: false,
  };
}

/** disable --now of units that may not exist: a failure here is not one of uninstall's. */
function systemctlQuiet(args: string[]): void {
  try {
    systemctl(args);
  } catch {
    // Already disabled or never installed; the files are removed next either way.
  }
}
