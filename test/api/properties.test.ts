import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AIRCRAFT_SPEED_RANGE,
  AIRCRAFT_TYPE_PATTERN,
  checkAircraftRules,
  checkWifiRules,
  type AircraftProfile as Profile,
  type RadioView,
  REGISTRATION_PATTERN,
  type WifiSettings,
  type WifiUpdate,
} from "../../src/api/schemas/index.js";
import { FREQUENCY_STEP_HZ, validateRadioSettings } from "../../src/radio/radio-settings.js";
import { SRD_PROFILES, type SrdProfile, TX_POWER_HW_RANGE_DBM } from "../../src/radio/srd-profiles.js";
import {
  type ApiReply,
  bearer,
  type CallOptions,
  startTestDevice,
  type TestDevice,
} from "./device-harness.js";

/*
 * Generated bodies against every mutating endpoint of a real device. Each property is a model check:
 * an oracle (the OpenAPI document's schemas compiled by an independent ajv, plus the rule functions)
 * says whether a body is acceptable; acceptable ones must be stored and read back as the model says,
 * the rest must get a 4xx and leave every settings file byte-identical; nothing may answer 5xx.
 */

const RUNS = 80;
let aircraft: TestDevice;
let winch: TestDevice;
let schemas: Record<string, ValidateFunction>;

/** A body as the test sends it: JSON (most cases) or raw text that is usually not JSON at all. */
type Sent = { body: unknown } | { raw: string };

function send(device: TestDevice, method: string, path: string, sent: Sent, opts: CallOptions = {}) {
  return device.call(method, path, { ...opts, ...sent });
}

/** What the server should have parsed, or undefined when the text is not JSON. */
function parsed(sent: Sent): { ok: true; value: unknown } | { ok: false } {
  if ("body" in sent) return { ok: true, value: sent.body };
  try {
    return { ok: true, value: JSON.parse(sent.raw) };
  } catch {
    return { ok: false };
  }
}

/**
 * How the device stores a written registration, by design: trimmed and upper-cased (`d-kabc` reads
 * back as `D-KABC`). Anything that is not an object with a string registration is left as it is.
 */
function normalised(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const r = (value as { registration?: unknown }).registration;
  return typeof r === "string" ? { ...value, registration: r.trim().toUpperCase() } : value;
}

/** Counts both outcomes so a property cannot pass by only ever taking one branch. */
class Tally {
  accepted = 0;
  refused = 0;
  check(min = 5): void {
    expect(this.accepted, "accepted cases").toBeGreaterThanOrEqual(min);
    expect(this.refused, "refused cases").toBeGreaterThanOrEqual(min);
  }
}

function expectRefused(
  tally: Tally | null,
  reply: ApiReply,
  before: Map<string, string>,
  after: Map<string, string>,
  sent: Sent,
) {
  const label = `${JSON.stringify(sent).slice(0, 300)} → ${reply.status} ${reply.text.slice(0, 300)}`;
  expect(reply.status, label).toBe(400);
  const error = (reply.json as { error: string }).error;
  expect(["bad_request", "validation_failed"], label).toContain(error);
  if (error === "validation_failed")
    expect((reply.json as { details: unknown[] }).details.length, label).toBeGreaterThan(0);
  expect(after, label).toEqual(before);
  if (tally) tally.refused++;
}

beforeAll(async () => {
  [aircraft, winch] = await Promise.all([
    startTestDevice({ mode: "aircraft", espId: "AAAAA1" }),
    startTestDevice({ mode: "winch", espId: "BBBBB1" }),
  ]);
  const doc = (await winch.call("GET", "/api/openapi.json")).json as object;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, "doc");
  const compiled: Record<string, ValidateFunction> = {};
  for (const name of [
    "AircraftProfileInput",
    "AircraftProfilePatch",
    "RadioPatch",
    "WifiUpdate",
    "SecurityUpdate",
    "ModeSetting",
  ]) {
    const v = ajv.getSchema(`doc#/components/schemas/${name}`);
    if (!v) throw new Error(`${name} missing from the document`);
    compiled[name] = v;
  }
  schemas = compiled;
}, 60_000);

afterAll(async () => {
  await Promise.all([aircraft?.stop(), winch?.stop()]);
});

// ---- generators -------------------------------------------------------------------------------

