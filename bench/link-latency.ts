// Sensor-sample-to-receiver latency through the sim radio link (p50/p95/p99), against a baseline of a
// direct function call from the sample to the winch display logic, measured in the same run.
// Usage: node dist/bench/link-latency.js [--count 20000] [--seconds 10]
//   --count    samples for the in-process paths (baseline, software path)
//   --seconds  wall time for each real-timer run (sim link alone; full 20 Hz → 5 Hz pipeline)
import { parseArgs } from "node:util";
import { AircraftState } from "../src/aircraft/aircraft-state.js";
import { DEFAULT_AIRCRAFT_PROFILE } from "../src/aircraft/profile.js";
import {
  type FrameSender,
  Transmitter,
  telemetryInputFromAircraftState,
} from "../src/aircraft/transmitter.js";
import { type Clock, ManualClock, systemClock } from "../src/core/clock.js";
import { createDeviceLogger } from "../src/device/logger.js";
import { RadioService } from "../src/radio/radio-service.js";
import { DEFAULT_RADIO_SETTINGS } from "../src/radio/radio-settings.js";
import { SimMedium } from "../src/radio/sim-link.js";
import type { IasSample, IasSource } from "../src/sensors/ias-source.js";
import { decodeFrame } from "../src/telemetry/frame.js";
import { toTenths } from "../src/telemetry/speed.js";
import { WinchReceiver, zoneOf } from "../src/winch/receiver.js";

const { values: args } = parseArgs({
  options: { count: { type: "string", default: "20000" }, seconds: { type: "string", default: "10" } },
});
const COUNT = Number(args.count);
const SECONDS = Number(args.seconds);
if (!Number.isInteger(COUNT) || COUNT < 100 || !Number.isFinite(SECONDS) || SECONDS < 1) {
  console.error("link-latency: --count must be an integer >= 100 and --seconds a number >= 1");
  process.exit(2);
}

const { logger } = createDeviceLogger({ destination: null, level: "warn" });
const profile = DEFAULT_AIRCRAFT_PROFILE;
const band = { v_min: profile.v_min, v_opt: profile.v_opt, v_max: profile.v_max };
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const ias = (i: number) => 60 + (i % 900) / 10;

interface Row {
  path: string;
  ms: number[];
}
const rows: Row[] = [];

function station(clock: Clock, opts: ConstructorParameters<typeof SimMedium>[0]) {
  const medium = new SimMedium({ ...opts, clock });
  const ch = { frequency_hz: DEFAULT_RADIO_SETTINGS.frequency_hz, modem: "gfsk" as const };
  // The duty limit would stop a benchmark that sends far faster than 5 Hz; it is not what is measured.
  const settings = { ...DEFAULT_RADIO_SETTINGS, duty_cycle_lab_override: true };
  const txRadio = new RadioService({ link: medium.attach([0, 0, 300], ch), logger, clock, settings });
  const rxRadio = new RadioService({ link: medium.attach([0, 0, 0], ch), logger, clock, settings });
  const rx = new WinchReceiver({ logger, clock });
  rx.attach(rxRadio);
  return { txRadio, rx };
}

// 1. Baseline: the sample handed straight to the display logic (zone) by a function call.
{
  let shown = 0;
  const display = (v: number) => {
    shown += zoneOf(v, band) === "inside" ? 1 : 0;
  };
  const ms: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const t = nowMs();
    display(Math.round(ias(i) * 10) / 10);
    ms.push(nowMs() - t);
  }
  if (shown < 0) console.log("");
  rows.push({ path: "baseline: direct function call", ms });
}

// 2. The software path: transmitter slot → encode → duty gate → sim medium → decode → receiver event.
//    A manual clock skips the modelled air time, so this is the CPU cost only.
{
  const clock = new ManualClock();
  const { txRadio, rx } = station(clock, { seed: 1, latency_ms: 0, fading_sigma_db: 0 });
  let reading = { reading: { ias: 0, flight_phase: "airborne" as const }, at_ms: 0 };
  const tx = new Transmitter({
    radio: txRadio,
    logger,
    clock,
    input: { latest: () => reading, profile: () => profile },
  });
  let t0 = 0;
  const ms: number[] = [];
  rx.on("telemetry", () => ms.push(nowMs() - t0));
  for (let i = 0; i < COUNT; i++) {
    clock.advance(200);
    t0 = nowMs();
    reading = { reading: { ias: ias(i), flight_phase: "airborne" }, at_ms: clock.now() };
    await tx.tick();
    clock.advance(10); // delivers the frame (air time ≈ 4–7 ms)
  }
  rows.push({ path: "software path, air time skipped", ms });
}

