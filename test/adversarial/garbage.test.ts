import { randomBytes } from "node:crypto";
import net from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gcOnSignalEnv } from "../../bench/lib/processes.js";
import { rawExchange } from "./lib/attackers.js";
import { Device, report, SHORT, sleep } from "./lib/device.js";

let device: Device;
/** Every answer the garbage got, by status; a 5xx anywhere fails the suite. */
const statuses = new Map<number, number>();
let baselineRss = 0;
let baselineHeap = 0;

/** RSS after a full GC in the device (SIGUSR2 with the gc preload from bench/lib). */
async function gcRss(): Promise<number> {
  process.kill(device.pid, "SIGUSR2");
  await sleep(400);
  return device.rss();
}

async function stillServing(what: string): Promise<void> {
  expect(device.alive(), `device alive after ${what}`).toBe(true);
  const r = await device.request({ path: "/api/about" });
  expect(r.status, `GET /api/about after ${what}`).toBe(200);
}

/** TLS failures the device has counted so far, all classes together. */
async function tlsFailureTotal(): Promise<number> {
  const { tls_failures } = await device.status();
  return Object.values(tls_failures).reduce((a, b) => a + b, 0);
}

function count(status: number): void {
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
}

/** The first bytes a real Node TLS client sends: a genuine ClientHello to mutate. */
function captureClientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.once("data", (d: Buffer) => {
        resolve(d);
        socket.destroy();
        server.close();
      });
    });
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      const client = tls.connect({
        host: "127.0.0.1",
        port,
        servername: "owts.local",
        rejectUnauthorized: false,
      });
      client.on("error", () => {});
    });
    server.on("error", reject);
  });
}

/** Settings that a rejected request must leave exactly as they were. */
const SETTINGS = ["/api/aircraft", "/api/radio", "/api/wifi", "/api/security", "/api/mode"];
async function settingsSnapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const path of SETTINGS) {
    const r = await device.request({ path });
    const body = JSON.parse(r.body.toString()) as Record<string, unknown>;
    // The rolling duty figure moves by itself; everything else is configuration.
    if (path === "/api/radio") delete body.duty_cycle_used_ppm;
    out[path] = { status: r.status, body };
  }
  return out;
}

/** A valid mode change through the API; resolves once the device answers in the new mode. */
async function switchMode(mode: "aircraft" | "winch"): Promise<void> {
  const r = await device.request({
    method: "PUT",
    path: "/api/mode",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ mode }),
  });
  expect(r.status).toBe(200);
  for (let i = 0; i < 100; i++) {
    const about = await device.json<{ mode: string }>("/api/about").catch(() => null);
    if (about?.mode === mode) return;
    await sleep(100);
  }
  throw new Error(`the device did not come back in ${mode} mode`);
}

const PROTOTYPE_PROBE = join(import.meta.dirname, "lib", "prototype-probe.mjs");

/** What the device's own built-in prototypes gained since it started (see lib/prototype-probe.mjs). */
async function prototypesAdded(): Promise<Record<string, string[]>> {
  const before = device.output().length;
  device.proc.child.kill("SIGWINCH");
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(50)) {
    const m = /OWTS-PROTOTYPE-PROBE (\{.*\})/.exec(device.output().slice(before));
    if (m) return JSON.parse(m[1]!) as Record<string, string[]>;
  }
  return expect.unreachable("the device did not answer the prototype probe (was it preloaded?)");
}

beforeAll(async () => {
  const gc = gcOnSignalEnv();
  const env = { NODE_OPTIONS: `${gc.NODE_OPTIONS ?? ""} --import ${PROTOTYPE_PROBE}`.trim() };
  device = await Device.start(["--mode", "aircraft", "--max-sockets", "4"], { env });
  // Warm-up: the paths the garbage will hit, so the baseline is a device that has served requests.
  for (let i = 0; i < 50; i++) {
    await device.request({ path: "/api/about" });
    await device.request({ path: "/api/aircraft" });
    await device.request({ path: "/", headers: { "accept-encoding": "br" } });
  }
  // V8 keeps its start-up heap for ~15 s (RSS then drops by ~35 MB): measure the steady state.
  for (let i = 0; i < 300; i++) {
    const { uptime_s } = await device.json<{ uptime_s: number }>("/api/about");
    if (uptime_s >= 20) break;
    await sleep(200);
  }
  baselineRss = await gcRss();
  baselineHeap = (await device.status()).memory.heap_used;
});

