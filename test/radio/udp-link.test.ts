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

async function link(
  peers: { address: string; port: number }[] = [],
  address = "127.0.0.1",
  accept_any = false,
) {
  const l = await UdpRadioLink.open({ bind: { address, port: 0 }, peers, logger, accept_any });
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
    const aircraft = await link();
    const winch = await link([aircraft.address()]);
    await aircraft.setPeers([winch.address()]);
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
    const tx = await link([], "::1");
    const w1 = await link([tx.address()], "::1");
    const w2 = await link([tx.address()], "::1");
    await tx.setPeers([w1.address(), w2.address()]);
    const both = Promise.all([nextFrame(w1), nextFrame(w2)]);
    await tx.send(Uint8Array.of(1, 7), TX);
    const [a, b] = await both;
    expect([...a.frame]).toEqual([1, 7]);
    expect([...b.frame]).toEqual([1, 7]);
  });

  it("drops datagrams larger than a radio frame can be, and passes the next good one", async () => {
    const winch = await link([], "127.0.0.1", true);
    const raw = dgram.createSocket("udp4");
    const got = nextFrame(winch);
    const { port } = winch.address();
    await new Promise<void>((r) => raw.send(new Uint8Array(300), port, "127.0.0.1", () => r()));
    await new Promise<void>((r) => raw.send(Uint8Array.of(1, 9), port, "127.0.0.1", () => r()));
    expect([...(await got).frame]).toEqual([1, 9]);
    expect(winch.dropCounters().oversized).toBe(1);
    raw.close();
  });

  it("accepts datagrams only from its peers (by name too) unless told to accept any", async () => {
    const peer = dgram.createSocket("udp4");
    const stranger = dgram.createSocket("udp4");
    await new Promise<void>((r) => peer.bind(0, "127.0.0.1", () => r()));
    await new Promise<void>((r) => stranger.bind(0, "127.0.0.1", () => r()));
    const winch = await link([{ address: "localhost", port: peer.address().port }]);
    const any = await link([], "127.0.0.1", true);
    const heard: number[][] = [];
    winch.onReceive((f) => heard.push([...f]));
    const anyGot = nextFrame(any);
    const send = (s: dgram.Socket, to: UdpRadioLink, b: number) =>
      new Promise<void>((r) => s.send(Uint8Array.of(1, b), to.address().port, "127.0.0.1", () => r()));
    await send(stranger, winch, 66);
    await send(stranger, any, 67);
    await send(peer, winch, 42);
    for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(heard).toEqual([[1, 42]]);
    expect(winch.dropCounters().foreign).toBe(1);
    expect([...(await anyGot).frame]).toEqual([1, 67]);
    await expect(winch.setPeers([{ address: "no-such-host.invalid", port: 1 }])).rejects.toThrow(
      /cannot be resolved/,
    );
    peer.close();
    stranger.close();
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
