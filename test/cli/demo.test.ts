import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, startDemo } from "../helpers/device-process.js";

function getJson(port: number, path: string, ca: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        ca,
        servername: "localhost",
        checkServerIdentity: () => undefined,
        timeout: 5_000,
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => {
          text += d.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

describe("owts demo", () => {
  it("links an aircraft and a winch, paired: verified telemetry reaches /api/winch within 5 s of start", async () => {
    const demo = await startDemo();
    try {
      // Measured from the ready lines: process start-up on a loaded CI machine is not the demo's to control.
      const started = Date.now();
      const winchCa = readFileSync(demo.winch.certPath, "utf8");
      let telemetry: { registration: string; ias: number; zone: string; verified: boolean } | null = null;
      while (!telemetry && Date.now() - started < 5_000) {
        const r = await getJson(demo.winch.httpsPort, "/api/winch", winchCa);
        telemetry = (r.body as { telemetry: typeof telemetry }).telemetry;
        if (!telemetry) await new Promise((res) => setTimeout(res, 200));
      }
      expect(telemetry, demo.output()).not.toBeNull();
      expect(telemetry).toMatchObject({
        registration: "D-1234",
        zone: expect.stringMatching(/below|inside|above/),
        verified: true,
      });
      const aircraftCa = readFileSync(demo.aircraft.certPath, "utf8");
      const live = await getJson(demo.aircraft.httpsPort, "/api/aircraft/live", aircraftCa);
      expect(live.body).toMatchObject({
        flight_phase: expect.stringMatching(/airborne|landing_hold|landed/),
      });
      const about = await getJson(demo.winch.httpsPort, "/api/about", winchCa);
      expect(about.body).toMatchObject({ mode: "winch", hostname: "OWTS-winch-DE0B01.local" });
    } finally {
      await demo.stop();
    }
  });

  it("refuses bad flags with one line", async () => {
    const bad = spawn(process.execPath, [CLI, "demo", "--loss", "2"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    bad.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise((r) => bad.once("exit", r));
    expect(code).toBe(2);
    expect(err.trim()).toBe('owts demo: --loss: "2" must be a number from 0 to 0.9');
  });

  it.each([
    ["winch", "--winch-https-port"],
    ["aircraft", "--aircraft-https-port"],
  ])("with the %s's HTTPS port taken exits 1 naming %s", async (_unit, flag) => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const taken = String((blocker.address() as { port: number }).port);
    try {
      const ports = [
        "--winch-https-port",
        "--winch-http-port",
        "--aircraft-https-port",
        "--aircraft-http-port",
      ];
      const args = ports.flatMap((p) => [p, p === flag ? taken : "0"]);
      const dataDir = mkdtempSync(join(tmpdir(), "owts-demo-busy-"));
      const r = spawnSync(process.execPath, [CLI, "demo", "--data-dir", dataDir, ...args], {
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`owts demo: port ${taken} is already in use .* with ${flag}$`, "m"),
      );
      // The demo has no --https-port; naming it would send the user to a flag that does not exist.
      expect(r.stderr).not.toContain("--https-port");
    } finally {
      blocker.close();
    }
  });
});
