import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { findSx1262Board, SX1262_BOARDS } from "./boards.js";
import { TCXO_VOLTAGES } from "./commands.js";
import { tcxoVoltageCode } from "./driver.js";
import type { OpenSx1262Hal } from "./hal.js";
import { openLinuxHal, parseSpiDevicePath } from "./linux-hal.js";
import { Sx1262Link } from "./sx1262-link.js";

/**
 * The radio's wiring as a person gives it (flags or OWTS_* variables: all strings), resolved into a
 * checked configuration before anything is opened. A board preset fills in what is not given;
 * explicit values win over it.
 */
export interface Sx1262Input {
  board?: string;
  spi_device?: string;
  gpio_chip?: string;
  pin_reset?: string;
  pin_busy?: string;
  pin_dio1?: string;
  pin_rxen?: string;
  pin_txen?: string;
  pin_cs?: string;
  tcxo?: string;
  dio2_rf_switch?: string;
  pa_gain_db?: string;
}

export interface Sx1262Config {
  board: string | null;
  spi_device: string;
  gpio_chip: string | number;
  pins: {
    reset: number;
    busy: number;
    dio1: number;
    rxen?: number;
    txen?: number;
    cs?: number;
    hold_high: number[];
  };
  tcxo_volts: number;
  dio2_rf_switch: boolean;
  external_pa_gain_db: number;
}

export type Sx1262ConfigResult = { ok: true; config: Sx1262Config } | { ok: false; error: string };

/** The GPIO chip of the 40-pin header on a Raspberry Pi 4 and (with kernels from 6.6.45 on) a Pi 5. */
export const DEFAULT_GPIO_CHIP = 0;

const PIN_FLAGS = ["reset", "busy", "dio1", "rxen", "txen", "cs"] as const;

function pinValue(flag: string, raw: string): number | string {
  if (!/^\d{1,3}$/.test(raw.trim()) || Number(raw) > 511)
    return `${flag}: must be a GPIO line number 0..511, got "${raw}"`;
  return Number(raw);
}

function onOff(flag: string, raw: string): boolean | string {
  const v = raw.trim().toLowerCase();
  if (["1", "true", "on", "yes"].includes(v)) return true;
  if (["0", "false", "off", "no"].includes(v)) return false;
  return `${flag}: must be on or off, got "${raw}"`;
}

function gpioChip(raw: string): string | number | null {
  const v = raw.trim();
  if (/^\d{1,2}$/.test(v)) return Number(v);
  if (/^(\/dev\/)?gpiochip\d{1,2}$/.test(v)) return v;
  return null;
}

