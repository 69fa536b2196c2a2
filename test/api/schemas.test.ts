import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TSchema } from "typebox";
import { Value } from "typebox/value";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_AIRCRAFT_PROFILE,
  type AircraftProfile as ProfileInterface,
} from "../../src/aircraft/profile.js";
import {
  AircraftProfile,
  AircraftProfilePatch,
  API_SCHEMAS,
  checkAircraftRules,
  checkWifiRules,
  type LogPage,
  ModeSetting,
  RadioPatch,
  SecurityUpdate,
  type WifiUpdate,
  WifiUpdate as WifiUpdateSchema,
} from "../../src/api/schemas/index.js";
import type { LogLine } from "../../src/device/log-ring.js";
import type { SensorHealth } from "../../src/sensors/ias-source.js";

// The schema types and the runtime's own interfaces must stay interchangeable both ways.
const _p1: ProfileInterface = {} as AircraftProfile;
const _p2: AircraftProfile = {} as ProfileInterface;
const _s1: SensorHealth = {} as import("../../src/api/schemas/index.js").AircraftLive["sensor"];
const _s2: import("../../src/api/schemas/index.js").AircraftLive["sensor"] = {} as SensorHealth;
const _l1: LogLine = {} as LogPage["lines"][number];
const _l2: LogPage["lines"][number] = {} as LogLine;
void [_p1, _p2, _s1, _s2, _l1, _l2];

const profile = (over: Partial<AircraftProfile> = {}): AircraftProfile => ({
  ...DEFAULT_AIRCRAFT_PROFILE,
  ...over,
});

describe("resource schemas", () => {
  it("each has a unique $id, a description and examples that pass the schema itself", () => {
    const ids = API_SCHEMAS.map((s) => (s as { $id?: string }).$id);
    expect(new Set(ids).size).toBe(API_SCHEMAS.length);
    for (const schema of API_SCHEMAS) {
      const s = schema as TSchema & { $id: string; description?: string; examples?: unknown[] };
      if (s.$id === "ErrorEnvelope") continue; // src/api/errors.ts, not ours to describe
      expect(s.description, s.$id).toBeTruthy();
      expect(s.examples?.length, s.$id).toBeGreaterThan(0);
      for (const ex of s.examples ?? []) expect(Value.Errors(s, ex), `${s.$id} example`).toEqual([]);
    }
  });

  it("the default profile passes schema and rules", () => {
    expect(Value.Check(AircraftProfile, DEFAULT_AIRCRAFT_PROFILE)).toBe(true);
    expect(checkAircraftRules(profile())).toEqual([]);
  });

  it.each([
    ["D-1234", true],
    ["N123AB", true],
    ["A", true],
    ["OE-5432", true],
    ["ABCDEFGHIJ", true],
    ["ABCDEFGHIJK", false],
    ["d-1234", false],
    ["-D1234", false],
    ["D1234-", false],
    ["D 1234", false],
    ["", false],
    ["DÜ-1", false],
  ])("registration %j valid=%s", (registration, valid) => {
    expect(Value.Check(AircraftProfile, profile({ registration }))).toBe(valid);
  });

  it.each([
    ["ASK 21", true],
    ["Discus-2c FES", true],
    ["x".repeat(24), true],
    ["x".repeat(25), false],
    [" ASK 21", false],
    ["ASK 21 ", false],
    ["ASK\t21", false],
    ["", false],
  ])("type %j valid=%s", (type, valid) => {
    expect(Value.Check(AircraftProfile, profile({ type }))).toBe(valid);
  });

  it("PUT body needs every field and no others; speeds are integers", () => {
    const { v_en: _, ...missing } = profile();
    expect(Value.Check(AircraftProfile, missing)).toBe(false);
    expect(Value.Check(AircraftProfile, { ...profile(), extra: 1 })).toBe(false);
    expect(Value.Check(AircraftProfile, profile({ v_opt: 100.5 }))).toBe(false);
    expect(Value.Check(AircraftProfile, { ...profile(), unit: "ms" })).toBe(false);
  });

  it("PATCH body takes any non-empty subset and nothing else", () => {
    expect(Value.Check(AircraftProfilePatch, { v_opt: 110 })).toBe(true);
    expect(Value.Check(AircraftProfilePatch, {})).toBe(false);
    expect(Value.Check(AircraftProfilePatch, { v_opt: 110, colour: "red" })).toBe(false);
    // Written registrations may be lower case with surrounding spaces (stored trimmed and upper-cased).
    expect(Value.Check(AircraftProfilePatch, { registration: " d-1 " })).toBe(true);
    expect(Value.Check(AircraftProfilePatch, { registration: "d_1" })).toBe(false);
  });

  it("mode, radio patch and security bodies reject unknown fields and bad values", () => {
    expect(Value.Check(ModeSetting, { mode: "winch" })).toBe(true);
    expect(Value.Check(ModeSetting, { mode: "glider" })).toBe(false);
    expect(Value.Check(RadioPatch, {})).toBe(false);
    expect(Value.Check(RadioPatch, { duty_used_ppm: 5 })).toBe(false);
    expect(Value.Check(RadioPatch, { frequency_hz: 869_525_000.5 })).toBe(false);
    expect(Value.Check(SecurityUpdate, { password: null })).toBe(true);
    expect(Value.Check(SecurityUpdate, { password: "winch-2025!" })).toBe(true);
    expect(Value.Check(SecurityUpdate, { password: "short" })).toBe(false);
    expect(Value.Check(SecurityUpdate, { password: "has a space" })).toBe(false);
    expect(Value.Check(SecurityUpdate, { password: "p".repeat(65) })).toBe(false);
    expect(Value.Check(SecurityUpdate, {})).toBe(false);
  });
});

