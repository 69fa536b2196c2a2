// Telemetry frames encoded/decoded per second (protobuf via @bufbuild/protobuf, with validation and the
// length byte) against a baseline of JSON.stringify/JSON.parse of the same data to/from bytes; then what
// authentication costs per frame (signed vs plain, the MAC check alone) and the winch receiver's whole
// per-frame path for a plain frame on an unpaired winch (baseline), a genuine and a forged signed frame
// on a paired one; then the air time.
// Usage: node dist/bench/frames.js [--ms 1000]   (time per measurement)
import { parseArgs } from "node:util";
import { createDeviceLogger } from "../src/device/logger.js";
import { airtimeMs, MODEM_PRESETS } from "../src/radio/modem.js";
import { type DownlinkMessage, decodeFrame, encodeFrame, type FrameSigner } from "../src/telemetry/frame.js";
import { identityHash } from "../src/telemetry/identity.js";
import { LinkKey } from "../src/telemetry/link-key.js";
import { PairingBook, type PairingBookOptions } from "../src/winch/pairings.js";
import { WinchReceiver } from "../src/winch/receiver.js";

const { values: args } = parseArgs({ options: { ms: { type: "string", default: "1000" } } });
const MS = Number(args.ms);
if (!Number.isFinite(MS) || MS < 50) {
  console.error("frames: --ms must be a number >= 50");
  process.exit(2);
}

const FULL: DownlinkMessage = {
  kind: "full",
  registration: "D-1234",
  type: "ASK 21",
  unit: "kmh",
  v_min: 90,
  v_opt: 105,
  v_max: 130,
  v_current_tenths: 1012,
  sequence: 12_345,
};
const DELTA: DownlinkMessage = {
  kind: "delta",
  identity_hash: identityHash("D-1234", "ASK 21"),
  v_current_tenths: 1012,
  sequence: 12_346,
};

const KEY = LinkKey.generate();
const AUTH = { key: KEY, epoch: 3 };
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
let sink = 0;

