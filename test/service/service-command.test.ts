import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from "../../src/service/unit.js";
import { CLI } from "../helpers/device-process.js";

/** Runs the built CLI: `owts service …`. */
function owts(args: string[], opts: { asNobody?: boolean } = {}) {
  const argv = [process.execPath, CLI, "service", ...args];
  const r = opts.asNobody
    ? spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", ...argv], {
        encoding: "utf8",
      })
    : spawnSync(argv[0] as string, argv.slice(1), { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function analyze(args: string[]) {
  const r = spawnSync("systemd-analyze", args, { encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Every file under `dir`, relative: what a refused command must leave empty. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length));
}

function unitSection(printed: string, name: string): string {
  const start = printed.indexOf(`# ${name}\n`);
  const next = printed.indexOf("\n# /etc/default", start);
  const nextSocket = name.endsWith(".service") ? printed.indexOf("\n# owts.socket\n", start) : -1;
  const end = nextSocket !== -1 ? nextSocket : next;
  return printed.slice(start + name.length + 3, end + 1);
}

describe("owts service print (the unit systemd reads)", () => {
  const variants: [string, string[]][] = [
    ["a dedicated user", []],
    ["a dynamic user", ["--dynamic-user"]],
    ["an I2C sensor", ["--device", "/dev/spidev0.0", "--", "--sensor", "ms4525do", "--i2c-bus", "1"]],
  ];
  for (const [what, args] of variants)
    it(`passes systemd-analyze verify and rates OK (≤ 3.0) with ${what}`, () => {
      const p = owts(["print", ...args]);
      expect(p.stderr).toBe("");
      expect(p.code).toBe(0);
      const dir = mkdtempSync(join(tmpdir(), "owts-unit-"));
      const unit = join(dir, "owts.service");
      writeFileSync(unit, unitSection(p.stdout, "owts.service"));
      const verify = analyze(["verify", unit]);
      expect(verify.out).toBe("");
      expect(verify.code).toBe(0);
      const sec = analyze(["security", "--offline=true", unit]);
      const score = Number(/Overall exposure level for owts\.service: ([\d.]+)/.exec(sec.out)?.[1]);
      expect(score).toBeGreaterThan(0);
      expect(score).toBeLessThanOrEqual(3.0);
      const text = readFileSync(unit, "utf8");
      for (const line of [
        "Type=notify",
        "NotifyAccess=main",
        "WatchdogSec=30",
        "Restart=on-failure",
        "StateDirectory=owts",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        "ProtectSystem=strict",
        "SystemCallFilter=@system-service",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
      ])
        expect(text.split("\n")).toContain(line);
      // V8's JIT needs writable-then-executable pages.
      expect(text).not.toMatch(/^MemoryDenyWriteExecute=/m);
    });

  it("runs node with the small-board memory settings, flags this node accepts", () => {
    const text = unitSection(owts(["print"]).stdout, "owts.service");
    const exec = text.split("\n").find((l) => l.startsWith("ExecStart="));
    expect(exec).toBe(`ExecStart=${[process.execPath, ...SERVICE_NODE_FLAGS, CLI, "start"].join(" ")}`);
    expect(SERVICE_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(SERVICE_ENVIRONMENT))
      expect(text.split("\n")).toContain(`Environment=${k}=${v}`);
    // A flag node does not know stops it before the CLI runs: check that this node runs with them.
    const run = spawnSync(process.execPath, [...SERVICE_NODE_FLAGS, "-e", "process.exit(7)"], {
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(7);
  });

  it("allows only the configured device nodes", () => {
    const p = owts(["print", "--device", "/dev/gpiochip0", "--", "--sensor", "ms4525do", "--i2c-bus", "3"]);
    const allow = p.stdout.split("\n").filter((l) => l.startsWith("DeviceAllow="));
    expect(allow).toEqual(["DeviceAllow=/dev/gpiochip0 rw", "DeviceAllow=/dev/i2c-3 rw"]);
    expect(p.stdout).toContain("DevicePolicy=closed");
    expect(owts(["print"]).stdout).toMatch(/^PrivateDevices=yes$/m);
  });

  it("writes a socket unit that verifies, HTTPS first", () => {
    const p = owts(["print", "--socket-activation", "--", "--https-port", "8443", "--http-port", "8080"]);
    expect(p.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), "owts-unit-"));
    writeFileSync(join(dir, "owts.service"), unitSection(p.stdout, "owts.service"));
    const socket = p.stdout.slice(
      p.stdout.indexOf("# owts.socket\n") + 14,
      p.stdout.indexOf("\n# /etc/default"),
    );
    writeFileSync(join(dir, "owts.socket"), socket);
    expect(socket.split("\n").filter((l) => l.startsWith("ListenStream="))).toEqual([
      "ListenStream=0.0.0.0:8443",
      "ListenStream=0.0.0.0:8080",
    ]);
    const verify = analyze(["verify", join(dir, "owts.socket"), join(dir, "owts.service")]);
    expect(verify.out).toBe("");
    expect(verify.code).toBe(0);
  });
});

describe("owts service install/uninstall --root (files under a prefix)", () => {
  it("writes the unit and the start flags as OWTS_* lines, and uninstall removes them but not the data", () => {
    const root = mkdtempSync(join(tmpdir(), "owts-root-"));
    const r = owts([
      "install",
      "--root",
      root,
      "--",
      "--mode",
      "winch",
      "--https-port",
      "443",
      "--san",
      "a.example,b.example",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(filesUnder(root).sort()).toEqual(["/etc/default/owts", "/etc/systemd/system/owts.service"]);
    const env = readFileSync(join(root, "etc/default/owts"), "utf8");
    expect(env.split("\n").filter((l) => l.startsWith("OWTS_"))).toEqual([
      'OWTS_MODE="winch"',
      'OWTS_HTTPS_PORT="443"',
      'OWTS_SAN="a.example,b.example"',
    ]);
    const again = owts(["install", "--root", root, "--socket-activation"]);
    expect(again.code).toBe(0);
    expect(existsSync(join(root, "etc/systemd/system/owts.socket"))).toBe(true);
    // A unit kept elsewhere in the root (the data directory's stand-in) survives uninstall.
    writeFileSync(join(root, "keep"), "data");
    const u = owts(["uninstall", "--root", root]);
    expect(u.code).toBe(0);
    expect(u.stdout).toMatch(/the data directory and the user are kept/);
    expect(filesUnder(root)).toEqual(["/keep"]);
  });
});

describe("owts service: bad input is one line and writes nothing", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "an unknown user",
      ["--user", "no-such-user-owts"],
      /^owts service install: --user: no user "no-such-user-owts" on this system\n$/,
    ],
    [
      "a start flag out of range",
      ["--", "--https-port", "99999"],
      /^owts service install: --https-port: .*99999.*\n$/,
    ],
    [
      "an unknown start flag",
      ["--", "--bogus"],
      /^owts service install: .*bogus.*\(see owts start --help\)\n$/,
    ],
    ["a start check across flags", ["--", "--https-port", "8080", "--http-port", "8080"], /must differ\n$/],
    ["a relative data dir", ["--", "--data-dir", "data"], /--data-dir: a service has no working directory/],
    [
      "a value the file cannot carry",
      ["--", "--replay", "/srv/$HOME.csv", "--sensor", "replay"],
      /OWTS_REPLAY: the value holds "\$"/,
    ],
    [
      "a node that is no I2C/SPI/GPIO",
      ["--device", "/dev/sda"],
      /--device: "\/dev\/sda" is not an I2C, SPI or GPIO node/,
    ],
    [
      "a watchdog of 1 s",
      ["--watchdog-sec", "1"],
      /--watchdog-sec: "1" is not a whole number of seconds 2-3600/,
    ],
    ["both user choices", ["--user", "root", "--dynamic-user"], /exclude each other/],
    [
      "a start flag that owts start would refuse: an MQTT flag without --mqtt",
      ["--", "--mqtt-user", "winch"],
      /--mqtt-user needs --mqtt URL/,
    ],
    [
      "a start flag that owts start would refuse: a LED strip of no length",
      ["--", "--display", "ws2812"],
      /--strip-leds: give the number of LEDs/,
    ],
    [
      "socket activation on any free port",
      ["--socket-activation", "--", "--https-port", "0"],
      /needs fixed ports/,
    ],
  ];
  for (const [what, args, message] of cases)
    it(`refuses ${what}`, () => {
      const root = mkdtempSync(join(tmpdir(), "owts-root-"));
      const r = owts(["install", "--root", root, ...args]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(filesUnder(root)).toEqual([]);
    });

  it("refuses install and uninstall without root, and writes nothing to /etc", () => {
    const before = existsSync("/etc/systemd/system/owts.service") || existsSync("/etc/default/owts");
    for (const action of ["install", "uninstall"]) {
      const r = owts([action], { asNobody: true });
      expect(r.stderr).toBe(
        `owts service ${action}: ${action} needs root (run it with sudo), or --root DIR to ${action === "install" ? "write" : "remove"} the files under DIR\n`,
      );
      expect(r.code).toBe(2);
    }
    expect(existsSync("/etc/systemd/system/owts.service") || existsSync("/etc/default/owts")).toBe(before);
  });

  it("refuses an unknown action and a relative --root", () => {
    expect(owts(["enable"]).stderr).toBe(
      'owts service: unknown action "enable" (print, install or uninstall)\n',
    );
    expect(owts(["install", "--root", "rel"]).stderr).toBe(
      'owts service install: --root: "rel" is not an absolute path\n',
    );
  });
});