describe("checkAircraftRules", () => {
  it("names the field of each broken ordering", () => {
    expect(checkAircraftRules(profile({ v_en: 90 })).map((p) => p.field)).toEqual(["/v_min"]);
    expect(checkAircraftRules(profile({ v_opt: 89 })).map((p) => p.field)).toEqual(["/v_opt"]);
    expect(checkAircraftRules(profile({ v_max: 100 })).map((p) => p.field)).toEqual(["/v_max"]);
    // equal v_min = v_opt = v_max is allowed; v_en = v_min is not
    expect(checkAircraftRules(profile({ v_min: 100, v_opt: 100, v_max: 100 }))).toEqual([]);
  });

  it("blames the field a PATCH touched", () => {
    const problems = checkAircraftRules(profile({ v_min: 120 }), ["v_min"]);
    expect(problems).toEqual([{ field: "/v_min", message: "v_min (120) must be at most v_opt (105)" }]);
  });

  it("reports every problem, one detail each, including per-unit ranges", () => {
    const problems = checkAircraftRules(profile({ unit: "kt", v_en: 5, v_min: 300, v_opt: 200, v_max: 230 }));
    expect(problems.map((p) => p.field)).toEqual(["/v_en", "/v_min", "/v_max", "/v_opt"]);
    expect(problems[0]?.message).toBe("v_en must be a whole number from 10 to 220 kt (got 5)");
  });

  it.each([
    ["kmh", 19, false],
    ["kmh", 20, true],
    ["kmh", 400, true],
    ["kt", 9, false],
    ["kt", 221, false],
    ["mph", 12, true],
    ["mph", 251, false],
  ] as const)("%s: %i in range=%s", (unit, v, ok) => {
    const p =
      v < 100
        ? { unit, v_en: v, v_min: v + 1, v_opt: v + 1, v_max: v + 1 }
        : { unit, v_en: 30, v_min: v, v_opt: v, v_max: v };
    expect(checkAircraftRules(profile(p)).length === 0).toBe(ok);
  });
});