/** Runs `fn` in batches for about MS milliseconds; returns operations per second. */
function opsPerSecond(fn: (i: number) => void): number {
  for (let i = 0; i < 20_000; i++) fn(i); // warm-up for the JIT
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(MS * 1e6));
  while (process.hrtime.bigint() - start < budget) {
    for (let k = 0; k < 1000; k++) fn(n++);
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

interface Row {
  frame: string;
  op: string;
  method: string;
  bytes: number;
  ops: number;
}
const rows: Row[] = [];

for (const [name, msg] of [
  ["full", FULL],
  ["delta", DELTA],
] as const) {
  const enc = encodeFrame(msg);
  if (!enc.ok) throw new Error(enc.message);
  const pbBytes = enc.bytes;
  const jsonBytes = utf8.encode(JSON.stringify(msg));

  rows.push({
    frame: name,
    op: "encode",
    method: "protobuf frame",
    bytes: pbBytes.length,
    ops: opsPerSecond((i) => {
      const r = encodeFrame({ ...msg, sequence: i & 0xffff });
      if (r.ok) sink += r.bytes.length;
    }),
  });
  rows.push({
    frame: name,
    op: "encode",
    method: "baseline JSON",
    bytes: jsonBytes.length,
    ops: opsPerSecond((i) => {
      sink += utf8.encode(JSON.stringify({ ...msg, sequence: i & 0xffff })).length;
    }),
  });
  const signed = encodeFrame(msg, AUTH);
  if (!signed.ok) throw new Error(signed.message);
  const signedBytes = signed.bytes;
  rows.push({
    frame: name,
    op: "encode",
    method: "signed frame",
    bytes: signedBytes.length,
    ops: opsPerSecond((i) => {
      const r = encodeFrame({ ...msg, sequence: i & 0xffff }, AUTH);
      if (r.ok) sink += r.bytes.length;
    }),
  });
  rows.push({
    frame: name,
    op: "decode",
    method: "signed + verify",
    bytes: signedBytes.length,
    ops: opsPerSecond(() => {
      const r = decodeFrame(signedBytes);
      if (r.ok && r.auth && KEY.verify(r.auth.signed, r.auth.mac ?? 0)) sink += r.msg.sequence;
    }),
  });
  rows.push({
    frame: name,
    op: "decode",
    method: "protobuf frame",
    bytes: pbBytes.length,
    ops: opsPerSecond(() => {
      const r = decodeFrame(pbBytes);
      if (r.ok) sink += r.msg.sequence;
    }),
  });
  rows.push({
    frame: name,
    op: "decode",
    method: "baseline JSON",
    bytes: jsonBytes.length,
    ops: opsPerSecond(() => {
      sink += (JSON.parse(fromUtf8.decode(jsonBytes)) as DownlinkMessage).sequence;
    }),
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(`telemetry frames, ${MS} ms per measurement, node ${process.version}\n`);
console.log("| frame | op     | method          | bytes | ops/s       | vs JSON |");
console.log("|-------|--------|-----------------|------:|------------:|--------:|");
for (const r of rows) {
  const base = rows.find((b) => b.frame === r.frame && b.op === r.op && b.method === "baseline JSON")!;
  console.log(
    `| ${r.frame.padEnd(5)} | ${r.op.padEnd(6)} | ${r.method.padEnd(15)} | ${String(r.bytes).padStart(5)} | ${fmt(r.ops).padStart(11)} | ${(r.ops / base.ops).toFixed(2).padStart(6)}x |`,
  );
}
console.log(
  "\nThe protobuf path includes the length byte and field validation both ways; JSON does neither.\nThe device needs 5 frames/s.",
);

// What authentication costs per frame: the same operation on a plain and on a signed frame, in µs.
// The two sides take turns in ROUNDS alternating rounds and each reports its median, so load from
// other jobs on the machine hits both alike (the table above measures each row once, in sequence).
const ROUNDS = 5;
const us = (ops: number) => 1e6 / ops;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function alternating(fns: (() => number)[]): number[] {
  const runs: number[][] = fns.map(() => []);
  for (let r = 0; r < ROUNDS; r++) for (const [i, fn] of fns.entries()) runs[i]!.push(fn());
  return runs.map(median);
}
console.log(
  `\nauthentication cost per frame (HMAC-SHA-256 truncated to 32 bits, key id + epoch + MAC), median of ${ROUNDS} alternating rounds\n`,
);
console.log("| frame | op                  | plain µs | signed µs | extra µs | plain vs signed |");
console.log("|-------|---------------------|---------:|----------:|---------:|----------------:|");
for (const name of ["full", "delta"] as const) {
  const msg = name === "full" ? FULL : DELTA;
  const plainFrame = encodeFrame(msg);
  const signedFrame = encodeFrame(msg, AUTH);
  if (!plainFrame.ok || !signedFrame.ok) throw new Error("frame does not encode");
  const plainBytes = plainFrame.bytes;
  const signedBytes = signedFrame.bytes;
  const decoded = decodeFrame(signedBytes);
  if (!decoded.ok || !decoded.auth) throw new Error("signed frame does not decode");
  const auth = decoded.auth;
  const [encPlain, encSigned, decPlain, decSigned, decVerify, macOnly] = alternating([
    () =>
      opsPerSecond((i) => {
        const r = encodeFrame({ ...msg, sequence: i & 0xffff });
        if (r.ok) sink += r.bytes.length;
      }),
    () =>
      opsPerSecond((i) => {
        const r = encodeFrame({ ...msg, sequence: i & 0xffff }, AUTH);
        if (r.ok) sink += r.bytes.length;
      }),
    () =>
      opsPerSecond(() => {
        const r = decodeFrame(plainBytes);
        if (r.ok) sink += r.msg.sequence;
      }),
    () =>
      opsPerSecond(() => {
        const r = decodeFrame(signedBytes);
        if (r.ok) sink += r.msg.sequence;
      }),
    () =>
      opsPerSecond(() => {
        const r = decodeFrame(signedBytes);
        if (r.ok && r.auth && KEY.verify(r.auth.signed, r.auth.mac ?? 0)) sink += r.msg.sequence;
      }),
    () =>
      opsPerSecond(() => {
        if (KEY.verify(auth.signed, auth.mac ?? 0)) sink++;
      }),
  ]) as [number, number, number, number, number, number];
  const lines: [string, number, number][] = [
    ["encode (+ sign)", encPlain, encSigned],
    ["decode (parse only)", decPlain, decSigned],
    ["decode + verify MAC", decPlain, decVerify],
  ];
  for (const [op, plain, signed] of lines) {
    console.log(
      `| ${name.padEnd(5)} | ${op.padEnd(19)} | ${us(plain).toFixed(2).padStart(8)} | ${us(signed).toFixed(2).padStart(9)} | ${(us(signed) - us(plain)).toFixed(2).padStart(8)} | ${(plain / signed).toFixed(2).padStart(14)}x |`,
    );
  }
  console.log(
    `| ${name.padEnd(5)} | ${"MAC check alone".padEnd(19)} | ${"–".padStart(8)} | ${us(macOnly).toFixed(2).padStart(9)} | ${us(macOnly).toFixed(2).padStart(8)} | ${"–".padStart(15)} |`,
  );
}

// The winch receiver's whole path per frame (decode, trust, replay check, sequence, snapshot, events):
// frames made up front, each fed once to a fresh receiver, counters rising as the aircraft's do (every
// other frame full). The three cases take turns for ROUNDS rounds; medians.
const N = Math.max(20_000, Math.min(100_000, Math.round(MS * 50)));
const { logger } = createDeviceLogger({ destination: null, level: "info" });
function memoryNs(): PairingBookOptions["ns"] {
  let file: ReturnType<PairingBookOptions["ns"]["get"]> = { pairings: [] };
  return {
    get: () => structuredClone(file),
    async set(v) {
      file = structuredClone(v);
      return v;
    },
  };
}
function frames(n: number, key: FrameSigner | null): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const sequence = i & 0xffff;
    const msg: DownlinkMessage = i % 2 === 0 ? { ...FULL, sequence } : { ...DELTA, sequence };
    const r = encodeFrame(msg, key ? { key, epoch: 1 + Math.floor(i / 65_536) } : undefined);
    if (!r.ok) throw new Error(r.message);
    out.push(r.bytes);
  }
  return out;
}
async function receiver(paired: boolean): Promise<WinchReceiver> {
  const pairings = new PairingBook({ ns: memoryNs(), logger });
  if (paired) {
    const r = await pairings.add(KEY.pairingCode());
    if (!r.ok) throw new Error(r.message);
  }
  return new WinchReceiver({ logger, pairings });
}
/** Frames per second of one fresh receiver fed `measured` once. */
function feedRate(rx: WinchReceiver, measured: Uint8Array[]): number {
  const meta = { rssi_dbm: null, snr_db: null, rx_t_ms: 0 };
  const start = process.hrtime.bigint();
  for (const f of measured) rx.handleFrame(f, meta);
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  sink += rx.snapshot().telemetry?.seq ?? 0;
  return measured.length / s;
}
const FORGER: FrameSigner = { key_id: KEY.key_id, mac: () => 0xbad0_0bad };
const cases = [
  { name: "plain frame, winch without pairings (baseline)", paired: false, key: null },
  { name: "genuine signed frame, paired winch", paired: true, key: KEY },
  { name: "forged frame (paired key id, bad MAC), paired winch", paired: true, key: FORGER },
] as const;
const fed = cases.map((c) => ({ ...c, frames: frames(N, c.key) }));
for (const c of fed) feedRate(await receiver(c.paired), c.frames.slice(0, 20_000)); // warm-up
const rates: number[][] = cases.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, c] of fed.entries()) rates[i]!.push(feedRate(await receiver(c.paired), c.frames));
}
const results = cases.map((c, i) => ({ name: c.name, fps: median(rates[i]!) }));
console.log(
  `\nwinch receiver, whole path per frame (${N.toLocaleString("en-US")} frames, median of ${ROUNDS} rounds)\n`,
);
console.log(
  "| case                                                 | frames/s    | µs/frame | time vs baseline |",
);
console.log(
  "|------------------------------------------------------|------------:|---------:|-----------------:|",
);
for (const r of results) {
  console.log(
    `| ${r.name.padEnd(52)} | ${fmt(r.fps).padStart(11)} | ${us(r.fps).toFixed(2).padStart(8)} | ${(us(r.fps) / us(results[0]!.fps)).toFixed(2).padStart(15)}x |`,
  );
}

