import { Value } from "typebox/value";
import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/api/schemas/status.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { airtimeMs, GFSK_PRESET, LORA_PRESET } from "../../src/radio/modem.js";
import { RadioService } from "../../src/radio/radio-service.js";
import type { RadioSettings } from "../../src/radio/radio-settings.js";
import { radioStatus } from "../../src/radio/radio-status.js";
import { SimMedium } from "../../src/radio/sim-link.js";
import { frequencyFromWord, OP, rfFrequencyWord } from "../../src/radio/sx1262/commands.js";
import { openLinuxHal } from "../../src/radio/sx1262/linux-hal.js";
import { Sx1262Link, type Sx1262LinkOptions } from "../../src/radio/sx1262/sx1262-link.js";
import { Sx1262Model } from "./sx1262-model.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

function logger() {
  return createDeviceLogger({ destination: null });
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function link(model: Sx1262Model, extra: Partial<Sx1262LinkOptions> = {}) {
  const { logger: log, ring } = logger();
  const l = new Sx1262Link({
    openHal: async () => model.hal(),
    chip: { dio2_rf_switch: true, tcxo_volts: model.opts.tcxoVolts },
    logger: log,
    retry_initial_ms: 20,
    retry_max_ms: 40,
    ...extra,
  });
  open.push(l);
  return { link: l, ring };
}

const frame = (n: number) =>
  Uint8Array.from([n - 1, ...Array.from({ length: n - 1 }, (_, i) => (i * 7) & 0xff)]);

async function pair(settings: Partial<RadioSettings>, chip?: { tcxoVolts?: number }) {
  const medium = new SimMedium({ fading_sigma_db: 0, latency_ms: 1 });
  const ma = new Sx1262Model({ medium, position: [0, 0, 0], ...chip });
  const mb = new Sx1262Model({ medium, position: [300, 0, 0], ...chip });
  const a = link(ma);
  const b = link(mb);
  await a.link.start();
  await b.link.start();
  const { logger: log } = logger();
  const s = { modem_backend: "gfsk", frequency_hz: 869_525_000, ...settings } as RadioSettings;
  const tx = new RadioService({ link: a.link, logger: log, settings: { ...DEFAULTS, ...s } });
  const rx = new RadioService({ link: b.link, logger: log, settings: { ...DEFAULTS, ...s } });
  const heard: { bytes: number[]; rssi: number | null; snr: number | null }[] = [];
  rx.onReceive((f, m) => heard.push({ bytes: [...f], rssi: m.rssi_dbm, snr: m.snr_db }));
  // Both chips listening before anything is sent (tune configures them in the background).
  await until(() => ma.mode === "rx" && mb.mode === "rx", "both chips in RX");
  return { medium, ma, mb, a, b, tx, rx, heard };
}

const DEFAULTS: RadioSettings = {
  modem_backend: "gfsk",
  srd_profile_id: "eu868-h1.7",
  frequency_hz: 869_525_000,
  tx_power_dbm: 14,
  duty_cycle_lab_override: false,
};

describe("SX1262 link against the chip model", () => {
  it("brings the chip up in the datasheet's order with no out-of-spec command", async () => {
    const m = new Sx1262Model({ tcxoVolts: 1.8 });
    const { link: l } = link(m);
    await l.start();
    l.tune({ frequency_hz: 869_525_000, modem: "gfsk" });
    await until(() => m.mode === "rx", "continuous RX");
    expect(l.health()).toEqual({ state: "ok", faults: 0 });
    expect(m.violations).toEqual([]);
    const ops = m.commands.map((c) => c[0]).filter((op) => op !== OP.GET_STATUS);
    const order = [
      OP.SET_STANDBY,
      OP.SET_REGULATOR_MODE,
      OP.SET_DIO3_AS_TCXO_CTRL,
      OP.CLEAR_DEVICE_ERRORS,
      OP.CALIBRATE,
    ];
    expect(ops.slice(0, order.length)).toEqual(order);
    expect(m.commands.find((c) => c[0] === OP.CALIBRATE_IMAGE)).toEqual([0x98, 0xd7, 0xdb]);
    expect(m.commands.find((c) => c[0] === OP.SET_DIO3_AS_TCXO_CTRL)?.[1]).toBe(0x02); // 1.8 V
    expect(m.regulator).toBe(1); // DC-DC
    expect(m.dio2Switch).toBe(true);
    expect(m.rfWord).toBe(rfFrequencyWord(869_525_000));
    expect(m.calibratedBand).toEqual([863e6, 870e6]);
    // The sync word and CRC registers as the driver writes them.
    expect([0, 1, 2, 3].map((i) => m.registers.get(0x06c0 + i))).toEqual([0x4f, 0x57, 0x54, 0x53]);
    expect([0, 1, 2, 3].map((i) => m.registers.get(0x06bc + i))).toEqual([0x1d, 0x0f, 0x10, 0x21]);
    expect(m.registers.get(0x08d8)! & 0x1e).toBe(0x1e);
  });

  it("carries GFSK frames end to end through two model chips, with the air time modem.ts counts", async () => {
    const p = await pair({ modem_backend: "gfsk" });
    const f = frame(15);
    const out = await p.tx.send(f);
    expect(out).toMatchObject({ sent: true });
    await until(() => p.heard.length === 1, "GFSK frame");
    expect(p.heard[0]?.bytes).toEqual([...f]);
    expect(p.heard[0]?.rssi).toBeLessThan(-40);
    expect(p.heard[0]?.snr).toBeNull(); // the chip reports no SNR in GFSK
    expect(p.ma.txAirtimes[0]).toBeCloseTo(airtimeMs(GFSK_PRESET, f.length), 9);
    expect(p.ma.txAirtimes[0]).toBeCloseTo(4.0, 1);
    expect(p.ma.lastTxOutputDbm).toBe(14);
    expect([...p.ma.violations, ...p.mb.violations]).toEqual([]);
    expect(p.b.link.stats().rx_frames).toBe(1);
  });

  it("carries LoRa frames end to end with RSSI and SNR from the packet status", async () => {
    const p = await pair({ modem_backend: "lora" });
    const f = frame(35);
    expect(await p.tx.send(f)).toMatchObject({ sent: true });
    await until(() => p.heard.length === 1, "LoRa frame");
    expect(p.heard[0]?.bytes).toEqual([...f]);
    expect(typeof p.heard[0]?.snr).toBe("number");
    expect(p.ma.txAirtimes[0]).toBeCloseTo(airtimeMs(LORA_PRESET, f.length), 9);
    expect(p.ma.txAirtimes[0]).toBeCloseTo(77.1, 1);
    expect(p.ma.commands.some((c) => c[0] === OP.SET_CAD)).toBe(true); // LBT by CAD
    expect([...p.ma.violations, ...p.mb.violations]).toEqual([]);
  });

  it("a chip on another frequency or modem hears nothing", async () => {
    const p = await pair({ modem_backend: "gfsk" });
    p.b.link.tune({ frequency_hz: 869_600_000, modem: "gfsk" });
    await until(
      () =>
        p.mb.mode === "rx" &&
        p.mb.radio?.channel.frequency_hz === frequencyFromWord(rfFrequencyWord(869_600_000)),
      "retune",
    );
    await p.tx.send(frame(15));
    await new Promise((r) => setTimeout(r, 60));
    expect(p.heard).toHaveLength(0);
  });

  it("defers while the channel is busy (GFSK RSSI) and sends once it clears", async () => {
    const p = await pair({ modem_backend: "gfsk" });
    p.ma.channelRssiDbm = -60;
    const sending = p.tx.send(frame(15));
    await until(() => p.a.link.stats().lbt_busy_samples > 0, "a busy listen");
    p.ma.channelRssiDbm = -120;
    const out = await sending;
    expect(out).toMatchObject({ sent: true });
    const s = p.a.link.stats();
    expect(s.lbt_deferred).toBe(1);
    expect(s.lbt_busy_samples).toBeGreaterThanOrEqual(1);
    expect(s.lbt_dropped).toBe(0);
    await until(() => p.heard.length === 1, "deferred frame");
  });

  it("drops a frame when the channel stays busy past the bounded wait (LoRa CAD)", async () => {
    const p = await pair({ modem_backend: "lora" });
    p.ma.cadBusy = true;
    const t0 = performance.now();
    const out = await p.tx.send(frame(15));
    const took = performance.now() - t0;
    expect(out).toMatchObject({ sent: false, reason: "link_error" });
    expect(out.sent === false && out.error).toMatch(/channel busy for 100 ms/);
    expect(took).toBeLessThan(1000);
    expect(p.a.link.stats()).toMatchObject({ lbt_deferred: 1, lbt_dropped: 1, tx_frames: 0 });
    expect(p.ma.txAirtimes).toHaveLength(0);
    p.ma.cadBusy = false;
    expect(await p.tx.send(frame(15))).toMatchObject({ sent: true });
    expect(p.ma.violations).toEqual([]);
  });

  it("hears the other chip's LoRa transmission by CAD and waits for it to end", async () => {
    const p = await pair({ modem_backend: "lora" });
    const first = p.tx.send(frame(35)); // 77 ms on air
    await until(() => p.ma.mode === "tx", "A on air");
    const meta = { frequency_hz: 869_525_000, modem: "lora" as const, tx_power_dbm: 14, airtime_ms: 46 };
    const second = await p.b.link.send(frame(15), meta);
    expect(await first).toMatchObject({ sent: true });
    expect(second).toEqual({ ok: true });
    expect(p.b.link.stats()).toMatchObject({ lbt_deferred: 1, lbt_dropped: 0, tx_frames: 1 });
    expect([...p.ma.violations, ...p.mb.violations]).toEqual([]);
  });

  it("keeps the e.r.p. within the setting with an external PA (chip driven 8 dB lower)", async () => {
    const m = new Sx1262Model({ paGainDb: 8 });
    const { link: l } = link(m, { external_pa_gain_db: 8 });
    await l.start();
    l.tune({ frequency_hz: 869_525_000, modem: "gfsk" });
    const r = await l.send(frame(15), {
      frequency_hz: 869_525_000,
      modem: "gfsk",
      tx_power_dbm: 27,
      airtime_ms: 4,
    });
    expect(r).toEqual({ ok: true });
    expect(m.lastTxOutputDbm).toBe(19);
    const low = await l.send(frame(15), {
      frequency_hz: 869_525_000,
      modem: "gfsk",
      tx_power_dbm: -9,
      airtime_ms: 4,
    });
    expect(low.ok).toBe(false);
    expect(!low.ok && low.error).toMatch(/below its -9 dBm minimum/);
    expect(l.health().state).toBe("ok"); // a setting it refuses is not a fault
  });

  it("refuses a channel whose real (PLL-stepped) frequency touches the FLARM band", async () => {
    const m = new Sx1262Model();
    const { link: l } = link(m);
    await l.start();
    const r = await l.send(frame(15), {
      frequency_hz: 868_300_000,
      modem: "gfsk",
      tx_power_dbm: 14,
      airtime_ms: 4,
    });
    expect(!r.ok && r.error).toMatch(/FLARM/);
    expect(m.txAirtimes).toHaveLength(0);
    expect(frequencyFromWord(rfFrequencyWord(868_300_000))).toBeCloseTo(868_300_000, 0);
  });
});

describe("SX1262 faults", () => {
  it("BUSY never released: plain reason, retried in the background, recovers", async () => {
    const m = new Sx1262Model();
    m.faults.stuckBusy = true;
    const { link: l, ring } = link(m);
    await l.start();
    expect(l.health().state).toBe("fault");
    expect(l.health().reason).toMatch(/kept BUSY high .* after reset; check the BUSY and RESET wiring/);
    const r = await l.send(frame(15), {
      frequency_hz: 869_525_000,
      modem: "gfsk",
      tx_power_dbm: 14,
      airtime_ms: 4,
    });
    expect(!r.ok && r.error).toMatch(/not ready: .*BUSY/);
    expect(ring.after(0).lines.some((e) => /sx1262 radio fault/.test(JSON.stringify(e)))).toBe(true);
    m.faults.stuckBusy = false;
    await until(() => l.health().state === "ok", "recovery");
    expect(l.health().faults).toBeGreaterThanOrEqual(1);
  });

  it("an SPI error mid-run faults the radio, closes the hardware and re-initialises", async () => {
    const m = new Sx1262Model();
    const { link: l } = link(m);
    await l.start();
    l.tune({ frequency_hz: 869_525_000, modem: "gfsk" });
    await until(() => m.mode === "rx", "RX");
    m.faults.spiError = "EIO: i/o error";
    const r = await l.send(frame(15), {
      frequency_hz: 869_525_000,
      modem: "gfsk",
      tx_power_dbm: 14,
      airtime_ms: 4,
    });
    expect(!r.ok && r.error).toBe("SPI transfer to the SX1262 failed: EIO: i/o error");
    expect(l.health()).toMatchObject({
      state: "fault",
      reason: "SPI transfer to the SX1262 failed: EIO: i/o error",
    });
    expect(m.closedHal).toBeGreaterThanOrEqual(1);
    m.faults.spiError = undefined;
    await until(() => l.health().state === "ok", "recovery");
    expect(
      await l.send(frame(15), { frequency_hz: 869_525_000, modem: "gfsk", tx_power_dbm: 14, airtime_ms: 4 }),
    ).toEqual({ ok: true });
  });

  it("a chip device error (PLL calibration) is reported in words", async () => {
    const m = new Sx1262Model();
    m.faults.calibrationErrors = 1 << 2;
    const { link: l } = link(m);
    await l.start();
    expect(l.health().reason).toBe("the SX1262 reports PLL calibration failed (after calibration)");
  });

  it("a TCXO module set up as a crystal one fails XOSC start", async () => {
    const m = new Sx1262Model({ tcxoVolts: 1.8 });
    const { link: l } = link(m, { chip: { dio2_rf_switch: true, tcxo_volts: 0 } });
    await l.start();
    expect(l.health().reason).toMatch(/crystal oscillator \(XOSC\/TCXO\) did not start/);
  });

  it("no chip on the bus", async () => {
    const m = new Sx1262Model();
    m.faults.absent = true;
    const { link: l } = link(m);
    await l.start();
    expect(l.health().reason).toMatch(/^no SX1262 answers on SPI/);
  });

  it("a missing /dev/spidev is named with what to do, and retried", async () => {
    const { logger: log } = logger();
    let tries = 0;
    const l = new Sx1262Link({
      openHal: () => {
        tries++;
        return openLinuxHal({
          spiDevice: "/dev/spidev9.9",
          gpioChip: 0,
          pins: { reset: 1, busy: 2, dio1: 3 },
        });
      },
      logger: log,
      retry_initial_ms: 10,
      retry_max_ms: 10,
    });
    open.push(l);
    await l.start();
    expect(l.health().reason).toMatch(/^\/dev\/spidev9\.9 does not exist; enable SPI/);
    await until(() => tries >= 3, "retries");
  });

  it("a TCXO voltage the chip does not offer is refused before anything is opened", () => {
    let opened = false;
    const { logger: log } = logger();
    expect(
      () =>
        new Sx1262Link({
          openHal: async () => {
            opened = true;
            return new Sx1262Model().hal();
          },
          chip: { tcxo_volts: 2.0 },
          logger: log,
        }),
    ).toThrow(/cannot supply a TCXO with 2 V/);
    expect(opened).toBe(false);
  });

  it("/api/status carries the plain reason and the LBT counters; /api/radio the LBT counters", async () => {
    const m = new Sx1262Model();
    m.faults.stuckBusy = true;
    const { link: l } = link(m, { retry_initial_ms: 10_000 });
    await l.start();
    const { logger: log } = logger();
    const svc = new RadioService({ link: l, logger: log });
    const st = radioStatus(svc);
    expect(st.link).toEqual({
      kind: "sx1262",
      state: "fault",
      reason: expect.stringMatching(/kept BUSY high/),
    });
    expect(st).toMatchObject({ lbt_deferred: 0, lbt_dropped: 0 });
    expect(svc.view().lbt).toEqual({ deferred: 0, dropped: 0 });
    const status = {
      memory: { heap_free: 1, heap_free_min: 1, heap_used: 1, rss: 1 },
      sessions: { open: 0, max: 4, peak_open: 0, purged: 0, queued: 0, rejected: 0 },
      tls_failures: {
        client_aborted: 0,
        handshake_timeout: 0,
        certificate_refused: 0,
        protocol_mismatch: 0,
        out_of_resources: 0,
        other: 0,
      },
      radio: st,
      displays: [],
      runtime: { running: true, problem: null },
      mqtt: {
        state: "off",
        broker: null,
        protocol: null,
        last_error: null,
        last_error_at: null,
        connected_since: null,
        attempts: 0,
        sent: 0,
        dropped: 0,
        queued: 0,
      },
    };
    expect([...Value.Errors(Status, status)].map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  });
});

describe("a broken radio under the radio service", () => {
  it("fails every frame at once with the reason, logging it once per 10 s rather than per frame", async () => {
    const m = new Sx1262Model();
    m.faults.stuckBusy = true;
    const { link: l } = link(m, { retry_initial_ms: 60_000 });
    await l.start();
    const { logger: log, ring } = logger();
    const svc = new RadioService({ link: l, logger: log });
    for (let i = 0; i < 20; i++) {
      const out = await svc.send(frame(15));
      expect(out).toMatchObject({
        sent: false,
        reason: "link_error",
        error: expect.stringMatching(/not ready: .*BUSY/),
      });
    }
    const lines = ring.after(0).lines.filter((e) => /radio send failed/.test(JSON.stringify(e)));
    expect(lines).toHaveLength(1);
    expect(svc.stats().tx_errors).toBe(20);
  });
});
