import { SPEED_UNITS } from "../../../src/core/units.js";
import type { SpeedUnit } from "../api/types.js";
import { UNIT_LABEL } from "../format.js";
import { t } from "../i18n/translate.js";
import { setViewUnit, useViewUnit } from "../view-units.js";

/** The unit this browser shows speeds in, whatever the aircraft stores (remembered per browser). */
export function UnitChoice({ stored }: { stored: SpeedUnit | null }) {
  const unit = useViewUnit();
  return (
    <label class="unit-choice">
      <span>{t("units.label")}</span>
      <select
        value={unit ?? ""}
        data-testid="view-unit"
        onChange={(e) => setViewUnit((e.currentTarget.value || null) as SpeedUnit | null)}
      >
        <option value="">
          {stored ? t("units.as_aircraft_unit", { unit: UNIT_LABEL[stored] }) : t("units.as_aircraft")}
        </option>
        {SPEED_UNITS.map((u) => (
          <option key={u} value={u}>
            {UNIT_LABEL[u]}
          </option>
        ))}
      </select>
    </label>
  );
}
