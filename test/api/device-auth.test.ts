import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Mode } from "../../src/device/identity.js";
import { keyIdHex, LinkKey } from "../../src/telemetry/link-key.js";
import { bearer, startTestDevice, TEST_SCRYPT, type TestDevice } from "./device-harness.js";

/*
 * The auth matrix on a real device: every mutating route of the OpenAPI document, in the mode it
 * exists in, × {no header, wrong password, malformed header, old password after a change, correct}
 * × {password set, not set}. A refused write changes no settings file and restarts nothing.
 */

const OLD = "Old-password-1";
const NEW = "New-password-2";
const MALFORMED = ["Basic dXNlcjpwYXNz", "Bearer", "Bearer two words", `Token ${NEW}`];

type Doc = { paths: Record<string, Record<string, unknown>> };

let devices: Record<Mode, TestDevice>;
let mutating: { method: string; path: string }[];

beforeAll(async () => {
  const [aircraft, winch] = await Promise.all([
    startTestDevice({ mode: "aircraft", espId: "AUTH01" }),
    startTestDevice({ mode: "winch", espId: "AUTH02" }),
  ]);
  devices = { aircraft, winch };
  const doc = (await winch.call("GET", "/api/openapi.json")).json as Doc;
  mutating = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ["put", "patch", "post", "delete"].includes(m))
      .map((m) => ({ method: m.toUpperCase(), path })),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(Object.values(devices ?? {}).map((d) => d.stop()));
});

/** A valid request for the route that leaves the settings as they are (so each case starts alike). */
async function harmless(device: TestDevice, method: string, path: string, password: string | null) {
  const get = async <T = Record<string, unknown>>(p: string) => (await device.call("GET", p)).json as T;
  switch (`${method} ${path}`) {
    case "PUT /api/mode":
      return { body: { mode: device.device.identity().mode }, ok: 200 };
    case "PUT /api/aircraft":
      return { body: await get("/api/aircraft"), ok: 200 };
    case "PATCH /api/aircraft":
      return { body: { v_opt: (await get("/api/aircraft")).v_opt }, ok: 200 };
    case "PATCH /api/radio":
      return { body: { tx_power_dbm: (await get("/api/radio")).tx_power_dbm }, ok: 200 };
    case "PUT /api/wifi": {
      const w = await get<{
        softap: { ssid: string; channel: number };
        station: { enabled: boolean; ssid: string };
      }>("/api/wifi");
      return {
        body: {
          softap: { ssid: w.softap.ssid, channel: w.softap.channel },
          station: { enabled: w.station.enabled, ssid: w.station.ssid },
        },
        ok: 200,
      };
    }
    case "PUT /api/security":
      return { body: { password }, ok: 200 };
    case "PUT /api/mqtt":
      return { body: { enabled: false, url: "" }, ok: 200 };
    case "POST /api/security/check":
      return { ok: 204 };
    case "POST /api/reboot":
      return { ok: 202 };
    case "DELETE /api/history":
      return { ok: 204 };
    case "DELETE /api/history/{ref}": // past auth, an unknown launch is a 404: nothing is deleted either way
      return { path: "/api/history/20990101T000000Z-0000", ok: 404 };
    case "POST /api/pairing":
    case "POST /api/pairing/rotate":
      return { ok: 200 };
    case "POST /api/winch/pairings":
      return { body: { code: LinkKey.generate().pairingCode() }, ok: 201 };
    case "DELETE /api/winch/pairings/{key_id}": {
      const key = LinkKey.generate();
      const added = await device.call("POST", "/api/winch/pairings", {
        body: { code: key.pairingCode() },
        ...(password ? { headers: bearer(password) } : {}),
      });
      expect(added.status).toBe(201);
      return { path: `/api/winch/pairings/${keyIdHex(key.key_id)}`, ok: 204 };
    }
    default:
      throw new Error(`no harmless request for ${method} ${path}; add one`);
  }
}

function modeOf(path: string): Mode[] {
  if (path.startsWith("/api/aircraft") || path.startsWith("/api/pairing")) return ["aircraft"];
  if (path.startsWith("/api/winch/")) return ["winch"];
  return ["aircraft", "winch"];
}

/** Sets NEW on a device the way a user would: OLD first, then changed with OLD as the Bearer. */
async function setPasswords(device: TestDevice): Promise<void> {
  expect((await device.call("PUT", "/api/security", { body: { password: OLD } })).status).toBe(200);
  const change = await device.call("PUT", "/api/security", { body: { password: NEW }, headers: bearer(OLD) });
  expect(change.status).toBe(200);
}

async function clearPassword(device: TestDevice): Promise<void> {
  const r = await device.call("PUT", "/api/security", { body: { password: null }, headers: bearer(NEW) });
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ password_set: false });
}

