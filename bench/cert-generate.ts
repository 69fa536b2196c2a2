// Time to make the device certificate: a new ECDSA P-256 key + certificate (the default, and the
// baseline) against RSA 2048, and the re-issue with an existing key that `owts certs` and a hostname
// change do. Run: npm run build && node dist/bench/cert-generate.js [rounds]
import { performance } from "node:perf_hooks";
import { issueSelfSignedPem } from "../src/certs/issue.js";
import { generateKeyPem, type KeyType, parsePrivateKey } from "../src/certs/keys.js";
import { deviceSans } from "../src/certs/names.js";

const HOST = "OWTS-winch-3A4F1C.local";
const rounds = Math.max(3, Number(process.argv[2] ?? 20) || 20);

async function newPair(keyType: KeyType): Promise<void> {
  const key = parsePrivateKey(await generateKeyPem(keyType), "bench.key");
  await issueSelfSignedPem({ key, hostname: HOST, sans: deviceSans(HOST), days: 3650 });
}

async function reissue(keyType: KeyType): Promise<() => Promise<void>> {
  const key = parsePrivateKey(await generateKeyPem(keyType), "bench.key");
  return async () => {
    await issueSelfSignedPem({ key, hostname: HOST, sans: deviceSans(HOST), days: 3650 });
  };
}

async function measure(run: () => Promise<void>): Promise<{ median: number; p95: number; max: number }> {
  await run(); // warm-up: JIT and the first WebCrypto call
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95), max: times[times.length - 1] ?? 0 };
}

const cases: [string, () => Promise<void>][] = [
  ["new ECDSA P-256 key + certificate (baseline)", () => newPair("ecdsa")],
  ["new RSA 2048 key + certificate", () => newPair("rsa")],
  ["re-issue certificate, existing ECDSA key", await reissue("ecdsa")],
  ["re-issue certificate, existing RSA key", await reissue("rsa")],
];

const rows: { name: string; median: number; p95: number; max: number }[] = [];
for (const [name, run] of cases) rows.push({ name, ...(await measure(run)) });
const baseline = rows[0]?.median ?? 1;

const width = Math.max(...rows.map((r) => r.name.length));
console.log(`certificate generation, ${rounds} rounds each (Node ${process.version})`);
console.log(`${"case".padEnd(width)}  median ms   p95 ms   max ms   vs baseline`);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(width)}  ${r.median.toFixed(1).padStart(9)}  ${r.p95.toFixed(1).padStart(7)}  ${r.max.toFixed(1).padStart(7)}   ${(r.median / baseline).toFixed(2).padStart(6)}x`,
  );
}
