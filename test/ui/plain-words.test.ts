import { beforeAll, describe, expect, it } from "vitest";
import { checkAircraftRules } from "../../src/api/schemas/aircraft.js";
import { labelRows } from "../../ui/src/components/label-rows.js";
import en from "../../ui/src/i18n/locales/en.json" with { type: "json" };
import { type Messages, setCatalog } from "../../ui/src/i18n/translate.js";
import { aircraftProblems, aircraftRules } from "../../ui/src/words/aircraft-rules.js";
import { plainFieldErrors, SCHEMA_SPEAK } from "../../ui/src/words/plain.js";
import { passwordRule, radioRules, wifiRules } from "../../ui/src/words/settings-rules.js";

beforeAll(() => setCatalog("en", en as Messages));

const profile = {
  registration: "D-1234",
  type: "ASK 21",
  unit: "kmh" as const,
  v_min: 90,
  v_opt: 105,
  v_max: 130,
  v_en: 50,
};

describe("the device's details in a club member's words", () => {
  it("a pattern or a failed union is replaced by the field's rule with its limit", () => {
    const out = plainFieldErrors(
      [
        { field: "/registration", message: 'must match pattern "^[A-Z0-9](?:[A-Z0-9-]{0,8}[A-Z0-9])?$"' },
        { field: "/type", message: "does not match any of the allowed forms" },
        { field: "/v_en", message: "is required" },
      ],
      aircraftRules("kmh"),
    );
    expect(out["/registration"]).toBe(
      "At most 10 capital letters, digits or hyphens, not starting or ending with a hyphen (e.g. D-1234).",
    );
    expect(out["/type"]).toMatch(/^1 to 24 characters/);
    expect(out["/v_en"]).toBe("Fill this in.");
    for (const m of Object.values(out)) expect(m).not.toMatch(SCHEMA_SPEAK);
  });

  it("a plain domain sentence from the device is kept, as a sentence", () => {
    const out = plainFieldErrors(
      [{ field: "/tx_power_dbm", message: "20 dBm is over the 14 dBm e.r.p. cap of profile g3" }],
      radioRules(),
    );
    expect(out["/tx_power_dbm"]).toBe("20 dBm is over the 14 dBm e.r.p. cap of profile g3.");
  });

  it("v_min above v_max marks v_min, v_opt and v_max, each stating its limit (the device names only one)", () => {
    const bad = { ...profile, v_min: 140 };
    expect(checkAircraftRules(bad).map((p) => p.field)).toEqual(["/v_opt"]);
    const cross = aircraftProblems("kmh", bad);
    expect(Object.keys(cross).sort()).toEqual(["/v_min", "/v_opt"]);
    const worse = aircraftProblems("kmh", { ...profile, v_min: 140, v_max: 100 });
    expect(Object.keys(worse).sort()).toEqual(["/v_max", "/v_min", "/v_opt"]);
    expect(worse["/v_min"]).toBe("Must be at most v_opt (105 km/h).");
    expect(worse["/v_opt"]).toBe("Must be at least v_min (140 km/h). Must be at most v_max (100 km/h).");
    expect(aircraftProblems("kt", { ...profile, v_max: 300 })["/v_max"]).toMatch(/from 10 to 220 kt/);
    expect(aircraftProblems("kmh", profile)).toEqual({});
  });

  it("no rule text speaks schema", () => {
    for (const text of [
      ...Object.values(aircraftRules("kmh")),
      ...Object.values(wifiRules()),
      ...Object.values(radioRules()),
      passwordRule(),
    ])
      expect(text).not.toMatch(SCHEMA_SPEAK);
  });
});

describe("band labels in rows", () => {
  it("labels far apart share one row; a 90/96/130 band puts 96 on a second row", () => {
    expect(
      labelRows([
        { centre: 100, width: 30 },
        { centre: 200, width: 30 },
        { centre: 300, width: 40 },
      ]),
    ).toEqual([0, 0, 0]);
    expect(
      labelRows([
        { centre: 100, width: 30 },
        { centre: 115, width: 30 },
        { centre: 200, width: 40 },
      ]),
    ).toEqual([0, 1, 0]);
    // Three on one spot take three rows; input order does not matter.
    expect(
      labelRows([
        { centre: 50, width: 30 },
        { centre: 40, width: 30 },
        { centre: 45, width: 30 },
      ]),
    ).toEqual([2, 0, 1]);
  });
});
