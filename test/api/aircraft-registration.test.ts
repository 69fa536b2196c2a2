import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDevice, type TestDevice } from "./device-harness.js";

/*
 * The registration is written in any case with surrounding spaces and stored trimmed and upper-cased
 * (SPEC: "the registration is upper-cased"); anything but letters, digits and hyphens is still refused,
 * and a refused write changes no settings file.
 */
describe("PATCH/PUT /api/aircraft registration", () => {
  let device: TestDevice;
  beforeAll(async () => {
    device = await startTestDevice({ mode: "aircraft" });
  });
  afterAll(async () => {
    await device?.stop();
  });

  it("accepts lower case with surrounding spaces and stores it upper-cased", async () => {
    const patched = await device.call("PATCH", "/api/aircraft", { body: { registration: " d-kabc " } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ registration: "D-KABC" });
    const read = await device.call("GET", "/api/aircraft");
    expect(read.json).toMatchObject({ registration: "D-KABC" });
    const onDisk = [...device.settingsFiles().entries()].find(([name]) => name.includes("aircraft"));
    expect(onDisk?.[1]).toContain('"D-KABC"');

    const current = read.json as Record<string, unknown>;
    const put = await device.call("PUT", "/api/aircraft", { body: { ...current, registration: "oe-5432" } });
    expect(put.status, put.text).toBe(200);
    expect((await device.call("GET", "/api/aircraft")).json).toMatchObject({ registration: "OE-5432" });
  });

  it.each(["D_KABC", "D-KÄBC", "-DKABC", "ABCDEFGHIJK", "   "])(
    "refuses %j with 400 and changes nothing",
    async (registration) => {
      const before = device.settingsFiles();
      const shown = (await device.call("GET", "/api/aircraft")).json;
      for (const method of ["PATCH", "PUT"]) {
        const body = method === "PATCH" ? { registration } : { ...(shown as object), registration };
        const res = await device.call(method, "/api/aircraft", { body });
        expect(res.status, res.text).toBe(400);
        expect(res.json).toMatchObject({ error: "validation_failed" });
        expect(JSON.stringify(res.json)).toContain("/registration");
      }
      expect(device.settingsFiles()).toEqual(before);
      expect((await device.call("GET", "/api/aircraft")).json).toEqual(shown);
    },
  );
});
