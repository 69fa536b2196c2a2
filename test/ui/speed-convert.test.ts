import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SPEED_UNITS, type SpeedUnit } from "../../src/core/units.js";
import { convertSpeed, type SpeedOrigin, switchUnit } from "../../ui/src/speed-convert.js";

/** Switches a field through `units` in turn, as a user flipping the unit select would. */
function flip(
  start: SpeedOrigin,
  units: SpeedUnit[],
): { origin: SpeedOrigin | undefined; text: string; unit: SpeedUnit } {
  let state = { origin: start as SpeedOrigin | undefined, text: String(start.value), unit: start.unit };
  for (const to of units) {
    const next = switchUnit(state.origin, state.text, state.unit, to);
    state = { ...next, unit: to };
  }
  return state;
}

describe("unit conversion in forms starts from the stored value", () => {
  it("km/h → kt → km/h keeps v_min 90 and v_opt 105 (a rounded kt figure would give 91 and 106)", () => {
    for (const value of [90, 105, 130, 50]) {
      const back = flip({ unit: "kmh", value }, ["kt", "kmh"]);
      expect(back.text).toBe(String(value));
    }
    // The bug this replaces: converting the rounded kt figure back.
    expect(Math.round(convertSpeed(Math.round(convertSpeed(90, "kmh", "kt")), "kt", "kmh"))).toBe(91);
  });

  it("any stored speed survives any sequence of unit switches ending in its own unit", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SPEED_UNITS),
        fc.integer({ min: 10, max: 400 }),
        fc.array(fc.constantFrom(...SPEED_UNITS), { maxLength: 6 }),
        (unit, value, path) => {
          expect(flip({ unit, value }, [...path, unit]).text).toBe(String(value));
        },
      ),
    );
  });

  it("a typed number becomes the new origin; text that is not a number is left alone", () => {
    const typed = switchUnit({ unit: "kmh", value: 90 }, "100", "kmh", "kt");
    expect(typed.origin).toEqual({ unit: "kmh", value: 100 });
    expect(typed.text).toBe(String(Math.round(convertSpeed(100, "kmh", "kt"))));
    expect(switchUnit({ unit: "kmh", value: 90 }, "abc", "kmh", "kt")).toEqual({
      origin: { unit: "kmh", value: 90 },
      text: "abc",
    });
    expect(switchUnit(undefined, "", "kmh", "kt")).toEqual({ origin: undefined, text: "" });
  });
});
