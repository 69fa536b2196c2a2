import net from "node:net";
import { networkInterfaces } from "node:os";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, report, SHORT } from "./lib/device.js";

let device: Device;
let ownName: string;
/** Every host a Location may name: the device's mDNS name, localhost, and its own addresses. */
let allowed: Set<string>;

beforeAll(async () => {
  device = await Device.start(["--mode", "winch", "--id", "3A4F1C"]);
  // The ready block names the unit on its first line ("OWTS winch 3A4F1C ready"); a `.local` URL is
  // printed only when mDNS runs, which it does not here.
  const [, mode, id] = /^OWTS (\w+) (\w+) ready/m.exec(device.output())!;
  ownName = `owts-${mode}-${id}.local`.toLowerCase();
  const addresses = Object.values(networkInterfaces())
    .flat()
    .flatMap((i) =>
      i
        ? [
            i.family === "IPv6"
              ? `[${new URL(`http://[${i.address.replace(/%.*$/, "")}]/`).hostname.slice(1, -1)}]`
              : i.address,
          ]
        : [],
    );
  allowed = new Set([ownName, "localhost", "127.0.0.1", "[::1]", ...addresses]);
});
afterAll(async () => {
  await device?.stop();
});

/** Sends `head` verbatim on a new connection to the HTTP port; resolves with the response head. */
function exchange(head: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port: device.httpPort }, () => socket.write(head));
    let got = "";
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      // One response is all this test reads; the redirect has no body.
      if (got.includes("\r\n\r\n")) socket.destroy();
    });
    socket.on("error", (err) => (got ? undefined : reject(err)));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

interface Verdict {
  status: number;
  location: string | undefined;
  locations: number;
}

function parse(response: string): Verdict {
  const head = response.split("\r\n\r\n", 1)[0] ?? "";
  const lines = head.split("\r\n");
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
  const locs = lines.filter((l) => /^location:/i.test(l)).map((l) => l.slice(l.indexOf(":") + 1).trim());
  return { status, location: locs[0], locations: locs.length };
}

/** The property under test: a redirect either points at this device's HTTPS port, or there is none. */
function assertSafe(verdict: Verdict, what: string, closeExpected = false): void {
  // A connection closed without any answer is a failure (the device crashed, hung or gave up), not
  // "no redirect": only a request the test names as one Node drops unanswered (CONNECT with no
  // handler) may end that way.
  expect(verdict.status === 0, `${what}: closed without a reply`).toBe(closeExpected);
  if (verdict.status === 0) return;
  if (verdict.status !== 302) {
    // Malformed requests are refused (4xx) without a Location; nothing else is acceptable.
    expect(verdict.status, what).toBeGreaterThanOrEqual(400);
    expect(verdict.status, what).toBeLessThan(500);
    expect(verdict.locations, what).toBe(0);
    return;
  }
  expect(verdict.locations, what).toBe(1);
  const url = new URL(verdict.location!);
  expect(url.protocol, what).toBe("https:");
  expect(allowed.has(url.hostname.toLowerCase()), `${what} → ${verdict.location}`).toBe(true);
  expect(url.port, what).toBe(String(device.httpsPort));
  expect(url.username + url.password, what).toBe("");
}

const HOSTILE_HOSTS = [
  "evil.example",
  "evil.example:80",
  "evil.example:443",
  "OWTS-winch-3A4F1C.local.evil.example",
  "evil.example#OWTS-winch-3A4F1C.local",
  "evil.example?OWTS-winch-3A4F1C.local",
  "OWTS-winch-3A4F1C.local@evil.example",
  "user:pass@OWTS-winch-3A4F1C.local",
  "localhost.evil.example",
  "localhost@evil.example",
  "127.0.0.1.evil.example",
  "127.0.0.1@evil.example",
  "evil.example/OWTS-winch-3A4F1C.local",
  "evil.example\\OWTS-winch-3A4F1C.local",
  "[::1]@evil.example",
  "[::ffff:8.8.8.8]",
  "8.8.8.8",
  "2130706433",
  "0x7f.1",
  "127.1",
  "192.168.4.1",
  "10.0.0.1",
  "[fe80::1]",
  "localhost:99999",
  "localhost:-1",
  "LOCALHOST",
  "OWTS-WINCH-3a4f1c.LOCAL",
  "owts-winch-3a4f1c.local.",
  "localhost.",
  " localhost",
  "localhost ",
  "%65vil.example",
  "evil.example%00.local",
  "xn--evil-9ta.example",
  "évil.example",
  "",
  "a".repeat(300),
  "*.local",
  "anything.local",
];

