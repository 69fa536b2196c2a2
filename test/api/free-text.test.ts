import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDevice, type TestDevice } from "./device-harness.js";

/* Stored names reach other software (hostapd, wpa_supplicant, logs, screens): hostile ones are refused. */

let device: TestDevice;
beforeAll(async () => {
  device = await startTestDevice({ mode: "winch" });
}, 60_000);
afterAll(async () => {
  await device?.stop();
});

describe("free-text settings over the API", () => {
  it("refuses SSIDs with control, bidi or invisible characters or only spaces, and stores nothing", async () => {
    const good = { softap: { ssid: "OWTS-winch-A1B2C3", channel: 6 }, station: { enabled: false, ssid: "" } };
    for (const ssid of ["evil\u0000", "a\nb", "\u001b]0;x\u0007", "\u202ecod", "zw\u200d", "\u3000 "]) {
      const before = device.settingsFiles();
      const r = await device.call("PUT", "/api/wifi", {
        body: { ...good, softap: { ...good.softap, ssid } },
      });
      expect(r.status, JSON.stringify(ssid)).toBe(400);
      expect(r.json).toMatchObject({ error: "validation_failed", details: [{ field: "/softap/ssid" }] });
      expect(device.settingsFiles()).toEqual(before);
    }
    const ok = await device.call("PUT", "/api/wifi", {
      body: { ...good, softap: { ...good.softap, ssid: "Club WLAN" } },
    });
    expect(ok.status).toBe(200);
  }, 60_000);
});