// 3. The sim link on real timers: modelled GFSK air time (4.0 ms delta, 7.2 ms full) + 2 ms latency.
{
  const { txRadio, rx } = station(systemClock, { seed: 2, latency_ms: 2, fading_sigma_db: 0 });
  let reading = { reading: { ias: 0, flight_phase: "airborne" as const }, at_ms: 0 };
  const tx = new Transmitter({
    radio: txRadio,
    logger,
    rate_hz: 20,
    input: { latest: () => reading, profile: () => profile },
  });
  const sentAt = new Map<number, number>();
  const ms: number[] = [];
  rx.on("telemetry", (t) => {
    const s = sentAt.get(t.seq);
    if (s !== undefined) ms.push(nowMs() - s);
  });
  const end = nowMs() + SECONDS * 1000;
  let i = 0;
  while (nowMs() < end) {
    reading = { reading: { ias: ias(i++), flight_phase: "airborne" }, at_ms: systemClock.now() };
    const seq = tx.counters().last_sequence;
    sentAt.set(seq === null ? 0 : (seq + 1) % 65_536, nowMs());
    await tx.tick();
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 100));
  rows.push({ path: "sim link, real timers (air time + 2 ms)", ms });
}

// 4. The whole aircraft side on real timers: a 20 Hz IAS source → phase machine → 5 Hz transmitter →
//    sim link → winch. Latency = arrival at the winch − time the shown sample was read.
{
  let readAt = new Map<number, number>(); // tenths → read time (values are unique within the run)
  let k = 0;
  const source: IasSource = {
    kind: "bench",
    start: async () => {},
    read: async (): Promise<IasSample> => {
      const v = 60 + (k++ % 900) / 10;
      readAt.set(toTenths(v), nowMs());
      return { t_ms: systemClock.now(), ias_mps: (v * 1000) / 3600 };
    },
    health: () => ({ state: "ok", errors: 0, source: "bench" }),
    close: async () => {},
  };
  const state = new AircraftState({ source, profile, sampleHz: 20, phase: { debounce_ms: 0 } });
  const { txRadio, rx } = station(systemClock, { seed: 3, latency_ms: 2, fading_sigma_db: 0 });
  const input = telemetryInputFromAircraftState(state);
  const sentTenths = new Map<number, number>(); // seq → tenths, to find the sample behind a frame
  const sender: FrameSender = {
    async send(frame) {
      const d = decodeFrame(frame);
      if (d.ok) sentTenths.set(d.msg.sequence, d.msg.v_current_tenths);
      return txRadio.send(frame);
    },
  };
  const tx = new Transmitter({ radio: sender, input, logger });
  const ms: number[] = [];
  rx.on("telemetry", (t) => {
    const tenths = sentTenths.get(t.seq);
    const at = tenths === undefined ? undefined : readAt.get(tenths);
    if (at !== undefined) ms.push(nowMs() - at);
  });
  await state.start();
  tx.start();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  tx.stop();
  await state.stop();
  input.close();
  readAt = new Map();
  rows.push({ path: "pipeline: 20 Hz sample → 5 Hz tx → sim link", ms });
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const f = (x: number) => (x < 0.1 ? x.toFixed(4) : x.toFixed(2)).padStart(8);
console.log(
  `sensor-sample-to-receiver latency, node ${process.version}, ${COUNT} samples / ${SECONDS} s runs\n`,
);
console.log("| path                                        |     n |   p50 ms |   p95 ms |   p99 ms |");
console.log("|---------------------------------------------|------:|---------:|---------:|---------:|");
for (const r of rows) {
  const s = [...r.ms].sort((a, b) => a - b);
  console.log(
    `| ${r.path.padEnd(43)} | ${String(s.length).padStart(5)} | ${f(pct(s, 50))} | ${f(pct(s, 95))} | ${f(pct(s, 99))} |`,
  );
}
console.log(
  "\nThe real-timer rows include the modelled air time (GFSK, 50 kbit/s) and timer granularity. In the pipeline\n" +
    "row the transmitter is paced by the readings (it sends on the first sample of each 200 ms slot), so the\n" +
    "sample is fresh when it goes out; paced by a timer instead, it would be up to one sample period (50 ms) old.",
);