const registration = fc.stringMatching(new RegExp(REGISTRATION_PATTERN));
const aircraftType = fc.stringMatching(new RegExp(AIRCRAFT_TYPE_PATTERN));

const validProfile: fc.Arbitrary<Profile> = fc.constantFrom("kmh", "kt", "mph" as const).chain((unit) => {
  const { min, max } = AIRCRAFT_SPEED_RANGE[unit];
  return fc
    .integer({ min, max: max - 1 })
    .chain((v_en) =>
      fc
        .integer({ min: v_en + 1, max })
        .chain((v_min) =>
          fc
            .integer({ min: v_min, max })
            .chain((v_opt) =>
              fc.integer({ min: v_opt, max }).map((v_max) => ({ v_en, v_min, v_opt, v_max })),
            ),
        ),
    )
    .chain((speeds) =>
      fc.record({ registration, type: aircraftType }).map((id) => ({ ...id, unit, ...speeds })),
    );
});

const FIELDS = ["registration", "type", "unit", "v_min", "v_opt", "v_max", "v_en"] as const;
const junkValue = fc.oneof(
  fc.integer({ min: -50, max: 500 }),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 12 }),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom("kmh", "kt", "mph", "KMH", "d-1234", " ASK 21", "-D1", "ÄÖ"),
);

/** Valid profiles, and profiles broken in one or more ways (some breakages happen to stay valid). */
const anyProfileBody: fc.Arbitrary<Sent> = fc.oneof(
  { weight: 3, arbitrary: validProfile.map((body) => ({ body })) },
  fc
    .tuple(validProfile, fc.constantFrom(...FIELDS), junkValue)
    .map(([p, k, v]) => ({ body: { ...p, [k]: v } })),
  fc.tuple(validProfile, fc.constantFrom(...FIELDS)).map(([p, k]) => {
    const { [k]: _gone, ...rest } = p;
    return { body: rest };
  }),
  validProfile.map((p) => ({ body: { ...p, extra: true } })),
  validProfile.map((p) => ({ body: { ...p, v_en: p.v_min } })),
  validProfile.map((p) => ({ body: { ...p, v_opt: p.v_max + 1 } })),
  fc.jsonValue({ maxDepth: 2 }).map((body) => ({ body })),
  fc.string({ maxLength: 40 }).map((raw) => ({ raw })),
);

const anyPatchBody: fc.Arbitrary<Sent> = fc.oneof(
  validProfile.map((body) => ({ body })),
  fc
    .record({ registration, type: aircraftType }, { requiredKeys: [] })
    .filter((b) => Object.keys(b).length > 0)
    .map((body) => ({ body })),
  fc
    .tuple(validProfile, fc.subarray([...FIELDS], { minLength: 1 }))
    .map(([p, keys]) => ({ body: Object.fromEntries(keys.map((k) => [k, p[k]])) })),
  fc
    .tuple(
      fc.subarray([...FIELDS], { minLength: 1, maxLength: 3 }),
      fc.array(junkValue, { minLength: 3, maxLength: 3 }),
    )
    .map(([keys, values]) => ({ body: Object.fromEntries(keys.map((k, i) => [k, values[i]])) })),
  fc.constant({ body: {} }),
  fc.jsonValue({ maxDepth: 2 }).map((body) => ({ body })),
  fc.string({ maxLength: 40 }).map((raw) => ({ raw })),
);

