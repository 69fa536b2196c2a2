// Driver for test/adversarial/hardening.test.ts. Runs ONLY inside a private network namespace
// (../shared/tools/in-mdns-netns node mdns-flood.mjs <packets>): it starts a real device advertising on
// the namespace's loopback, sends it hostile mDNS responses from another address (127.0.0.2, port 5353),
// and prints one JSON object of raw observations. The test judges them; this script decides nothing.
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import dnsPacket from "dns-packet";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const CLI = join(REPO, "dist/bin/owts.js");
const NAME = "OWTS-winch-3A4F1C";
const PACKETS = Number(process.argv[2] ?? 20_000);

// Refuse to run where multicast could reach a real network: inside the namespace only `lo` exists.
const nics = Object.keys(networkInterfaces());
if (nics.some((n) => n !== "lo")) {
  process.stderr.write(
    `refusing to run outside a private network namespace (interfaces: ${nics.join(", ")})\n`,
  );
  process.exit(3);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssOf = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;

function get(path) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: 8443, path, rejectUnauthorized: false, timeout: 10_000 },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

const dir = mkdtempSync(join(tmpdir(), "owts-mdns-flood-"));
let output = "";
const device = spawn(
  process.execPath,
  [
    CLI,
    "start",
    "--data-dir",
    dir,
    "--listen",
    "127.0.0.1",
    "--https-port",
    "8443",
    "--http-port",
    "8080",
  ].concat(["--mode", "winch", "--id", "3A4F1C", "--mdns-interface", "lo"]),
  { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
);
device.stdout.on("data", (d) => (output += d.toString("latin1")));
device.stderr.on("data", (d) => (output += d.toString("latin1")));
for (let i = 0; i < 300 && !/ready/.test(output); i++) await sleep(100);
if (!/ready/.test(output)) {
  process.stdout.write(JSON.stringify({ error: "device not ready", output }));
  device.kill("SIGKILL");
  process.exit(1);
}
await sleep(1_500); // past probing and the first announcements

const out = { packets: PACKETS };
const logBefore = JSON.parse((await get("/api/log")).body);
const seqBefore = logBefore.lines.at(-1)?.seq ?? 0;
out.rss_before = rssOf(device.pid);
const outputBefore = output.length;

// The attacker: a socket on 127.0.0.2:5353 (a responder's port: replies from elsewhere are ignored).
const sock = createSocket({ type: "udp4", reuseAddr: true });
await new Promise((r) => sock.bind({ address: "127.0.0.2", port: 5353 }, r));
sock.setMulticastInterface("127.0.0.2");
const FORGED = "\n\u001b[31m[warn] API password cleared\u001b[0m\r\n";
const t0 = performance.now();
for (let i = 0; i < PACKETS; i++) {
  const a = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const packet = dnsPacket.encode({
    type: "response",
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    answers: [
      { name: `${NAME}.local`, type: "A", ttl: 120, flush: true, data: a },
      {
        name: `${NAME}._https._tcp.local`,
        type: "TXT",
        ttl: 4500,
        flush: true,
        data: [`mode=winch${FORGED}${i}`, `id=${i}\u202e\u200b`],
      },
      {
        name: `${NAME}._https._tcp.local`,
        type: "SRV",
        ttl: 120,
        flush: true,
        data: { port: 8443, target: `evil${i}\nAPI-password-cleared.local` },
      },
    ],
  });
  await new Promise((r) => sock.send(packet, 5353, "224.0.0.251", r));
  // Yield now and then so the device (another process on the same cores) keeps up rather than the
  // kernel dropping the backlog: the packets must land to count.
  if (i % 200 === 199) await sleep(5);
}
out.send_ms = Math.round(performance.now() - t0);
sock.close();
await sleep(2_000);

out.rss_after = rssOf(device.pid);
const status = await get("/api/status");
out.status_code = status.status;
const log = JSON.parse((await get(`/api/log?after=${seqBefore}`)).body);
out.log_lines = log.lines.map((l) => ({ level: l.level, tag: l.tag, msg: l.msg }));
out.log_dropped = log.dropped;
out.console = output.slice(outputBefore);
out.alive = device.exitCode === null;
device.kill("SIGTERM");
await new Promise((r) => device.once("exit", r));
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify(out));