// Air time: the cost of authentication (12 bytes a frame) and of a full frame every other frame
// (identity and band back within one full-frame interval in >= 99 % of cases at 30 % loss).
const size = (msg: DownlinkMessage, auth: boolean) => {
  const r = encodeFrame(msg, auth ? AUTH : undefined);
  if (!r.ok) throw new Error(r.message);
  return r.bytes.length;
};
const schemes = [
  { name: "before: unsigned, 1 full in 10", auth: false, fullShare: 0.1 },
  { name: "signed, 1 full in 10", auth: true, fullShare: 0.1 },
  { name: "now: signed, 1 full in 2", auth: true, fullShare: 0.5 },
];
console.log("\nair time at 5 frames/s (D-1234 / ASK 21)\n");
console.log("| scheme                          | full B | delta B | GFSK ms/s | LoRa ms/s | LoRa duty/h |");
console.log("|---------------------------------|-------:|--------:|----------:|----------:|------------:|");
for (const sc of schemes) {
  const f = size(FULL, sc.auth);
  const d = size(DELTA, sc.auth);
  const perSecond = (m: (typeof MODEM_PRESETS)["gfsk"]) =>
    5 * (sc.fullShare * airtimeMs(m, f) + (1 - sc.fullShare) * airtimeMs(m, d));
  const lora = perSecond(MODEM_PRESETS.lora);
  console.log(
    `| ${sc.name.padEnd(31)} | ${String(f).padStart(6)} | ${String(d).padStart(7)} | ${perSecond(MODEM_PRESETS.gfsk).toFixed(2).padStart(9)} | ${lora.toFixed(1).padStart(9)} | ${((lora / 1000) * 100).toFixed(2).padStart(10)}% |`,
  );
}
if (sink === 42) console.log(""); // keeps the work observable