const PROFILE_IDS = SRD_PROFILES.map((p) => p.id);
/** Frequencies on the 25 kHz raster inside some profile's segment (most are valid for that profile). */
function onGridOf(p: SrdProfile): fc.Arbitrary<number> {
  const step = FREQUENCY_STEP_HZ.gfsk;
  const lo = Math.ceil((p.segment_hz[0] ?? 0) / step);
  const hi = Math.floor((p.segment_hz[1] ?? 0) / step);
  return fc.integer({ min: lo, max: hi }).map((n) => n * step);
}
const onGrid = fc.constantFrom(...SRD_PROFILES).chain(onGridOf);
/** Patches that respect one profile (modem allowed, power under its cap, frequency in its segment). */
const coherentRadio = fc.constantFrom(...SRD_PROFILES).chain((p) =>
  fc.record(
    {
      srd_profile_id: fc.constant(p.id),
      modem_backend: fc.constantFrom(...p.modems),
      frequency_hz: onGridOf(p),
      tx_power_dbm: fc.integer({ min: TX_POWER_HW_RANGE_DBM[0], max: p.power_cap_dbm }),
      duty_cycle_lab_override: fc.boolean(),
    },
    { requiredKeys: ["srd_profile_id"] },
  ),
);
const radioPatch: fc.Arbitrary<Sent> = fc.oneof(
  { weight: 4, arbitrary: coherentRadio.map((body) => ({ body })) },
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          modem_backend: fc.constantFrom("gfsk", "lora", "fsk"),
          srd_profile_id: fc.constantFrom(...PROFILE_IDS, "eu868-h9", ""),
          frequency_hz: fc.oneof(onGrid, fc.integer({ min: 862_000_000, max: 871_000_000 })),
          tx_power_dbm: fc.integer({ min: -12, max: 25 }),
          duty_cycle_lab_override: fc.boolean(),
        },
        { requiredKeys: [] },
      )
      .map((body) => ({ body })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((body) => ({ body })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((raw) => ({ raw })) },
);

const ssid = fc.oneof(
  fc.string({ minLength: 0, maxLength: 34 }),
  fc.string({ unit: "grapheme", minLength: 0, maxLength: 20 }),
);
const passphrase = fc.oneof(
  fc.stringMatching(/^[\x20-\x7E]{8,63}$/),
  fc.string({ minLength: 5, maxLength: 66 }),
  fc.string({ unit: "grapheme", minLength: 8, maxLength: 12 }),
);
const wifiBody: fc.Arbitrary<Sent> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        softap: fc.record(
          { ssid, channel: fc.integer({ min: 0, max: 14 }), password: passphrase },
          { requiredKeys: ["ssid", "channel"] },
        ),
        station: fc.record(
          { enabled: fc.boolean(), ssid, password: fc.oneof(passphrase, fc.constant(null)) },
          { requiredKeys: ["enabled", "ssid"] },
        ),
      })
      .map((body) => ({ body })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((body) => ({ body })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((raw) => ({ raw })) },
);

// ---- properties -------------------------------------------------------------------------------

async function getJson<T>(device: TestDevice, path: string): Promise<T> {
  const r = await device.call("GET", path);
  expect(r.status).toBe(200);
  return r.json as T;
}

describe("PUT /api/aircraft", () => {
  it("stores exactly the acceptable profiles and refuses the rest without touching a file", async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(anyProfileBody, async (sent) => {
        const before = aircraft.settingsFiles();
        const reply = await send(aircraft, "PUT", "/api/aircraft", sent);
        expect(reply.status).toBeLessThan(500);
        const p = parsed(sent);
        // The body is checked as written (any case); the rules and the stored value see it normalised.
        const stored = p.ok ? (normalised(p.value) as Profile) : null;
        const acceptable =
          p.ok &&
          schemas.AircraftProfileInput?.(p.value) === true &&
          checkAircraftRules(stored as Profile).length === 0;
        if (!acceptable) return expectRefused(tally, reply, before, aircraft.settingsFiles(), sent);
        expect(reply.status, reply.text).toBe(200);
        tally.accepted++;
        expect(reply.json).toEqual(stored);
        expect(await getJson(aircraft, "/api/aircraft")).toEqual(stored);
      }),
      { numRuns: RUNS },
    );
    tally.check();
  });
});

describe("PATCH /api/aircraft", () => {
  it("merges acceptable patches into the stored profile and refuses the rest without touching a file", async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(anyPatchBody, async (sent) => {
        const current = await getJson<Profile>(aircraft, "/api/aircraft");
        const before = aircraft.settingsFiles();
        const reply = await send(aircraft, "PATCH", "/api/aircraft", sent);
        expect(reply.status).toBeLessThan(500);
        const p = parsed(sent);
        const merged = p.ok ? ({ ...current, ...(normalised(p.value) as object) } as Profile) : null;
        const acceptable =
          p.ok &&
          schemas.AircraftProfilePatch?.(p.value) === true &&
          checkAircraftRules(merged as Profile).length === 0;
        if (!acceptable) return expectRefused(tally, reply, before, aircraft.settingsFiles(), sent);
        expect(reply.status, reply.text).toBe(200);
        tally.accepted++;
        expect(reply.json).toEqual(merged);
        expect(await getJson(aircraft, "/api/aircraft")).toEqual(merged);
      }),
      { numRuns: RUNS },
    );
    tally.check();
  });

  it("reaches the running aircraft: the live unit follows the stored profile", async () => {
    const reply = await aircraft.call("PATCH", "/api/aircraft", {
      body: { unit: "kt", v_en: 27, v_min: 49, v_opt: 57, v_max: 70 },
    });
    expect(reply.status).toBe(200);
    const live = await getJson<{ unit: string }>(aircraft, "/api/aircraft/live");
    expect(live.unit).toBe("kt");
  });
});

