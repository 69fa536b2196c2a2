import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../helpers/device-process.js";

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
  const dataDir = mkdtempSync(join(tmpdir(), "owts-demo-"));
  const child = spawn(
    process.execPath,
    [
      CLI,
      "demo",
      "--data-dir",
      dataDir,
      "--winch-https-port",
      "0",
      "--winch-http-port",
      "0",
      "--aircraft-https-port",
      "0",
      "--aircraft-http-port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("links an aircraft and a winch: live telemetry reaches /api/winch within 5 s of start", async () => {
    const ready = await new Promise<number[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo not ready:\n${out}`)), 20_000);
      child.stdout.on("data", () => {
        const ports = [...out.matchAll(/^\s*HTTPS\s+https:\/\/127\.0\.0\.1:(\d+)\//gm)].map((m) =>
          Number(m[1]),
        );
        if (ports.length === 2) {
          clearTimeout(timer);
          resolve(ports);
        }
      });
    });
    // Measured from the ready lines: process start-up on a loaded CI machine is not the demo's to control.
    const started = Date.now();
    const [winchPort, aircraftPort] = ready as [number, number];
    const winchCa = readFileSync(join(dataDir, "winch", "owts.crt"), "utf8");
    let telemetry: { registration: string; ias: number; zone: string } | null = null;
    while (!telemetry && Date.now() - started < 5_000) {
      const r = await getJson(winchPort, "/api/winch", winchCa);
      telemetry = (r.body as { telemetry: typeof telemetry }).telemetry;
      if (!telemetry) await new Promise((res) => setTimeout(res, 200));
    }
    expect(telemetry, out).not.toBeNull();
    expect(telemetry).toMatchObject({
      registration: "D-1234",
      zone: expect.stringMatching(/below|inside|above/),
    });
    const aircraftCa = readFileSync(join(dataDir, "aircraft", "owts.crt"), "utf8");
    const live = await getJson(aircraftPort, "/api/aircraft/live", aircraftCa);
    expect(live.body).toMatchObject({ flight_phase: expect.stringMatching(/airborne|landing_hold|landed/) });
    const about = await getJson(winchPort, "/api/about", winchCa);
    expect(about.body).toMatchObject({ mode: "winch", hostname: "OWTS-winch-DE0B01.local" });
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
});
