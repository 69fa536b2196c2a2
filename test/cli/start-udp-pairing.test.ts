import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame } from "../../src/telemetry/frame.js";
import { LinkKey } from "../../src/telemetry/link-key.js";
import { parsePairingCode } from "../../src/telemetry/pairing-code.js";
import { callJson, sendTo, startUdpUnits, type UdpUnits, udpSocket, until } from "../helpers/udp-units.js";

/*
 * Pairing between two real `owts start` processes over the UDP link on loopback, through the API only:
 * before pairing the winch shows what it hears marked unverified; after the aircraft's code is added,
 * verified frames flow; forged, bit-flipped, replayed, unknown-key and unsigned frames sent by a third
 * socket never become current telemetry and each is counted under its reason; datagrams from a
 * stranger are dropped unread by the peer filter and counted.
 */

type Telemetry = { verified: boolean; registration: string; ias: number; seq: number; received: number };
type WinchDoc = { telemetry: Telemetry | null; link: string; unpaired_heard: { registration: string }[] };
type Status = {
  radio: {
    received: number;
    bad_frames: number;
    rejected: { bad_mac: number; replay: number; unknown_key: number; unpaired: number };
    dropped_foreign?: number;
    dropped_oversized?: number;
  };
};

let units: UdpUnits;
const winchGet = async <T>(path: string) => (await callJson<T>(units.winch.httpsPort, "GET", path)).json;

beforeAll(async () => {
  units = await startUdpUnits();
}, 90_000);

afterAll(async () => {
  await units?.stop();
}, 30_000);

