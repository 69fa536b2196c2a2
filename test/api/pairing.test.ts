import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimMedium } from "../../src/radio/sim-link.js";
import { parsePairingCode } from "../../src/telemetry/pairing-code.js";
import { startTestDevice, type TestDevice } from "./device-harness.js";

/*
 * Pairing between two real devices sharing one simulated air: the aircraft's code is typed into the
 * winch, which then shows only verified telemetry; a rotated key stops verifying; bad codes change
 * nothing; and the key never shows up in any other answer, log line or settings file.
 */

let aircraft: TestDevice;
let winch: TestDevice;
const answers: string[] = [];

async function call(d: TestDevice, method: string, path: string, body?: unknown) {
  const r = await d.call(method, path, body === undefined ? {} : { body });
  if (!(method === "POST" && path === "/api/pairing") && !path.endsWith("/rotate")) answers.push(r.text);
  return r;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (let i = 0; i < 300 && Date.now() < end; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Winch = {
  telemetry: { verified: boolean; registration: string } | null;
  unpaired_heard: { registration: string }[];
};

beforeAll(async () => {
  const medium = new SimMedium({ seed: 11, fading_sigma_db: 0 });
  [aircraft, winch] = await Promise.all([
    startTestDevice({
      mode: "aircraft",
      espId: "PAIR01",
      medium,
      position: [0, 0, 300],
      sensor: { kind: "sim", seed: 3, firstLaunchAfterS: 0, timeScale: 3, loop: true },
    }),
    startTestDevice({ mode: "winch", espId: "PAIR02", medium }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([aircraft?.stop(), winch?.stop()]);
});

describe("pairing two units", () => {
  it("round trip: unverified before, verified after, rotate stops it, remove; secrets stay in their files", async () => {
    const info = (await call(aircraft, "GET", "/api/pairing")).json as { key_id: string; created: string };
    expect(info.key_id).toMatch(/^[0-9a-f]{8}$/);
    const paired = (await call(aircraft, "POST", "/api/pairing")).json as {
      code: string;
      key_id: string;
      registration: string;
    };
    expect(paired.key_id).toBe(info.key_id);
    expect(parsePairingCode(paired.code).ok).toBe(true);
    const secret = paired.code;
    const parsed = parsePairingCode(secret);
    const keyB64 = parsed.ok ? Buffer.from(parsed.key).toString("base64") : "";
    const keyHex = parsed.ok ? Buffer.from(parsed.key).toString("hex") : "";

    // A fresh winch shows what it hears, marked unverified.
    await until("unverified telemetry", async () => {
      const w = (await call(winch, "GET", "/api/winch")).json as Winch;
      return w.telemetry?.verified === false;
    });

    // Bad codes: 400 with a reason, nothing stored.
    const before = winch.settingsFiles();
    const chars = secret.split("");
    chars[7] = chars[7] === "A" ? "B" : "A";
    for (const [code, reason] of [
      [chars.join(""), /typo/],
      [secret.slice(0, 20), /incomplete/],
      ["https://example.org/pair?x=1", /not an OWTS pairing code/],
    ] as const) {
      const r = await call(winch, "POST", "/api/winch/pairings", { code });
      expect(r.status, r.text).toBe(400);
      expect((r.json as { message: string }).message).toMatch(reason);
    }
    expect(winch.settingsFiles()).toEqual(before);

    const added = await call(winch, "POST", "/api/winch/pairings", { code: secret.toLowerCase() });
    expect(added.status, added.text).toBe(201);
    expect((await call(winch, "POST", "/api/winch/pairings", { code: secret })).status).toBe(200);
    const verified = await until("verified telemetry", async () => {
      const w = (await call(winch, "GET", "/api/winch")).json as Winch;
      return w.telemetry?.verified === true ? w : null;
    });
    expect(verified.telemetry?.registration).toBe(paired.registration);
    const list = (await call(winch, "GET", "/api/winch/pairings")).json as {
      pairings: { key_id: string; registration: string | null }[];
    };
    expect(list.pairings).toEqual([
      expect.objectContaining({ key_id: info.key_id, registration: paired.registration }),
    ]);

    // A new key on the aircraft: the winch stops trusting it and names it as unpaired.
    const rotated = (await aircraft.call("POST", "/api/pairing/rotate")).json as {
      key_id: string;
      code: string;
    };
    expect(rotated.key_id).not.toBe(info.key_id);
    await until("unpaired aircraft heard", async () => {
      const w = (await call(winch, "GET", "/api/winch")).json as Winch;
      return w.telemetry === null && w.unpaired_heard.some((u) => u.registration === paired.registration);
    });
    const status = (await call(winch, "GET", "/api/status")).json as {
      radio: { rejected: Record<string, number> };
    };
    expect(status.radio.rejected.unknown_key).toBeGreaterThan(0);

    expect((await call(winch, "DELETE", `/api/winch/pairings/${info.key_id}`)).status).toBe(204);
    expect((await call(winch, "DELETE", `/api/winch/pairings/${info.key_id}`)).status).toBe(404);
    expect((await call(winch, "DELETE", "/api/winch/pairings/xyz")).status).toBe(400);

    // Key material: only in its own namespace (aircraft) and the pairings (winch).
    answers.push(
      (await call(aircraft, "GET", "/api/log?after=0")).text,
      (await call(winch, "GET", "/api/log?after=0")).text,
    );
    const rotatedKey = parsePairingCode(rotated.code);
    const needles = [secret, keyB64, keyHex, rotated.code];
    if (rotatedKey.ok) needles.push(Buffer.from(rotatedKey.key).toString("base64"));
    for (const text of answers) for (const n of needles) expect(text.includes(n)).toBe(false);
    for (const d of [aircraft, winch]) {
      const dir = join(d.dataDir, "nvs");
      for (const f of readdirSync(dir)) {
        if (f === "link_key.json" || f === "winch_pairings.json") continue;
        const text = readFileSync(join(dir, f), "utf8");
        for (const n of needles) expect(text.includes(n), f).toBe(false);
      }
    }
  }, 60_000);
});
