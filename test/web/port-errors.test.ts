import { execFileSync, spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { createHttpsApp } from "../../src/web/https-server.js";
import { describeListenError, ListenError, listenOn } from "../../src/web/port-errors.js";
import { skipWithout } from "../helpers/prerequisites.js";
import { makeTlsFixture } from "../helpers/tls-fixture.js";
import { DEVICE } from "./harness.js";

const open: Server[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/**
 * Root, setpriv and `unshare -n`: the test makes its own network namespace and sets the unprivileged
 * port floor there (it is per namespace), so the host's setting (0 in many containers) cannot hide it.
 */
function canDropPrivileges(): boolean {
  try {
    return (
      process.getuid?.() === 0 &&
      execFileSync("sh", ["-c", "command -v setpriv"]).length > 0 &&
      spawnSync("unshare", ["-n", "true"]).status === 0
    );
  } catch {
    return false;
  }
}

describe("bind failures say what to do", () => {
  it("port in use (a real EADDRINUSE)", async () => {
    const first = createServer();
    open.push(first);
    const { port } = await listenOn(first, { port: 0, host: "127.0.0.1" });
    const second = createServer();
    const err = await listenOn(second, { port, host: "127.0.0.1", flag: "--http-port" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ListenError);
    expect((err as ListenError).code).toBe("EADDRINUSE");
    expect((err as ListenError).message).toBe(
      `port ${port} is already in use (another owts or web server?) — choose another with --http-port`,
    );
  });

  it("the HTTPS app reports its port in use with --https-port and stays closable", async () => {
    const blocker = createServer();
    open.push(blocker);
    const { port } = await listenOn(blocker, { port: 0, host: "127.0.0.1" });
    const tls = makeTlsFixture();
    const { logger } = createDeviceLogger({ destination: null });
    const app = await createHttpsApp({
      certificate: { certPem: tls.cert, keyPem: tls.key },
      logger,
      uiDir: null,
      device: DEVICE,
    });
    try {
      await expect(app.listen({ port, host: "127.0.0.1" })).rejects.toThrow(
        `port ${port} is already in use (another owts or web server?) — choose another with --https-port`,
      );
    } finally {
      await app.close();
      tls.cleanup();
    }
  });

  it.skipIf(skipWithout(canDropPrivileges(), "root with setpriv and `unshare -n`", "run as root (CI does)"))(
    "no privilege for a port below 1024 (a real EACCES from an unprivileged process)",
    () => {
      const script =
        "const s=require('net').createServer();s.on('error',e=>{console.log(JSON.stringify({code:e.code,syscall:e.syscall}));process.exit(0)});s.listen(80,'127.0.0.1',()=>{console.log('{}');s.close()})";
      const inNamespace = `ip link set lo up && echo 1024 > /proc/sys/net/ipv4/ip_unprivileged_port_start && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$0" -e "$1"`;
      const out = execFileSync("unshare", ["-n", "sh", "-c", inNamespace, process.execPath, script], {
        encoding: "utf8",
        timeout: 10_000,
      });
      const realError = JSON.parse(out) as { code: string };
      expect(realError.code).toBe("EACCES");
      const message = describeListenError(realError, { port: 80, flag: "--http-port" });
      expect(message).toContain("run with --http-port 8080,");
      expect(message).toContain("sudo setcap cap_net_bind_service=+ep $(command -v node)");
    },
  );

  it("EACCES below 1024 names the flag it was given, or start's two flags without one", () => {
    const demo = describeListenError({ code: "EACCES" }, { port: 443, flag: "--aircraft-https-port" });
    expect(demo).toContain("run with --aircraft-https-port 8443,");
    expect(demo).not.toContain("--http-port");
    const bare = describeListenError({ code: "EACCES" }, { port: 443 });
    expect(bare).toContain("run with --https-port 8443 --http-port 8080,");
  });

  it("EACCES on a high port suggests another port, not setcap", () => {
    const message = describeListenError({ code: "EACCES" }, { port: 8443, flag: "--https-port" });
    expect(message).toBe("no permission to bind port 8443 — choose another port with --https-port");
  });

  it("an address that is not this machine's (a real EADDRNOTAVAIL) points at --listen", async () => {
    const err = await listenOn(createServer(), { port: 0, host: "192.0.2.1" }).catch((e: unknown) => e);
    expect((err as ListenError).code).toBe("EADDRNOTAVAIL");
    expect((err as Error).message).toBe(
      "cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine — check --listen",
    );
  });

  it("returns null for errors that are not bind failures", () => {
    expect(describeListenError(new Error("boom"), { port: 1 })).toBeNull();
    expect(describeListenError(null, { port: 1 })).toBeNull();
  });
});