describe("checkWifiRules", () => {
  const update = (
    over: { softapSsid?: string; stationSsid?: string; enabled?: boolean } = {},
  ): WifiUpdate => ({
    softap: { ssid: over.softapSsid ?? "OWTS-winch-3A4F1C", channel: 6 },
    station: { enabled: over.enabled ?? false, ssid: over.stationSsid ?? "" },
  });

  it("counts SSID bytes in UTF-8, not characters", () => {
    const ssid = "ä".repeat(17); // 17 characters, 34 bytes
    expect(Value.Check(WifiUpdateSchema, update({ softapSsid: ssid }))).toBe(true);
    expect(checkWifiRules(update({ softapSsid: ssid }))).toEqual([
      { field: "/softap/ssid", message: "SSID is 34 bytes in UTF-8; at most 32 are allowed" },
    ]);
    expect(checkWifiRules(update({ softapSsid: "ä".repeat(16) }))).toEqual([]);
  });

  it.each([
    ["NUL", "club\u0000"],
    ["CR/LF", "club\r\nx"],
    ["ESC", "\u001b[31mclub"],
    ["a bidi override", "\u202eNALW-bulc"],
    ["a zero-width space", "club\u200bwlan"],
    ["only spaces", "   "],
  ])("refuses an SSID with %s, naming the field in plain words", (_what, ssid) => {
    const problems = checkWifiRules(update({ softapSsid: ssid, stationSsid: ssid }));
    expect(problems.map((p) => p.field)).toEqual(["/softap/ssid", "/station/ssid"]);
    expect(problems[0]!.message).toMatch(/^SSID must not (contain control characters|be only spaces)/);
  });

  it("accepts SSIDs with inner spaces, accents and symbols", () => {
    expect(checkWifiRules(update({ softapSsid: "Club WLAN ✈ Zürich", stationSsid: "Hangar 2" }))).toEqual([]);
  });

  it("an enabled station needs an SSID; a disabled one may have none", () => {
    expect(checkWifiRules(update({ enabled: true })).map((p) => p.field)).toEqual(["/station/ssid"]);
    expect(checkWifiRules(update({ enabled: false }))).toEqual([]);
  });

  it("passwords: 8–63 printable ASCII; station may clear with null, SoftAP may not", () => {
    const u = update();
    expect(Value.Check(WifiUpdateSchema, { ...u, softap: { ...u.softap, password: "12345678" } })).toBe(true);
    expect(Value.Check(WifiUpdateSchema, { ...u, softap: { ...u.softap, password: "1234567" } })).toBe(false);
    expect(Value.Check(WifiUpdateSchema, { ...u, softap: { ...u.softap, password: "x".repeat(64) } })).toBe(
      false,
    );
    expect(Value.Check(WifiUpdateSchema, { ...u, softap: { ...u.softap, password: "pässwörter" } })).toBe(
      false,
    );
    expect(Value.Check(WifiUpdateSchema, { ...u, softap: { ...u.softap, password: null } })).toBe(false);
    expect(Value.Check(WifiUpdateSchema, { ...u, station: { ...u.station, password: null } })).toBe(true);
    expect(Value.Check(WifiUpdateSchema, { ...u, softap: { ...u.softap, channel: 14 } })).toBe(false);
    expect(Value.Check(WifiUpdateSchema, { ...u, softap: { ...u.softap, address: "10.0.0.1" } })).toBe(false);
  });
});

describe("the schema folder is importable by the browser UI", () => {
  it("imports nothing Node-only, directly or through the files it imports", () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const root = resolve(here, "../../src/api/schemas");
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)) {
        const typeOnly = Boolean(m[2]);
        const spec = m[3] ?? "";
        if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
        else if (!typeOnly) expect(spec, `${file} imports ${spec}`).toMatch(/^typebox(\/|$)/);
      }
    };
    for (const f of readdirSync(root)) visit(join(root, f));
    expect(seen.size).toBeGreaterThan(10);
  });
});