describe("redirect: Host header injection on the HTTP port", () => {
  it("hostile Host values never yield a Location outside the device's own names", async () => {
    let redirects = 0;
    let refused = 0;
    for (const host of HOSTILE_HOSTS) {
      const v = parse(await exchange(`GET /x?y=1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
      assertSafe(v, `Host: ${JSON.stringify(host)}`);
      if (v.status === 302) redirects++;
      else refused++;
    }
    report("redirect-hostile-hosts", { cases: HOSTILE_HOSTS.length, redirects, refused });
  });

  it("request-target tricks, duplicate Host, forwarding headers and header splitting stay on the device", async () => {
    const cases = [
      "GET http://evil.example/path HTTP/1.1\r\nHost: localhost\r\n",
      "GET https://evil.example/path HTTP/1.1\r\nHost: evil.example\r\n",
      "GET //evil.example/path HTTP/1.1\r\nHost: localhost\r\n",
      "GET /\\evil.example/path HTTP/1.1\r\nHost: localhost\r\n",
      "GET /%0d%0aLocation:%20https://evil.example/ HTTP/1.1\r\nHost: localhost\r\n",
      "GET /a\rLocation: https://evil.example/ HTTP/1.1\r\nHost: localhost\r\n",
      "GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n",
      "GET / HTTP/1.1\r\nHost: evil.example\r\nHost: localhost\r\n",
      "GET / HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: localhost\r\n",
      "GET / HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Host: evil.example\r\nForwarded: host=evil.example\r\n",
      "GET / HTTP/1.0\r\n",
      "GET /\xff\xfe HTTP/1.1\r\nHost: localhost\r\n",
      "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n",
      "OPTIONS * HTTP/1.1\r\nHost: evil.example\r\n",
      "GET @evil.example/ HTTP/1.1\r\nHost: localhost\r\n",
    ];
    for (const c of cases) {
      const response = await exchange(Buffer.from(`${c}Connection: close\r\n\r\n`, "latin1"));
      const v = parse(response);
      assertSafe(v, JSON.stringify(c), c.startsWith("CONNECT "));
      // No header line the client did not get from the server itself.
      expect(response, JSON.stringify(c)).not.toMatch(/\r\nLocation: https:\/\/evil/i);
    }
  });

  it("random Host headers (fast-check) never leave the device's names", async () => {
    const hostChars = fc.constantFrom(
      ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:@[]%_~!$&'()*+,;=/\\?#",
    );
    const host = fc.oneof(
      fc.string({ unit: hostChars, maxLength: 60 }),
      fc.domain(),
      fc.ipV4(),
      fc.ipV6().map((a) => `[${a}]`),
      fc
        .tuple(
          fc.constantFrom(ownName, "localhost", "127.0.0.1"),
          fc.string({ unit: hostChars, maxLength: 20 }),
        )
        .map(([a, b]) => a + b),
      fc
        .tuple(
          fc.string({ unit: hostChars, maxLength: 20 }),
          fc.constantFrom(ownName, "localhost", "127.0.0.1"),
        )
        .map(([a, b]) => a + b),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(host, async (h) => {
        runs++;
        assertSafe(
          parse(await exchange(`GET / HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`)),
          `Host: ${JSON.stringify(h)}`,
        );
      }),
      { numRuns: SHORT ? 200 : 1_000 },
    );
    report("redirect-random-hosts", { runs });
    expect(device.alive()).toBe(true);
  });
});