afterAll(async () => {
  await device?.stop();
});

describe("garbage against a running device", () => {
  it("random bytes on the HTTPS port", async () => {
    const n = SHORT ? 20 : 100;
    const failuresBefore = await tlsFailureTotal();
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => rawExchange(device.httpsPort, randomBytes(1 + ((i * 977) % 8192)))),
    );
    // The attack landed: every connection was accepted and its bytes reached the TLS layer, which
    // counted a failed handshake for (nearly) each; only then does "closed by the device" mean anything.
    expect(results.filter((r) => r.connected).length).toBe(n);
    const counted = (await tlsFailureTotal()) - failuresBefore;
    expect(counted).toBeGreaterThanOrEqual(Math.floor(n * 0.9));
    expect(results.every((r) => r.closedByDevice)).toBe(true);
    await stillServing("random bytes");
    report("garbage-random-bytes", { connections: n, tls_failures_counted: counted });
  });

  it("TLS records with bad lengths, truncated and out-of-order records", async () => {
    const hello = await captureClientHello();
    expect(hello[0]).toBe(0x16);
    const withRecordLength = (len: number) => {
      const b = Buffer.from(hello);
      b.writeUInt16BE(len, 3);
      return b;
    };
    const withHandshakeLength = (len: number) => {
      const b = Buffer.from(hello);
      b.writeUIntBE(len, 6, 3);
      return b;
    };
    const cases: [string, Buffer, boolean?][] = [
      ["record length 0xffff (over the TLS maximum)", withRecordLength(0xffff)],
      ["record length 0", withRecordLength(0)],
      ["record length 1 byte short", withRecordLength(hello.readUInt16BE(3) - 1)],
      ["record length far longer than sent, then EOF", withRecordLength(hello.readUInt16BE(3) + 500), true],
      ["handshake length larger than the record", withHandshakeLength(0xffffff)],
      ["handshake length 0", withHandshakeLength(0)],
      ["truncated ClientHello, then EOF", hello.subarray(0, Math.floor(hello.length / 2)), true],
      [
        "application data before the handshake",
        Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20]), randomBytes(32)]),
      ],
      ["alert record with garbage", Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0xff, 0xff])],
      ["change cipher spec first", Buffer.from([0x14, 0x03, 0x03, 0x00, 0x01, 0x01])],
      [
        "SSLv2-style hello",
        Buffer.from([0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10, ...randomBytes(37)]),
      ],
      ["unknown record type", Buffer.concat([Buffer.from([0x42, 0x03, 0x03, 0x00, 0x10]), randomBytes(16)])],
      ["record version 0x0000", Buffer.concat([Buffer.from([0x16, 0x00, 0x00]), hello.subarray(3)])],
      ["two ClientHellos in a row", Buffer.concat([hello, hello])],
      [
        "ClientHello with random tail bytes flipped",
        Buffer.concat([hello.subarray(0, 40), randomBytes(hello.length - 40)]),
      ],
    ];
    const failuresBefore = await tlsFailureTotal();
    let alerts = 0;
    for (const [what, bytes, endAfterWrite] of cases) {
      const r = await rawExchange(device.httpsPort, bytes, { endAfterWrite: endAfterWrite ?? false });
      expect(r.connected, `${what}: accepted`).toBe(true);
      // Whatever the device answers (a TLS alert, or nothing), it must close the connection itself.
      expect(r.closedByDevice, what).toBe(true);
      if (r.reply[0] === 0x15) alerts++;
    }
    // The attack landed: the TLS layer saw the records (failures counted, alerts sent back).
    const counted = (await tlsFailureTotal()) - failuresBefore;
    expect(counted).toBeGreaterThanOrEqual(cases.length - 2);
    await stillServing("bad TLS records");
    const status = await device.status();
    report("garbage-tls", {
      cases: cases.length,
      tls_failures_counted: counted,
      alerts,
      tls_failures: status.tls_failures,
    });
  });

  it("plain HTTP on the HTTPS port, HTTPS on the HTTP port", async () => {
    const failuresBefore = await tlsFailureTotal();
    const outputBefore = device.output().length;
    const plain = await rawExchange(device.httpsPort, "GET /api/about HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect(plain.connected).toBe(true);
    expect(plain.closedByDevice).toBe(true);
    expect(plain.reply.toString("latin1")).not.toContain('"esp_id"');
    const tlsOnHttp = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: "127.0.0.1", port: device.httpPort, rejectUnauthorized: false });
      s.once("secureConnect", () => resolve("handshake completed"));
      s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      s.once("close", () => resolve("closed"));
    });
    expect(tlsOnHttp).not.toBe("handshake completed");
    // Both landed: the HTTPS port counted plain HTTP as a failed handshake, and the HTTP port saw the
    // ClientHello (it says so in its log).
    expect(await tlsFailureTotal()).toBeGreaterThan(failuresBefore);
    for (let i = 0; i < 20 && !/spoke HTTPS to the HTTP port/.test(device.output().slice(outputBefore)); i++)
      await sleep(50);
    expect(device.output().slice(outputBefore)).toMatch(/spoke HTTPS to the HTTP port/);
    await stillServing("protocol mix-ups");
    report("garbage-protocol-mixups", {
      https_port_plain_http: plain.reply.length ? "bytes back" : "closed",
      http_port_tls: tlsOnHttp,
    });
  });

  it("1 MB of headers on both ports, and 10,000 small headers", async () => {
    const big = `GET /api/about HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(1024 * 1024)}\r\n\r\n`;
    const many = `GET /api/about HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v`).join("\r\n")}\r\n\r\n`;
    for (const [what, head] of [
      ["1 MB header", big],
      ["10,000 headers", many],
    ] as const) {
      // HTTPS: over a real TLS session.
      let handshook = false;
      const answer = await new Promise<string>((resolve) => {
        const s = tls.connect({ host: "127.0.0.1", port: device.httpsPort, rejectUnauthorized: false });
        let got = "";
        s.once("secureConnect", () => {
          handshook = true;
          s.write(head, () => {});
        });
        s.on("data", (d: Buffer) => {
          got += d.toString("latin1");
        });
        s.on("error", () => {});
        s.once("close", () => resolve(got));
        setTimeout(() => s.destroy(), 15_000).unref();
      });
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      // The attack landed: a session was established, so the headers went to the HTTP parser.
      expect(handshook, `HTTPS ${what}: handshake`).toBe(true);
      if (status) count(status);
      expect(status === 0 || (status >= 400 && status < 500), `HTTPS ${what}: ${answer.slice(0, 80)}`).toBe(
        true,
      );
      // HTTP redirect port.
      const http = await rawExchange(device.httpPort, head);
      expect(http.connected, `HTTP ${what}: accepted`).toBe(true);
      const httpStatus = Number(/^HTTP\/1\.1 (\d{3})/.exec(http.reply.toString("latin1"))?.[1] ?? 0);
      if (httpStatus) count(httpStatus);
      expect(httpStatus === 0 || (httpStatus >= 400 && httpStatus < 500), `HTTP ${what}`).toBe(true);
      expect(http.reply.toString("latin1")).not.toMatch(/^location:/im);
    }
    await stillServing("oversize headers");
  });

  it("invalid UTF-8 and deeply nested JSON on every mutating endpoint: refused, nothing changed", async () => {
    const spec = await device.json<{ paths: Record<string, Record<string, unknown>> }>("/api/openapi.json");
    const endpoints = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m]) => ["put", "patch", "post", "delete"].includes(m))
        .map(([m, op]) => ({
          method: m.toUpperCase(),
          path,
          takesBody: typeof op === "object" && op !== null && "requestBody" in op,
        })),
    );
    expect(endpoints.length).toBeGreaterThanOrEqual(5);
    const nestedArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const bodies: [string, Buffer][] = [
      [
        "invalid UTF-8 in a string",
        Buffer.from([0x7b, 0x22, 0x72, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xaf, 0x22, 0x7d]),
      ],
      ["invalid UTF-8 in a key", Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d])],
      ["overlong encoding of '/'", Buffer.from('{"registration":"\xc0\xaf"}', "latin1")],
      [
        "lone surrogate escapes",
        Buffer.from('{"registration":"\\ud800\\udc00\\ud800","password":"\\udfff"}'),
      ],
      ["NUL bytes", Buffer.from('{"registration":"D-\u0000AB","password":"a\u0000b"}')],
      ["arrays nested 4000 deep (just under 8 KiB)", Buffer.from(nestedArrays(4000))],
      ["objects nested 1300 deep", Buffer.from(nestedObjects(1300))],
      ["arrays nested 100,000 deep (200 KB)", Buffer.from(nestedArrays(100_000))],
      ["truncated JSON", Buffer.from('{"mode":"win')],
      [
        "__proto__ pollution",
        Buffer.from('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'),
      ],
    ];
    let sent = 0;
    // Both modes: each has endpoints the other answers with a mode-only 404 before reading a body.
    for (const mode of ["aircraft", "winch"] as const) {
      if (mode === "winch") await switchMode("winch");
      const before = await settingsSnapshot();
      for (const { method, path, takesBody } of endpoints) {
        // A reboot with garbage is still a reboot request; its body is not what it acts on.
        if (path === "/api/reboot") continue;
        for (const [what, body] of bodies) {
          const r = await device.request({
            method,
            path,
            headers: { "content-type": "application/json" },
            body,
          });
          sent++;
          count(r.status);
          const label = `${mode}: ${method} ${path} with ${what}`;
          expect(r.status, label).toBeLessThan(500);
          // An endpoint that reads a body must refuse this one in the error envelope. One that reads
          // none (POST /api/security/check) may answer as it would without it; the settings check
          // below proves it changed nothing either way.
          if (takesBody) {
            expect(r.status, `${label}: ${r.body.toString().slice(0, 200)}`).toBeGreaterThanOrEqual(400);
            const envelope = JSON.parse(r.body.toString()) as { error?: unknown };
            expect(typeof envelope.error, `${label}: envelope`).toBe("string");
          }
        }
      }
      expect(await settingsSnapshot(), `${mode}: settings unchanged`).toEqual(before);
    }
    // Pollution would happen inside the device: ask it (the probe it was started with) what its
    // built-in prototypes gained since it started.
    expect(await prototypesAdded()).toEqual({ Object: [], Array: [], Function: [], String: [] });
    await stillServing("malformed bodies");
    // The garbage landed: it reached the API (answered in the error envelope above), on every endpoint.
    expect(sent).toBeGreaterThanOrEqual(endpoints.length * bodies.length);
    report("garbage-bodies", {
      endpoints: endpoints.map((e) => `${e.method} ${e.path}`),
      bodies: bodies.length,
      requests: sent,
    });
  });

  it("no 5xx anywhere, no crash, memory back to baseline", async () => {
    const five = [...statuses.entries()].filter(([s]) => s >= 500);
    expect(five).toEqual([]);
    expect(device.alive()).toBe(true);
    // Let closed sessions and timers run out before reading memory again.
    await sleep(2_000);
    const rss = await gcRss();
    const heap = (await device.status()).memory.heap_used;
    report("garbage-memory", {
      statuses: Object.fromEntries(statuses),
      rss_before_mib: +(baselineRss / 2 ** 20).toFixed(1),
      rss_after_mib: +(rss / 2 ** 20).toFixed(1),
      heap_before_mib: +(baselineHeap / 2 ** 20).toFixed(1),
      heap_after_mib: +(heap / 2 ** 20).toFixed(1),
    });
    // Back to baseline with room for allocator slack: the V8 heap within 5 MiB of where it was, RSS
    // (which malloc does not always hand back) within 20%.
    expect(heap).toBeLessThan(baselineHeap + 5 * 2 ** 20);
    expect(rss).toBeLessThan(baselineRss * 1.2);
    const crashes = device
      .output()
      .match(/Uncaught|FATAL ERROR|TypeError|RangeError|ReferenceError|heap out of memory/g);
    expect(crashes).toBeNull();
  });
});
