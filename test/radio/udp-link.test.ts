import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import type { RxMeta } from "../../src/radio/link.js";
import { UdpRadioLink } from "../../src/radio/udp-link.js";
import { skipWithout } from "../helpers/prerequisites.js";

const { logger } = createDeviceLogger({ destination: null });
const TX = { frequency_hz: 869_525_000, modem: "gfsk" as const, tx_power_dbm: 14, airtime_ms: 4 };
const open: UdpRadioLink[] = [];

/** Some CI containers run without IPv6; the IPv6 case then cannot run (and says so in the report). */
const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const s = dgram.createSocket("udp6");
  s.once("error", () => resolve(false));
  s.bind(0, "::1", () => s.close(() => resolve(true)));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function link(peers: { address: string; port: number }[] = [], address = "127.0.0.1") {
  const l = await UdpRadioLink.open({ bind: { address, port: 0 }, peers, logger });
  open.push(l);
  return l;
}

function nextFrame(l: UdpRadioLink): Promise<{ frame: Uint8Array; meta: RxMeta }> {
  return new Promise((resolve) => {
    const off = l.onReceive((frame, meta) => {
      off();
      resolve({ frame: Uint8Array.from(frame), meta });
    });
  });
}

describe("udp radio link (loopback)", () => {
  it("carries exactly the frame bytes as one datagram, with no radio levels", async () => {
    const winch = await link();
    const aircraft = await link([winch.address()]);
    const got = nextFrame(winch);
    expect(await aircraft.send(Uint8Array.of(3, 1, 2, 3), TX)).toEqual({ ok: true });
    const { frame, meta } = await got;
    expect([...frame]).toEqual([3, 1, 2, 3]);
    expect(meta.rssi_dbm).toBeNull();
    expect(meta.snr_db).toBeNull();
    expect(typeof meta.rx_t_ms).toBe("number");
  });

  it.skipIf(
    skipWithout(hasIpv6Loopback, "IPv6 loopback (::1)", "enable it: sysctl net.ipv6.conf.lo.disable_ipv6=0"),
  )("works over IPv6 loopback and to several peers", async () => {
    const w1 = await link([], "::1");
    const w2 = await link([], "::1");
    const tx = await link([w1.address(), w2.address()], "::1");
    const both = Promise.all([nextFrame(w1), nextFrame(w2)]);
    await tx.send(Uint8Array.of(1, 7), TX);
    const [a, b] = await both;
    expect([...a.frame]).toEqual([1, 7]);
    expect([...b.frame]).toEqual([1, 7]);
  });

  it("drops datagrams larger than a radio frame can be, and passes the next good one", async () => {
    const winch = await link();
    const raw = dgram.createSocket("udp4");
    const got = nextFrame(winch);
    const { port } = winch.address();
    await new Promise<void>((r) => raw.send(new Uint8Array(300), port, "127.0.0.1", () => r()));
    await new Promise<void>((r) => raw.send(Uint8Array.of(1, 9), port, "127.0.0.1", () => r()));
    expect([...(await got).frame]).toEqual([1, 9]);
    expect(winch.droppedOversized()).toBe(1);
    raw.close();
  });

  it("refuses bad endpoints with a clear error and reports bind failures", async () => {
    await expect(
      UdpRadioLink.open({
        bind: { address: "127.0.0.1", port: 0 },
        peers: [{ address: "127.0.0.1", port: 0 }],
        logger,
      }),
    ).rejects.toThrow(/peer port must be an integer 1..65535/);
    await expect(UdpRadioLink.open({ bind: { address: "", port: 0 }, peers: [], logger })).rejects.toThrow(
      /bind address is empty/,
    );
    const taken = await link();
    await expect(UdpRadioLink.open({ bind: taken.address(), peers: [], logger })).rejects.toThrow(
      /cannot bind 127.0.0.1:\d+/,
    );
  });

  it("a closed link refuses to send", async () => {
    const l = await link([{ address: "127.0.0.1", port: 9 }]);
    await l.close();
    expect(await l.send(Uint8Array.of(1), TX)).toEqual({ ok: false, error: "link closed" });
  });
});
