// Telemetry frames encoded/decoded per second (protobuf via @bufbuild/protobuf, with validation and the
// length byte) against a baseline of JSON.stringify/JSON.parse of the same data to/from bytes.
// Usage: node dist/bench/frames.js [--ms 1000]   (time per measurement)
import { parseArgs } from "node:util";
import { airtimeMs, MODEM_PRESETS } from "../src/radio/modem.js";
import { type DownlinkMessage, decodeFrame, encodeFrame } from "../src/telemetry/frame.js";
import { identityHash } from "../src/telemetry/identity.js";
import { LinkKey } from "../src/telemetry/link-key.js";

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
