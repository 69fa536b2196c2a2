/**
 * Known SX1262 modules and Raspberry Pi HATs with their wiring, so a unit needs one
 * `--radio-board NAME` instead of eight pin flags. Pins are BCM GPIO numbers, which on a Raspberry Pi
 * are the line offsets of the header's GPIO chip. The wiring is the boards' published one (the same
 * that Meshtastic's Linux build uses for them); the README has the tables.
 */
export interface Sx1262Board {
  name: string;
  label: string;
  spi_device: string;
  pins: {
    reset: number;
    busy: number;
    dio1: number;
    rxen?: number;
    txen?: number;
    /** NSS wired to a plain GPIO (then the SPI device is opened without its own chip select). */
    cs?: number;
    /** Lines held high while the radio is open. */
    hold_high?: number[];
  };
  /** Volts on DIO3 for the module's TCXO; 0 = crystal. */
  tcxo_volts: number;
  dio2_rf_switch: boolean;
  /** Gain of the module's own PA after the chip, dB (the e.r.p. budget subtracts it). */
  external_pa_gain_db: number;
}

export const SX1262_BOARDS: readonly Sx1262Board[] = [
  {
    name: "waveshare-sx1262-hat",
    label: "Waveshare SX1262 868M LoRa HAT (Core1262-HF module, crystal, DIO2 RF switch)",
    spi_device: "/dev/spidev0.0",
    pins: { reset: 18, busy: 20, dio1: 16, cs: 21, hold_high: [6] },
    tcxo_volts: 0,
    dio2_rf_switch: true,
    external_pa_gain_db: 0,
  },
  {
    name: "meshadv-pi-e22-900m30s",
    label: "MeshAdv-Pi HAT with an EByte E22-900M30S (1.8 V TCXO, RXEN/TXEN switch, ~8 dB PA)",
    spi_device: "/dev/spidev0.0",
    pins: { reset: 18, busy: 20, dio1: 16, cs: 21, rxen: 12, txen: 13 },
    tcxo_volts: 1.8,
    dio2_rf_switch: false,
    // The E22-900M30S reaches its rated 30 dBm with the chip at 22 dBm.
    external_pa_gain_db: 8,
  },
];

export function findSx1262Board(name: string): Sx1262Board | undefined {
  return SX1262_BOARDS.find((b) => b.name === name);
}