describe("two owts processes over UDP", () => {
  it("pair through the API: unverified before, verified after; the pairing list shows the aircraft", async () => {
    // A fresh winch shows what it hears, marked unverified.
    const before = await until("unverified telemetry", async () => {
      const w = await winchGet<WinchDoc>("/api/winch");
      return w.telemetry && !w.telemetry.verified ? w.telemetry : null;
    });
    expect(before.registration).toBeTruthy();

    // A typo in the code: 400 with its reason, nothing stored.
    const pairing = await callJson<{ code: string; key_id: string; registration: string }>(
      units.aircraft.httpsPort,
      "POST",
      "/api/pairing",
    );
    expect(pairing.status).toBe(200);
    const { code, key_id } = pairing.json;
    expect(parsePairingCode(code).ok).toBe(true);
    const typo = code.replace(/[0-9A-Z](?=[^0-9A-Z]*$)/, (c) => (c === "0" ? "1" : "0"));
    const bad = await callJson<{ error: string; message: string }>(
      units.winch.httpsPort,
      "POST",
      "/api/winch/pairings",
      { code: typo },
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("group 7 has a typo");
    expect(await winchGet("/api/winch/pairings")).toEqual({ pairings: [] });

    const added = await callJson<{ key_id: string }>(units.winch.httpsPort, "POST", "/api/winch/pairings", {
      code,
    });
    expect(added.status).toBe(201);
    expect(added.json.key_id).toBe(key_id);
    expect(added.text).not.toContain(code);

    const verified = await until("verified telemetry", async () => {
      const w = await winchGet<WinchDoc>("/api/winch");
      return w.telemetry?.verified ? w.telemetry : null;
    });
    expect(verified.registration).toBe(pairing.json.registration);
    // Frames keep flowing, verified: the sequence moves on.
    const later = await until("a later verified frame", async () => {
      const w = await winchGet<WinchDoc>("/api/winch");
      return w.telemetry?.verified && w.telemetry.seq !== verified.seq ? w.telemetry : null;
    });
    expect(later.registration).toBe(verified.registration);
    const list = await until("a pairing with a verified frame", async () => {
      const l = await winchGet<{
        pairings: { key_id: string; registration: string | null; last_verified: string | null }[];
      }>("/api/winch/pairings");
      return l.pairings[0]?.last_verified ? l.pairings : null;
    });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ key_id, registration: pairing.json.registration });
    const status = await winchGet<Status>("/api/status");
    expect(status.radio.rejected).toEqual({ bad_mac: 0, replay: 0, unknown_key: 0, unpaired: 0 });
  }, 90_000);

  it("forged, bit-flipped, replayed, unknown-key and unsigned frames from a third socket: refused and counted", async () => {
    // A genuine frame the eavesdropper captured, already accepted by the winch (it went to both).
    const genuine = await until("a captured genuine frame", async () => units.captured.at(-1));
    const decoded = decodeFrame(genuine);
    if (!decoded.ok || !decoded.auth) throw new Error("captured frame is not an authenticated frame");
    const { key_id, epoch } = decoded.auth;
    // Wait until the winch has gone past it, so it is a replay and not merely late.
    await until("a newer frame at the winch", async () => {
      const w = await winchGet<WinchDoc>("/api/winch");
      return w.telemetry && w.telemetry.seq !== decoded.msg.sequence;
    });

    const before = (await winchGet<Status>("/api/status")).radio;
    // What an attacker wants the driver to see: "in band" at a speed the glider is not flying.
    const lie = {
      kind: "full" as const,
      registration: "D-FAKE",
      type: "ASK 21",
      unit: "kmh" as const,
      v_min: 90,
      v_opt: 105,
      v_max: 130,
      v_current_tenths: 1111,
      sequence: (decoded.msg.sequence + 7) & 0xffff,
    };
    const frame = (r: ReturnType<typeof encodeFrame>) => {
      if (!r.ok) throw new Error(r.message);
      return r.bytes;
    };
    // The genuine key id with a made-up MAC (needs no key, fails the MAC).
    const forged = frame(encodeFrame(lie, { key: { key_id, mac: () => 0x1234_5678 }, epoch: epoch + 1 }));
    const flipped = Uint8Array.from(genuine);
    flipped[flipped.length - 2]! ^= 0x01;
    const strangerKey = LinkKey.generate();
    const unknownKey = frame(encodeFrame(lie, { key: strangerKey, epoch: 1 }));
    const unsigned = frame(encodeFrame(lie));

    const sends: [Uint8Array, keyof Status["radio"]["rejected"]][] = [
      [forged, "bad_mac"],
      [flipped, "bad_mac"],
      [genuine, "replay"],
      [unknownKey, "unknown_key"],
      [unsigned, "unpaired"],
    ];
    for (const [bytes] of sends) await sendTo(units.radio, bytes, units.winchUdpPort);
    const expected = { ...before.rejected };
    for (const [, reason] of sends) expected[reason]++;
    const after = await until("every refusal counted", async () => {
      const s = (await winchGet<Status>("/api/status")).radio;
      return s.rejected.unpaired >= expected.unpaired && s.rejected.unknown_key >= expected.unknown_key
        ? s
        : null;
    });
    expect(after.rejected).toEqual(expected);
    expect(after.bad_frames).toBe(before.bad_frames);

    // None of them became what the winch shows: still the genuine aircraft, verified, never 111.1.
    for (let i = 0; i < 10; i++) {
      const w = await winchGet<WinchDoc>("/api/winch");
      expect(w.telemetry?.verified).toBe(true);
      expect(w.telemetry?.registration).not.toBe("D-FAKE");
      expect(w.telemetry?.ias).not.toBe(111.1);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The unknown key's unit is named as heard, not shown as IAS (and offered for pairing).
    const w = await winchGet<WinchDoc>("/api/winch");
    expect(w.unpaired_heard.map((u) => u.registration)).toContain("D-FAKE");
  }, 60_000);

  it("a stranger's datagrams (not a configured peer) are dropped unread and counted", async () => {
    const stranger = await udpSocket();
    try {
      const genuine = units.captured.at(-1)!;
      const before = (await winchGet<Status>("/api/status")).radio;
      expect(before.dropped_foreign).toBeTypeOf("number");
      for (let i = 0; i < 20; i++) await sendTo(stranger, genuine, units.winchUdpPort);
      const after = await until("20 foreign datagrams counted", async () => {
        const s = (await winchGet<Status>("/api/status")).radio;
        return (s.dropped_foreign ?? 0) >= (before.dropped_foreign ?? 0) + 20 ? s : null;
      });
      expect(after.dropped_foreign).toBe((before.dropped_foreign ?? 0) + 20);
      // Dropped before the verifier: no rejection reason moved, nothing counted as bad.
      expect(after.rejected).toEqual(before.rejected);
      expect(after.bad_frames).toBe(before.bad_frames);
      const w = await winchGet<WinchDoc>("/api/winch");
      expect(w.telemetry?.verified).toBe(true);
    } finally {
      await new Promise<void>((r) => stranger.close(() => r()));
    }
  }, 30_000);
});
