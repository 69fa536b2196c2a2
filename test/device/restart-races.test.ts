import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDevice, type TestDevice } from "../api/device-harness.js";

/*
 * Mode changes and reboots are serialized: whatever the interleaving, the mode written last is the one
 * that runs once the dust settles, and every answer's `mode` is what was stored by that request.
 */

let device: TestDevice;
beforeAll(async () => {
  device = await startTestDevice({ mode: "winch", espId: "0A0B0C" });
}, 60_000);
afterAll(async () => {
  await device?.stop();
});

const storedMode = () =>
  (
    JSON.parse(readFileSync(join(device.dataDir, "nvs", "device.json"), "utf8")) as {
      value?: { mode?: string };
    }
  ).value?.mode ?? "winch";

async function settle(): Promise<void> {
  // A restart starts once its answer is on the wire, and requests wait for a running one: two GETs a
  // little apart see the device after every restart the PUTs asked for.
  for (let i = 0; i < 2; i++) {
    await new Promise((r) => setTimeout(r, 150));
    await device.call("GET", "/api/mode");
  }
}

describe("two opposite mode changes at once", () => {
  it("20 trials: the running mode always equals the stored mode afterwards", async () => {
    const mismatches: string[] = [];
    for (let trial = 0; trial < 20; trial++) {
      const running = device.device.identity().mode;
      const other = running === "winch" ? "aircraft" : "winch";
      // Half the trials send the mode change first and the change back second, half the other way round;
      // with a small stagger so one answer is on the wire when the second arrives.
      const order = trial % 2 === 0 ? [other, running] : [running, other];
      const [a, b] = await Promise.all([
        device.call("PUT", "/api/mode", { body: { mode: order[0] } }),
        new Promise((r) => setTimeout(r, trial % 5)).then(() =>
          device.call("PUT", "/api/mode", { body: { mode: order[1] } }),
        ),
      ]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      await settle();
      const stored = storedMode();
      const now = device.device.identity().mode;
      if (stored !== now) mismatches.push(`trial ${trial}: running ${now}, stored ${stored}`);
      // The mode an answer names is always the one its request stored.
      expect((a.json as { mode: string }).mode).toBe(order[0]);
      expect((b.json as { mode: string }).mode).toBe(order[1]);
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it("a reboot racing a mode change still ends on the stored mode", async () => {
    const running = device.device.identity().mode;
    const other = running === "winch" ? "aircraft" : "winch";
    await Promise.all([
      device.call("POST", "/api/reboot"),
      device.call("PUT", "/api/mode", { body: { mode: other } }),
      device.call("POST", "/api/reboot"),
    ]);
    await settle();
    expect(device.device.identity().mode).toBe(storedMode());
    expect(device.device.identity().mode).toBe(other);
  }, 60_000);
});
