import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/device-process.js";
import { skipWithout } from "../helpers/prerequisites.js";
import { Device, report, SHORT, sleep } from "./lib/device.js";

/** One host on the Wi-Fi holding the HTTP port; the newcomer is 127.0.0.1. */
const ATTACKER = "127.0.0.2";

describe("hardening: the HTTP redirect port under 70 silent connections from one host", () => {
  let device: Device;
  beforeAll(async () => {
    device = await Device.start(["--mode", "winch", "--id", "3A4F1C"]);
  });
  afterAll(async () => {
    await device?.stop();
  });

  /** Keeps `count` silent connections from ATTACKER open, replacing each the device closes (as a real tool does). */
  function holdPort(count: number) {
    const sockets = new Set<net.Socket>();
    const stats = { opened: 0, closedByDevice: 0 };
    let running = true;
    const spawn = () => {
      if (!running) return;
      const s = net.connect({ host: "127.0.0.1", port: device.httpPort, localAddress: ATTACKER });
      stats.opened++;
      sockets.add(s);
      s.on("error", () => {});
      s.once("close", () => {
        sockets.delete(s);
        if (!running) return;
        stats.closedByDevice++;
        setTimeout(spawn, 50).unref();
      });
    };
    for (let i = 0; i < count; i++) spawn();
    return {
      stats,
      open: () => [...sockets].filter((s) => !s.connecting && !s.destroyed).length,
      stop() {
        running = false;
        for (const s of sockets) s.destroy();
      },
    };
  }

  /** One redirect request from 127.0.0.1; a connection closed without a reply is a failure, not "safe". */
  function redirect(): Promise<{ status: number; ms: number }> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port: device.httpPort }, () =>
        s.write("GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
      );
      let got = "";
      const done = () => {
        clearTimeout(timer);
        s.destroy();
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0), ms: performance.now() - t0 });
      };
      const timer = setTimeout(done, 5_000);
      s.on("data", (d: Buffer) => {
        got += d.toString("latin1");
        if (got.includes("\r\n\r\n")) done();
      });
      s.on("error", () => {});
      s.once("close", done);
    });
  }

  it("a newcomer gets its 302 within 2 s, every time", async () => {
    const attack = holdPort(70);
    // Let the attack fill the port before the first newcomer.
    for (let i = 0; i < 50 && attack.open() < 64; i++) await sleep(50);
    const trials = SHORT ? 10 : 60;
    const results: { status: number; ms: number; held: number }[] = [];
    for (let i = 0; i < trials; i++) {
      const held = attack.open();
      results.push({ ...(await redirect()), held });
      await sleep(400);
    }
    const stats = { ...attack.stats };
    attack.stop();
    const ms = results.map((r) => r.ms).sort((a, b) => a - b);
    const notice = /HTTP port full: closed \d+ held connection\(s\) for newcomers/.test(device.output());
    report("hardening-redirect-lockout", {
      trials,
      ok: results.filter((r) => r.status === 302).length,
      p50_ms: Math.round(ms[Math.floor(ms.length / 2)]!),
      max_ms: Math.round(ms.at(-1)!),
      attacker_connections: stats.opened,
      closed_by_device: stats.closedByDevice,
      min_held_at_trial: Math.min(...results.map((r) => r.held)),
    });
    // The attack landed: the port was held (at least 60 attacker connections open at every trial's
    // start), the device had to close attacker connections, and said so in its log.
    expect(stats.opened).toBeGreaterThanOrEqual(70);
    expect(Math.min(...results.map((r) => r.held))).toBeGreaterThanOrEqual(60);
    expect(stats.closedByDevice).toBeGreaterThan(0);
    expect(notice).toBe(true);
    // And yet everyone typing http://… got sent on.
    for (const r of results) {
      expect(r.status).toBe(302);
      expect(r.ms).toBeLessThan(2_000);
    }
    expect(device.alive()).toBe(true);
  });
});

const NETNS = join(REPO, "..", "shared", "tools", "in-mdns-netns");
const skipNetns = skipWithout(
  existsSync(NETNS) && spawnSync("unshare", ["-n", "true"]).status === 0,
  `${NETNS} (../shared beside the repo) and \`unshare -n\``,
  "keep ../shared beside the repository and run as root (CI does)",
);

/** Code points a terminal or a log reader would act on rather than show: C0, DEL, C1, bidi, zero-width. */
function rawControls(text: string): string[] {
  return [...text].filter((ch) => {
    const c = ch.codePointAt(0)!;
    return (
      c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e)
    );
  });
}

interface FloodResult {
  packets: number;
  send_ms: number;
  rss_before: number;
  rss_after: number;
  status_code: number;
  log_lines: { level: string; tag: string; msg: string }[];
  log_dropped: number;
  console: string;
  alive: boolean;
  error?: string;
}

describe.skipIf(skipNetns)("hardening: hostile mDNS responses (private network namespace)", () => {
  const PACKETS = SHORT ? 10_000 : 200_000;
  let r: FloodResult;
  beforeAll(() => {
    const run = spawnSync(
      NETNS,
      [process.execPath, join(import.meta.dirname, "lib", "mdns-flood.mjs"), String(PACKETS)],
      {
        encoding: "utf8",
        timeout: SHORT ? 90_000 : 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (run.status !== 0)
      throw new Error(`mdns-flood exited ${run.status}: ${run.stderr}\n${run.stdout.slice(0, 2000)}`);
    r = JSON.parse(run.stdout) as FloodResult;
  }, 660_000);

  it(`forged records reach the device, yet log one escaped line each, a few lines in all, bounded memory`, () => {
    const mdnsLines = r.log_lines.filter((l) => l.tag === "mdns");
    const consoleLines = r.console.split("\n").filter((l) => l.length > 0);
    report("hardening-mdns-flood", {
      packets: r.packets,
      send_s: Math.round(r.send_ms / 100) / 10,
      rss_growth_mib: Math.round(((r.rss_after - r.rss_before) / 2 ** 20) * 10) / 10,
      log_lines: r.log_lines.length,
      console_lines: consoleLines.length,
      log_dropped: r.log_dropped,
    });
    // The attack landed: the device heard the forged records and quoted them in its warnings.
    expect(
      mdnsLines.some((l) =>
        /also claims .*TXT "mode=winch\\n\\x1b\[31m\[warn\] API password cleared/.test(l.msg),
      ),
    ).toBe(true);
    expect(mdnsLines.some((l) => /SRV "evil\d+\\nAPI-password-cleared\.local/.test(l.msg))).toBe(true);
    // No raw control character anywhere a person or a terminal reads it; no forged line of its own.
    for (const l of r.log_lines) expect(rawControls(l.msg), l.msg).toEqual([]);
    expect(rawControls(r.console.replaceAll("\n", ""))).toEqual([]);
    expect(consoleLines.some((l) => /^\s*\[warn\] API password cleared/.test(l))).toBe(false);
    // A few lines, not one per packet; the ring is not flushed; memory does not follow the packet count.
    expect(r.log_lines.length).toBeLessThanOrEqual(12);
    expect(consoleLines.length).toBeLessThanOrEqual(12);
    expect(r.log_dropped).toBe(0);
    expect(r.rss_after - r.rss_before).toBeLessThan(24 * 2 ** 20);
    expect(r.status_code).toBe(200);
    expect(r.alive).toBe(true);
  });
});