const RADIO_FIELDS = [
  "modem_backend",
  "srd_profile_id",
  "frequency_hz",
  "tx_power_dbm",
  "duty_cycle_lab_override",
] as const;
const settingsOf = (v: RadioView) => Object.fromEntries(RADIO_FIELDS.map((k) => [k, v[k]]));

describe("PATCH /api/radio", () => {
  it.each(["aircraft", "winch"] as const)(
    "in %s mode applies exactly the patches the radio rules accept (frequency snapped) and refuses the rest",
    async (mode) => {
      const device = mode === "aircraft" ? aircraft : winch;
      const tally = new Tally();
      await fc.assert(
        fc.asyncProperty(radioPatch, async (sent) => {
          const current = settingsOf(await getJson<RadioView>(device, "/api/radio"));
          const before = device.settingsFiles();
          const reply = await send(device, "PATCH", "/api/radio", sent);
          expect(reply.status).toBeLessThan(500);
          const p = parsed(sent);
          const verdict =
            p.ok && schemas.RadioPatch?.(p.value) === true
              ? validateRadioSettings(p.value, current as never)
              : null;
          if (!verdict?.ok) return expectRefused(tally, reply, before, device.settingsFiles(), sent);
          expect(reply.status, reply.text).toBe(200);
          tally.accepted++;
          expect(settingsOf(reply.json as RadioView)).toEqual(verdict.settings);
          expect(settingsOf(await getJson<RadioView>(device, "/api/radio"))).toEqual(verdict.settings);
        }),
        { numRuns: RUNS },
      );
      tally.check();
    },
  );
});

describe("PUT /api/wifi", () => {
  it("stores acceptable settings, keeps absent passwords, never shows one, and refuses the rest", async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(wifiBody, async (sent) => {
        const previous = await getJson<WifiSettings>(winch, "/api/wifi");
        const before = winch.settingsFiles();
        const reply = await send(winch, "PUT", "/api/wifi", sent);
        expect(reply.status).toBeLessThan(500);
        const p = parsed(sent);
        const acceptable =
          p.ok &&
          schemas.WifiUpdate?.(p.value) === true &&
          checkWifiRules(p.value as WifiUpdate).length === 0;
        if (!acceptable) return expectRefused(tally, reply, before, winch.settingsFiles(), sent);
        const u = p.value as WifiUpdate;
        const expected: WifiSettings = {
          softap: {
            ssid: u.softap.ssid,
            channel: u.softap.channel,
            address: "192.168.4.1",
            password_set: u.softap.password === undefined ? previous.softap.password_set : true,
          },
          station: {
            enabled: u.station.enabled,
            ssid: u.station.ssid,
            password_set:
              u.station.password === undefined ? previous.station.password_set : u.station.password !== null,
          },
        };
        expect(reply.status, reply.text).toBe(200);
        tally.accepted++;
        expect(reply.json).toEqual(expected);
        const read = await winch.call("GET", "/api/wifi");
        expect(read.json).toEqual(expected);
        for (const secret of [u.softap.password, u.station.password])
          if (secret && !u.softap.ssid.includes(secret) && !u.station.ssid.includes(secret))
            expect(reply.text.includes(secret) || read.text.includes(secret)).toBe(false);
      }),
      { numRuns: RUNS },
    );
    tally.check();
  });
});

