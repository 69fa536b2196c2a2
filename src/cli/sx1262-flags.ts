import { resolveSx1262Config, type Sx1262Config, type Sx1262Input } from "../radio/sx1262/config.js";

/**
 * The `owts start` flags of the SX1262 radio, each with its OWTS_* variable and help line, in one
 * table; `options.ts` spreads them into its own. Values are checked by the radio's own
 * `resolveSx1262Config` before anything is opened.
 */
export const SX1262_FLAG_TABLE = [
  ["radio-board", "OWTS_RADIO_BOARD", "board", "NAME", "sx1262: module/HAT preset (see docs/SX1262.md)"],
  ["spi-device", "OWTS_SPI_DEVICE", "spi_device", "PATH", "sx1262: SPI device, e.g. /dev/spidev0.0"],
  ["gpio-chip", "OWTS_GPIO_CHIP", "gpio_chip", "N", "sx1262: GPIO chip of the pins (default 0)"],
  ["pin-reset", "OWTS_PIN_RESET", "pin_reset", "N", "sx1262: NRESET line"],
  ["pin-busy", "OWTS_PIN_BUSY", "pin_busy", "N", "sx1262: BUSY line"],
  ["pin-dio1", "OWTS_PIN_DIO1", "pin_dio1", "N", "sx1262: DIO1 (IRQ) line"],
  ["pin-rxen", "OWTS_PIN_RXEN", "pin_rxen", "N", "sx1262: external RF switch, receive"],
  ["pin-txen", "OWTS_PIN_TXEN", "pin_txen", "N", "sx1262: external RF switch, transmit"],
  ["pin-cs", "OWTS_PIN_CS", "pin_cs", "N", "sx1262: NSS as a GPIO (HATs not on CE0/CE1)"],
  ["tcxo", "OWTS_TCXO", "tcxo", "VOLTS", "sx1262: TCXO supply on DIO3, 0 = crystal"],
  ["dio2-rf-switch", "OWTS_DIO2_RF_SWITCH", "dio2_rf_switch", "on|off", "sx1262: DIO2 drives the RF switch"],
  ["pa-gain-db", "OWTS_PA_GAIN_DB", "pa_gain_db", "DB", "sx1262: module's PA gain after the chip"],
] as const satisfies readonly (readonly [string, string, keyof Sx1262Input, string, string])[];

type Sx1262Flag = (typeof SX1262_FLAG_TABLE)[number][0];

export const SX1262_FLAGS = Object.fromEntries(
  SX1262_FLAG_TABLE.map(([f]) => [f, { type: "string" }]),
) as Record<Sx1262Flag, { type: "string" }>;

export const SX1262_ENV = Object.fromEntries(SX1262_FLAG_TABLE.map(([f, e]) => [f, e])) as Record<
  Sx1262Flag,
  string
>;

export const SX1262_HELP = SX1262_FLAG_TABLE.map(([f, e, , arg, text]) =>
  `  ${`--${f} ${arg}`.padEnd(26)}${text.padEnd(49)}${e}`.trimEnd(),
).join("\n");

/** Whether any SX1262 flag was given (they need `--radio sx1262`). */
export function anySx1262Flag(pick: (flag: Sx1262Flag) => string | undefined): Sx1262Flag | undefined {
  return SX1262_FLAG_TABLE.map(([f]) => f).find((f) => pick(f) !== undefined);
}

/** The radio's wiring from the flags; the error is one line naming the flag. */
export function parseSx1262Flags(
  pick: (flag: Sx1262Flag) => string | undefined,
): { ok: true; config: Sx1262Config } | { ok: false; error: string } {
  const input: Sx1262Input = {};
  for (const [flag, , key] of SX1262_FLAG_TABLE) {
    const v = pick(flag);
    if (v !== undefined) input[key] = v;
  }
  return resolveSx1262Config(input);
}
