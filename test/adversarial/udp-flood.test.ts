import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame } from "../../src/telemetry/frame.js";
import { callJson, freeUdpPort, startUdpUnits, type UdpUnits, until } from "../helpers/udp-units.js";
import { report, SHORT, sleep } from "./lib/device.js";

/*
 * A flood at the winch's UDP port while it is paired with a real aircraft process over UDP: 100,000
 * datagrams/s for 10 s (3 s in short mode) from a separate process, once from an address the winch
 * takes frames from (forged frames under the genuine key id: every one is decoded and its MAC
 * computed, the costliest path) and once from a stranger (dropped by the peer filter). Meanwhile the
 * HTTPS API keeps answering, the genuine aircraft's verified frames keep arriving, nothing the flood
 * sent is ever shown, and the log gains a few summary lines rather than one per datagram.
 */

const RATE = 100_000;
const SECONDS = SHORT ? 3 : 10;
const FLOODER = join(import.meta.dirname, "lib", "udp-flooder.mjs");

type WinchDoc = {
  telemetry: { verified: boolean; registration: string; ias: number; seq: number; age_ms: number } | null;
  link: string;
};
type Radio = {
  received: number;
  bad_frames: number;
  rejected: { bad_mac: number; replay: number; unknown_key: number; unpaired: number };
  dropped_foreign: number;
};

let units: UdpUnits;
let floodPeerPort: number;

beforeAll(async () => {
  floodPeerPort = await freeUdpPort();
  units = await startUdpUnits({ extraWinch: ["--radio-peer", `127.0.0.1:${floodPeerPort}`] });
  const pairing = await callJson<{ code: string }>(units.aircraft.httpsPort, "POST", "/api/pairing");
  const added = await callJson(units.winch.httpsPort, "POST", "/api/winch/pairings", {
    code: pairing.json.code,
  });
  expect(added.status).toBe(201);
  await until("verified telemetry", async () => {
    const w = (await callJson<WinchDoc>(units.winch.httpsPort, "GET", "/api/winch")).json;
    return w.telemetry?.verified;
  });
}, 90_000);

afterAll(async () => {
  await units?.stop();
}, 30_000);