const variants = (state: "set" | "not set") =>
  [
    { name: "no header", headers: {} as Record<string, string> },
    { name: "wrong password", headers: bearer("Wrong-password-9") },
    ...MALFORMED.map((h) => ({ name: `malformed "${h.slice(0, 12)}"`, headers: { authorization: h } })),
    { name: "old password after a change", headers: bearer(OLD) },
    { name: "correct password", headers: state === "set" ? bearer(NEW) : {}, correct: true },
  ] as { name: string; headers: Record<string, string>; correct?: boolean }[];

describe.each(["set", "not set"] as const)("auth matrix with a password %s", (state) => {
  it("covers every mutating route of the document", () => {
    expect(mutating.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [
        "DELETE /api/history",
        "DELETE /api/history/{ref}",
        "DELETE /api/winch/pairings/{key_id}",
        "POST /api/pairing",
        "POST /api/pairing/rotate",
        "POST /api/winch/pairings",
        "PATCH /api/aircraft",
        "PATCH /api/radio",
        "POST /api/reboot",
        "POST /api/security/check",
        "PUT /api/aircraft",
        "PUT /api/mode",
        "PUT /api/mqtt",
        "PUT /api/security",
        "PUT /api/wifi",
      ].sort(),
    );
  });

  it.each(["aircraft", "winch"] as const)(
    "in %s mode every write needs the current password exactly when one is set",
    async (mode) => {
      const device = devices[mode];
      if (state === "set") await setPasswords(device);
      else {
        // "Old password" here is one that was set and then cleared: with no password, any header passes.
        await setPasswords(device);
        await clearPassword(device);
      }
      try {
        for (const { method, path } of mutating.filter((r) => modeOf(r.path).includes(mode))) {
          for (const v of variants(state)) {
            const label = `${state}: ${method} ${path} with ${v.name}`;
            const req = await harmless(device, method, path, state === "set" ? NEW : null);
            // A reboot just accepted restarts the runtime in the background: compare against the new one.
            for (let i = 0; i < 200 && (!device.device.runtime() || device.device.restartPending()); i++) {
              await new Promise((r) => setTimeout(r, 25));
            }
            const runtime = device.device.runtime();
            const before = device.settingsFiles();
            const reply = await device.call(method, "path" in req && req.path ? req.path : path, {
              ...(req.body === undefined ? {} : { body: req.body }),
              headers: v.headers,
            });
            if (state === "not set" || v.correct) {
              expect(reply.status, `${label}: ${reply.text}`).toBe(req.ok);
              continue;
            }
            expect(reply.status, `${label}: ${reply.text}`).toBe(401);
            expect(reply.headers["www-authenticate"], label).toMatch(/^Bearer realm="owts"/);
            expect((reply.json as { error: string }).error, label).toBe("unauthorized");
            expect(device.settingsFiles(), label).toEqual(before);
            expect(device.device.runtime(), `${label}: restarted`).toBe(runtime);
          }
        }
        // The passwords never show up in an answer or the log.
        const log = (await device.call("GET", "/api/log?after=0")).text;
        const security = (await device.call("GET", "/api/security")).text;
        for (const secret of [OLD, NEW]) {
          expect(log.includes(secret)).toBe(false);
          expect(security.includes(secret)).toBe(false);
        }
        expect((await device.call("GET", "/api/security")).json).toEqual({ password_set: state === "set" });
      } finally {
        if (state === "set") await clearPassword(device);
      }
    },
  );
});

describe("reads stay public", () => {
  it("GET and HEAD need no password while one is set", async () => {
    const device = devices.winch;
    await setPasswords(device);
    try {
      for (const path of [
        "/api/about",
        "/api/status",
        "/api/mode",
        "/api/radio",
        "/api/wifi",
        "/api/winch",
        "/api/log",
      ]) {
        expect((await device.call("GET", path)).status, path).toBe(200);
        expect((await device.call("HEAD", path)).status, `HEAD ${path}`).toBe(200);
      }
    } finally {
      await clearPassword(device);
    }
  });
});

describe("backoff on the real server", () => {
  it("slows a client down after repeated wrong passwords with 429 + Retry-After, and says when to retry", async () => {
    const device = await startTestDevice({
      mode: "winch",
      espId: "AUTH03",
      api: { auth: { scrypt: TEST_SCRYPT, backoff: { freeFailures: 3, baseDelayMs: 60_000 } } },
    });
    try {
      await device.call("PUT", "/api/security", { body: { password: NEW } });
      const attempt = () =>
        device.call("POST", "/api/security/check", { headers: bearer("Wrong-password-9") });
      for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
      const blocked = await attempt();
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
      expect(blocked.json).toEqual({
        error: "too_many_requests",
        message: expect.stringMatching(/Try again in \d+ s \(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)/),
      });
      // Blocked means blocked, even with the right password; reads are not affected.
      expect((await device.call("POST", "/api/security/check", { headers: bearer(NEW) })).status).toBe(429);
      expect((await device.call("GET", "/api/security")).status).toBe(200);
    } finally {
      await device.stop();
    }
  });
});