/** Resolves and checks the wiring; the error is one line naming the flag. */
export function resolveSx1262Config(input: Sx1262Input): Sx1262ConfigResult {
  const fail = (error: string): Sx1262ConfigResult => ({ ok: false, error });
  let board = null;
  if (input.board !== undefined) {
    board = findSx1262Board(input.board);
    if (!board) {
      return fail(
        `--radio-board: unknown board "${input.board}"; known: ${SX1262_BOARDS.map((b) => b.name).join(", ")}`,
      );
    }
  }
  const spi = input.spi_device ?? board?.spi_device;
  if (spi === undefined)
    return fail("--spi-device: needed with --radio sx1262 (e.g. /dev/spidev0.0), or give --radio-board");
  if (!parseSpiDevicePath(spi)) return fail(`--spi-device: must look like /dev/spidevB.C, got "${spi}"`);
  const chip = input.gpio_chip === undefined ? DEFAULT_GPIO_CHIP : gpioChip(input.gpio_chip);
  if (chip === null) return fail(`--gpio-chip: must be a number or gpiochipN, got "${input.gpio_chip}"`);

  const pins: Partial<Record<(typeof PIN_FLAGS)[number], number>> = { ...board?.pins };
  for (const p of PIN_FLAGS) {
    const raw = input[`pin_${p}`];
    if (raw === undefined) continue;
    const v = pinValue(`--pin-${p}`, raw);
    if (typeof v === "string") return fail(v);
    pins[p] = v;
  }
  for (const p of ["reset", "busy", "dio1"] as const) {
    if (pins[p] === undefined) return fail(`--pin-${p}: needed with --radio sx1262 (or give --radio-board)`);
  }
  if ((pins.rxen === undefined) !== (pins.txen === undefined)) {
    return fail("--pin-rxen/--pin-txen: an external RF switch needs both");
  }
  const holdHigh = board?.pins.hold_high ?? [];
  const used = new Map<number, string>();
  for (const [name, line] of [
    ...PIN_FLAGS.flatMap((p) => (pins[p] === undefined ? [] : [[`--pin-${p}`, pins[p]] as const])),
    ...holdHigh.map((l) => [`${board?.name} antenna-switch supply`, l] as const),
  ]) {
    const other = used.get(line);
    if (other) return fail(`${name}: GPIO ${line} is already used by ${other}`);
    used.set(line, name);
  }

  let tcxo = board?.tcxo_volts ?? 0;
  if (input.tcxo !== undefined) {
    tcxo = Number(input.tcxo);
    if (
      input.tcxo.trim() === "" ||
      !Number.isFinite(tcxo) ||
      (tcxo !== 0 && tcxoVoltageCode(tcxo) === undefined)
    ) {
      return fail(
        `--tcxo: the SX1262 supplies ${TCXO_VOLTAGES.map(([v]) => v.toFixed(1)).join(", ")} V on DIO3 (0 = crystal), got "${input.tcxo}"`,
      );
    }
  }
  let dio2 = board?.dio2_rf_switch ?? false;
  if (input.dio2_rf_switch !== undefined) {
    const v = onOff("--dio2-rf-switch", input.dio2_rf_switch);
    if (typeof v === "string") return fail(v);
    dio2 = v;
  }
  if (!dio2 && pins.rxen === undefined) {
    return fail(
      "--dio2-rf-switch: a module needs an RF switch driver: turn DIO2 switching on or give --pin-rxen/--pin-txen",
    );
  }
  let gain = board?.external_pa_gain_db ?? 0;
  if (input.pa_gain_db !== undefined) {
    gain = Number(input.pa_gain_db);
    if (input.pa_gain_db.trim() === "" || !(gain >= 0 && gain <= 20)) {
      return fail(`--pa-gain-db: must be 0..20 dB, got "${input.pa_gain_db}"`);
    }
  }
  return {
    ok: true,
    config: {
      board: board?.name ?? null,
      spi_device: spi,
      gpio_chip: chip,
      pins: {
        reset: pins.reset!,
        busy: pins.busy!,
        dio1: pins.dio1!,
        ...optional(pins),
        hold_high: holdHigh,
      },
      tcxo_volts: tcxo,
      dio2_rf_switch: dio2,
      external_pa_gain_db: gain,
    },
  };
}

function optional(pins: Partial<Record<(typeof PIN_FLAGS)[number], number>>) {
  return {
    ...(pins.rxen !== undefined ? { rxen: pins.rxen } : {}),
    ...(pins.txen !== undefined ? { txen: pins.txen } : {}),
    ...(pins.cs !== undefined ? { cs: pins.cs } : {}),
  };
}

export interface OpenSx1262LinkOptions {
  logger: Logger;
  clock?: Clock;
  /** The hardware behind the seam; default the Linux SPI device and GPIO chip from the config. */
  openHal?: OpenSx1262Hal;
}

/** Builds the link for a checked configuration and starts it (a fault is reported, not thrown). */
export async function openSx1262Link(config: Sx1262Config, opts: OpenSx1262LinkOptions): Promise<Sx1262Link> {
  const openHal =
    opts.openHal ??
    (() =>
      openLinuxHal({
        spiDevice: config.spi_device,
        gpioChip: config.gpio_chip,
        pins: { ...config.pins, holdHigh: config.pins.hold_high },
      }));
  const link = new Sx1262Link({
    openHal,
    chip: { tcxo_volts: config.tcxo_volts, dio2_rf_switch: config.dio2_rf_switch },
    external_pa_gain_db: config.external_pa_gain_db,
    logger: opts.logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  await link.start();
  return link;
}