function flood(
  fromPort: number,
  payloads: Uint8Array[],
): Promise<{ sent: number; errors: number; rate: number }> {
  return new Promise((resolve, reject) => {
    const hex = payloads.map((p) => Buffer.from(p).toString("hex")).join(",");
    const child = spawn(
      process.execPath,
      [FLOODER, String(units.winchUdpPort), String(fromPort), String(RATE), String(SECONDS), hex],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const kill = setTimeout(() => child.kill("SIGKILL"), (SECONDS + 20) * 1000);
    child.on("exit", () => {
      clearTimeout(kill);
      const line = /OWTS-FLOOD (\{.*\})/.exec(out)?.[1];
      if (!line) reject(new Error(`flooder printed no result:\n${out}`));
      else resolve(JSON.parse(line));
    });
  });
}

interface Watch {
  polls: number;
  failed: number;
  latencies: number[];
  /** Polls where the winch showed verified telemetry on a live link. */
  liveVerified: number;
  /** Distinct sequence numbers shown during the flood. */
  seqs: Set<number>;
  shownFlood: number;
}

/** Polls the winch's API every 200 ms until `done` resolves. */
async function watch(done: Promise<unknown>, floodIas: number): Promise<Watch> {
  const w: Watch = { polls: 0, failed: 0, latencies: [], liveVerified: 0, seqs: new Set(), shownFlood: 0 };
  let over = false;
  void done.finally(() => {
    over = true;
  });
  for (let i = 0; i < (SECONDS + 20) * 5 && !over; i++) {
    const t0 = performance.now();
    try {
      const [about, winch] = await Promise.all([
        callJson(units.winch.httpsPort, "GET", "/api/about", undefined, 5_000),
        callJson<WinchDoc>(units.winch.httpsPort, "GET", "/api/winch", undefined, 5_000),
      ]);
      w.latencies.push(performance.now() - t0);
      if (about.status !== 200 || winch.status !== 200) w.failed++;
      const t = winch.json.telemetry;
      if (t?.verified && winch.json.link === "ok") w.liveVerified++;
      if (t) w.seqs.add(t.seq);
      if (t && (t.ias === floodIas || t.registration === "D-FLOOD")) w.shownFlood++;
    } catch {
      w.failed++;
    }
    w.polls++;
    await sleep(200);
  }
  return w;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : Number.NaN;
};

async function radio(): Promise<Radio> {
  return (await callJson<{ radio: Radio }>(units.winch.httpsPort, "GET", "/api/status")).json.radio;
}

describe("UDP flood at the winch", () => {
  it.each([
    ["from a peer address: forged frames under the genuine key id", true],
    ["from a stranger: dropped by the peer filter", false],
  ])(
    "%s — the API and the genuine link stay up",
    async (_name, fromPeer) => {
      const genuine = await until("a captured genuine frame", async () => units.captured.at(-1));
      const d = decodeFrame(genuine);
      if (!d.ok || !d.auth) throw new Error("captured frame is not authenticated");
      const floodIas = 77.7;
      const payloads: Uint8Array[] = [];
      for (let i = 0; i < 64; i++) {
        const r = encodeFrame(
          {
            kind: "full",
            registration: "D-FLOOD",
            type: "ASK 21",
            unit: "kmh",
            v_min: 90,
            v_opt: 105,
            v_max: 130,
            v_current_tenths: floodIas * 10,
            sequence: (d.msg.sequence + 100 + i) & 0xffff,
          },
          { key: { key_id: d.auth.key_id, mac: () => 0xbad0_0000 + i }, epoch: d.auth.epoch + 1 },
        );
        if (!r.ok) throw new Error(r.message);
        payloads.push(r.bytes);
      }
      const before = await radio();
      const outBefore = units.winch.output().split("\n").length;
      const fromPort = fromPeer ? floodPeerPort : await freeUdpPort();
      const done = flood(fromPort, payloads);
      const [sent, seen] = await Promise.all([done, watch(done, floodIas)]);
      await sleep(500);
      const after = await radio();
      const logLines = units.winch.output().split("\n").length - outBefore;
      const received = after.received - before.received;
      const figures = {
        flood: fromPeer ? "peer, forged" : "stranger",
        sent: sent.sent,
        send_rate: sent.rate,
        bad_mac: after.rejected.bad_mac - before.rejected.bad_mac,
        dropped_foreign: after.dropped_foreign - before.dropped_foreign,
        genuine_received: received,
        genuine_expected: 5 * SECONDS,
        polls: seen.polls,
        failed: seen.failed,
        api_p50_ms: Math.round(quantile(seen.latencies, 0.5)),
        api_max_ms: Math.round(Math.max(...seen.latencies)),
        live_verified_polls: seen.liveVerified,
        shown_seqs: seen.seqs.size,
        log_lines: logLines,
      };
      report("udp-flood", figures);

      expect(sent.sent).toBeGreaterThan(SECONDS * 10_000);
      // The HTTPS side answered every poll.
      expect(seen.failed).toBe(0);
      expect(seen.polls).toBeGreaterThanOrEqual(SECONDS * 2);
      // Nothing of the flood was ever shown; the genuine aircraft kept being shown, verified and live.
      expect(seen.shownFlood).toBe(0);
      expect(seen.liveVerified).toBeGreaterThanOrEqual(Math.floor(seen.polls * 0.9));
      expect(seen.seqs.size).toBeGreaterThanOrEqual(SECONDS);
      expect(received).toBeGreaterThanOrEqual(SECONDS * 2);
      // Counted, never logged one by one (a summary every 10 s and the link's own lines).
      if (fromPeer) {
        expect(figures.bad_mac).toBeGreaterThan(0);
        expect(figures.bad_mac).toBeLessThanOrEqual(sent.sent);
        expect(figures.dropped_foreign).toBe(0);
      } else {
        expect(figures.dropped_foreign).toBeGreaterThan(0);
        expect(figures.dropped_foreign).toBeLessThanOrEqual(sent.sent);
        expect(figures.bad_mac).toBe(0);
      }
      expect(after.bad_frames).toBe(before.bad_frames);
      expect(logLines).toBeLessThanOrEqual(SECONDS + 10);
      const w = (await callJson<WinchDoc>(units.winch.httpsPort, "GET", "/api/winch")).json;
      expect(w.telemetry?.verified).toBe(true);
    },
    (SECONDS + 60) * 1000,
  );
});