describe("PUT /api/security", () => {
  it("sets, changes and clears acceptable passwords (with the current one) and refuses the rest", async () => {
    let current: string | null = null;
    const body: fc.Arbitrary<Sent> = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.stringMatching(/^[\x21-\x7E]{8,64}$/).map((password) => ({ body: { password } })),
      },
      { weight: 1, arbitrary: fc.constant({ body: { password: null } }) },
      { weight: 3, arbitrary: fc.record({ password: junkValue }).map((b) => ({ body: b })) },
      {
        weight: 1,
        arbitrary: fc.string({ minLength: 0, maxLength: 70 }).map((password) => ({ body: { password } })),
      },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((b) => ({ body: b })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((raw) => ({ raw })) },
    );
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(body, async (sent) => {
        const before = winch.settingsFiles();
        const auth = current === null ? {} : { headers: bearer(current) };
        const reply = await send(winch, "PUT", "/api/security", sent, auth);
        expect(reply.status).toBeLessThan(500);
        const p = parsed(sent);
        if (!(p.ok && schemas.SecurityUpdate?.(p.value) === true))
          return expectRefused(tally, reply, before, winch.settingsFiles(), sent);
        const next = (p.value as { password: string | null }).password;
        expect(reply.status, reply.text).toBe(200);
        tally.accepted++;
        expect(reply.json).toEqual({ password_set: next !== null });
        if (next) expect(reply.text.includes(next)).toBe(false);
        current = next;
        // The new state holds: with a password, only it opens writes.
        const check = await winch.call(
          "POST",
          "/api/security/check",
          current ? { headers: bearer(current) } : {},
        );
        expect(check.status).toBe(204);
      }),
      { numRuns: 60 },
    );
    tally.check();
    if (current !== null)
      expect(
        (await winch.call("PUT", "/api/security", { body: { password: null }, headers: bearer(current) }))
          .status,
      ).toBe(200);
  });
});

describe("PUT /api/mode", () => {
  it("refuses every body that is not a mode without touching a file or restarting", async () => {
    const runtime = winch.device.runtime();
    const body: fc.Arbitrary<Sent> = fc.oneof(
      fc.record({ mode: junkValue }).map((b) => ({ body: b })),
      fc.constantFrom("aircraft", "winch").map((mode) => ({ body: { mode, also: 1 } })),
      fc.jsonValue({ maxDepth: 2 }).map((b) => ({ body: b })),
      fc.string({ maxLength: 20 }).map((raw) => ({ raw })),
    );
    await fc.assert(
      fc.asyncProperty(body, async (sent) => {
        const p = parsed(sent);
        fc.pre(!(p.ok && schemas.ModeSetting?.(p.value) === true));
        const before = winch.settingsFiles();
        const reply = await send(winch, "PUT", "/api/mode", sent);
        expectRefused(null, reply, before, winch.settingsFiles(), sent);
      }),
      { numRuns: RUNS },
    );
    expect(winch.device.runtime()).toBe(runtime);
    expect(winch.device.identity().mode).toBe("winch");
  });

  it("stores each valid mode and reports whether it restarts", async () => {
    for (const mode of ["winch", "aircraft", "aircraft", "winch"] as const) {
      const running = winch.device.identity().mode;
      const reply = await winch.call("PUT", "/api/mode", { body: { mode } });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ mode, restarting: mode !== running });
      expect(await getJson(winch, "/api/mode")).toEqual({ mode });
      const file = JSON.parse(winch.settingsFiles().get("device.json") ?? "{}") as { value?: unknown };
      expect(file.value).toEqual({ mode });
    }
  });
});

describe("writes without a body", () => {
  it.each([
    ["DELETE", "/api/history"],
    ["POST", "/api/security/check"],
    ["POST", "/api/reboot"],
  ])(
    "%s %s refuses any body that is not JSON, changes nothing and restarts nothing",
    async (method, path) => {
      const runtime = winch.device.runtime();
      const notJson = fc.record({
        type: fc.constantFrom(
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data",
          "application/xml",
        ),
        raw: fc.string({ minLength: 1, maxLength: 100 }),
      });
      await fc.assert(
        fc.asyncProperty(notJson, async ({ type, raw }) => {
          const before = winch.settingsFiles();
          const reply = await winch.call(method, path, { raw, contentType: type });
          expect([reply.status, (reply.json as { error: string }).error]).toEqual([
            415,
            "unsupported_media_type",
          ]);
          expect(winch.settingsFiles()).toEqual(before);
        }),
        { numRuns: 30 },
      );
      expect(winch.device.runtime()).toBe(runtime);
    },
  );
});
