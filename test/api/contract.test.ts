import { randomBytes, X509Certificate } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validate as validateOpenApi } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initClubCa } from "../../src/certs/index.js";
import type { Mode } from "../../src/device/identity.js";
import { SimMedium } from "../../src/radio/sim-link.js";
import { keyIdHex, LinkKey } from "../../src/telemetry/link-key.js";
import { openSse } from "../helpers/sse-client.js";
import {
  type ApiReply,
  bearer,
  type CallOptions,
  startTestDevice,
  type TestDevice,
} from "./device-harness.js";

/*
 * Contract tests generated from the device's own /api/openapi.json: every operation the document lists
 * is called on a real device in each mode, and every answer must be one the document declares, with a
 * body its schema accepts. A new route without a request recipe below fails the test, so the suite
 * keeps up with the document.
 */

type Operation = {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
};
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { examples?: unknown[] }> };
};

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const MUTATING = new Set(["put", "patch", "post", "delete"]);
/** Sent as Bearer with every request: it is the SecurityUpdate example the contract run sets. */
let password = "";

const medium = new SimMedium({ seed: 11, fading_sigma_db: 0 });
let devices: Record<Mode, TestDevice>;
/** A launch each unit has recorded or is recording, for the /api/history/{ref} operations. */
const launchRef: Partial<Record<Mode, string>> = {};
let doc: Doc;
let ajv: Ajv2020;

/** A unit no device here knows: the winch pairs with it, then removes it again. */
const stranger = LinkKey.generate();

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

function bodyExample(op: Operation): unknown {
  const ref = op.requestBody?.content["application/json"]?.schema.$ref;
  const name = ref?.replace("#/components/schemas/", "");
  const example = name ? doc.components.schemas[name]?.examples?.[0] : undefined;
  if (example === undefined) throw new Error(`no example for request body ${ref}`);
  return structuredClone(example);
}

/** How to call each operation in a mode; bodies come from the document's own examples. */
function recipe(
  method: string,
  path: string,
  op: Operation,
  mode: Mode,
): { path: string; stream?: boolean } & CallOptions {
  const key = `${method.toUpperCase()} ${path}`;
  switch (key) {
    case "GET /api/winch/stream":
    case "GET /api/aircraft/live/stream":
      return { path, stream: true }; // read up to its first event, then closed
    case "PUT /api/mode":
      return { path, body: { mode } }; // the same mode: nothing restarts mid-contract
    case "GET /api/log":
      return { path: `${path}?after=0` };
    case "PUT /api/security": {
      // Not the document's example: the test then proves this password shows up nowhere.
      const body = { password: `Contract-${randomBytes(6).toString("hex")}` };
      expect(ajv.validate({ $ref: `doc#/${pointer("components", "schemas", "SecurityUpdate")}` }, body)).toBe(
        true,
      );
      return { path, body };
    }
    case "POST /api/winch/pairings": {
      // Not the document's example (a shortened code): a real one, which the winch must accept.
      const body = { code: stranger.pairingCode() };
      expect(
        ajv.validate({ $ref: `doc#/${pointer("components", "schemas", "WinchPairingAdd")}` }, body),
      ).toBe(true);
      return { path, body };
    }
    case "DELETE /api/winch/pairings/{key_id}": // the one the POST just added
      return { path: path.replace("{key_id}", keyIdHex(stranger.key_id)) };
    case "PUT /api/aircraft":
    case "PATCH /api/aircraft":
    case "PATCH /api/radio":
    case "PUT /api/wifi":
    case "PUT /api/mqtt": // the first example: MQTT off, nothing dialled
      return { path, body: bodyExample(op) };
    case "GET /api/openapi.json":
    case "GET /api/security":
    case "POST /api/security/check":
    case "GET /api/about":
    case "GET /api/about/certificate":
    case "GET /api/about/ca": // both contract devices run with a club CA
    case "GET /api/about/ca.mobileconfig":
    case "GET /api/status":
    case "GET /api/mode":
    case "POST /api/reboot":
    case "GET /api/aircraft":
    case "GET /api/aircraft/live":
    case "GET /api/history/{ref}":
    case "DELETE /api/history/{ref}": // the launch each unit is recording (found before the loop)
      return { path: path.replace("{ref}", launchRef[mode] ?? "no-launch-found") };
    case "GET /api/winch":
    case "GET /api/history.csv":
    case "GET /api/history":
    case "DELETE /api/history":
    case "GET /api/radio":
    case "GET /api/wifi":
    case "GET /api/mqtt":
    case "GET /api/pairing":
    case "POST /api/pairing":
    case "POST /api/pairing/rotate":
    case "GET /api/winch/pairings":
      return { path };
    default:
      throw new Error(`the contract test has no recipe for ${key}; add one`);
  }
}

const isClear = (o: { path: string; method: string }) => o.path === "/api/history" && o.method === "delete";

/** Which mode an operation belongs to (SPEC §3), or null for both. */
function onlyIn(path: string): Mode | null {
  if (path.startsWith("/api/aircraft") || path.startsWith("/api/pairing")) return "aircraft";
  if (path.startsWith("/api/winch")) return "winch";
  return null;
}

/**
 * A body in a media type other than JSON must be what that type promises. Every such type the
 * document declares needs a check here: an unknown one fails rather than passes unexamined.
 */
function expectNonJsonBody(label: string, mediaType: string, text: string, streamOf?: string): void {
  if (mediaType === "application/x-pem-file") {
    // Exactly one PEM certificate, which parses as X.509.
    expect(text, label).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/,
    );
    expect(() => new X509Certificate(text), label).not.toThrow();
    return;
  }
  if (mediaType === "text/event-stream" && streamOf) {
    // Each event's data is the polled endpoint's document, valid by that endpoint's own schema.
    const events = text.split("\n\n").filter((b) => /^data:/m.test(b) && !/^event:/m.test(b));
    expect(events.length, label).toBeGreaterThan(0);
    const check = ajv.getSchema(
      `doc#/${pointer("paths", streamOf, "get", "responses", "200", "content", "application/json", "schema")}`,
    );
    for (const block of events) {
      expect(block, label).toMatch(/^id: W?\/?"[^"\n]+"$/m);
      const json = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null");
      expect(check?.(json) ? [] : check?.errors, label).toEqual([]);
    }
    return;
  }
  if (mediaType === "application/x-apple-aspen-config") {
    expect(text, label).toMatch(
      /^<\?xml[\s\S]*<plist version="1.0">[\s\S]*com\.apple\.security\.root[\s\S]*<\/plist>\n$/,
    );
    return;
  }
  if (mediaType === "text/csv") {
    // A start list (its header row) or a launch trace (its replayable header).
    expect(text, label).toMatch(
      /^(start_utc,duration_s,registration,type,launch_method,|# owts-trace v1 .*\nt_ms,ias_)/,
    );
    return;
  }
  expect.unreachable(`${label}: no body check for media type ${mediaType}; add one to expectNonJsonBody`);
}

/** Asserts the reply is one the document declares for the operation, body included. */
function expectDeclared(method: string, path: string, reply: ApiReply): void {
  const label = `${method.toUpperCase()} ${path} → ${reply.status} ${reply.text.slice(0, 300)}`;
  const op = doc.paths[path]?.[method];
  const declared = op?.responses[String(reply.status)];
  expect(declared, `${label}: status not in the document`).toBeDefined();
  const content = declared?.content;
  if (!content) {
    expect(reply.text, `${label}: the document declares no body`).toBe("");
    return;
  }
  const type = String(reply.headers["content-type"] ?? "");
  const mediaType = Object.keys(content).find((m) => type.startsWith(m));
  expect(
    mediaType,
    `${label}: content type ${type} not declared (${Object.keys(content).join(", ")})`,
  ).toBeDefined();
  if (mediaType !== "application/json") {
    expectNonJsonBody(label, mediaType ?? "", reply.text, path.replace(/\/stream$/, ""));
    return;
  }
  expect(type).toBe("application/json; charset=utf-8");
  const check = ajv.getSchema(
    `doc#/${pointer("paths", path, method, "responses", String(reply.status), "content", mediaType, "schema")}`,
  );
  expect(check, `${label}: schema not found`).toBeDefined();
  const ok = check?.(reply.json);
  expect(ok ? [] : check?.errors, label).toEqual([]);
}

async function call(
  device: TestDevice,
  method: string,
  opts: { path: string; stream?: boolean } & CallOptions,
): Promise<ApiReply> {
  const { path, stream, ...rest } = opts;
  if (stream) {
    const s = await openSse({
      port: device.port,
      path,
      ca: device.device.ca()?.certPem ?? device.device.certificate().certPem,
      headers: password ? bearer(password) : {},
    });
    await Promise.race([s.next((e) => e.event === "message"), s.ended]);
    s.close();
    const text = s.raw();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: s.status, headers: s.headers, text, json, peerFingerprint: undefined };
  }
  return device.call(method.toUpperCase(), path, {
    ...rest,
    headers: { ...(password ? bearer(password) : {}), ...rest.headers },
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  // Both units with a club CA, so its downloads answer too.
  const caDir = join(mkdtempSync(join(tmpdir(), "owts-contract-ca-")), "ca");
  await initClubCa({ dir: caDir });
  // A flying aircraft next to the winch, so /api/winch and /api/aircraft/live show real telemetry.
  const aircraft = await startTestDevice({
    caDir,
    mode: "aircraft",
    espId: "AC0001",
    medium,
    position: [0, 0, 300],
    sensor: { kind: "sim", seed: 3, firstLaunchAfterS: 0, timeScale: 3, loop: true },
  });
  const winch = await startTestDevice({
    caDir,
    mode: "winch",
    espId: "B00001",
    medium,
    position: [400, 0, 0],
  });
  devices = { aircraft, winch };
  const reply = await winch.call("GET", "/api/openapi.json");
  expect(reply.status).toBe(200);
  doc = reply.json as Doc;
  ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addSchema(doc, "doc");
  await until("telemetry at the winch", async () => {
    const r = await winch.call("GET", "/api/winch");
    return (r.json as { telemetry: unknown }).telemetry ? r : undefined;
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(Object.values(devices ?? {}).map((d) => d.stop()));
});

describe("the OpenAPI document the device serves", () => {
  it("is valid OpenAPI 3.1 by an independent validator and lists every endpoint of SPEC §3", async () => {
    const result = await validateOpenApi(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(doc.openapi).toBe("3.1.0");
    const spec = [
      "get /api/about",
      "get /api/status",
      "get /api/mode",
      "put /api/mode",
      "get /api/aircraft",
      "put /api/aircraft",
      "patch /api/aircraft",
      "get /api/aircraft/live",
      "get /api/winch",
      "get /api/history",
      "delete /api/history",
      "get /api/history.csv",
      "get /api/history/{ref}",
      "delete /api/history/{ref}",
      "get /api/radio",
      "patch /api/radio",
      "get /api/wifi",
      "put /api/wifi",
      "get /api/security",
      "put /api/security",
      "post /api/security/check",
      "post /api/reboot",
      "get /api/log",
      "get /api/openapi.json",
      "get /api/mqtt",
      "put /api/mqtt",
    ];
    const listed = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(listed).toEqual(expect.arrayContaining(spec));
    // Both devices describe the same API: routes do not come and go with the mode.
    const other = (await devices.aircraft.call("GET", "/api/openapi.json")).json as Doc;
    expect(Object.keys(other.paths).sort()).toEqual(Object.keys(doc.paths).sort());
  });
});

describe.each(["winch", "aircraft"] as const)("every operation in %s mode", (mode) => {
  it("answers only what the document declares, with bodies its schemas accept", async () => {
    const device = devices[mode];
    const seen: string[] = [];
    // Reads first, then writes, with the reboot last (it restarts the runtime).
    const ops = Object.entries(doc.paths)
      .flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ path, method, op })))
      .sort((a, b) => Number(MUTATING.has(a.method)) - Number(MUTATING.has(b.method)))
      // Deleting one launch before deleting them all, so there is one to delete.
      .sort((a, b) => Number(isClear(a)) - Number(isClear(b)))
      .sort((a, b) => Number(a.path === "/api/reboot") - Number(b.path === "/api/reboot"));
    launchRef[mode] = await until("a launch in the history", async () => {
      const h = (await call(device, "GET", { path: "/api/history" })).json as {
        launches: { id: string }[];
        recording?: { id: string } | null;
      };
      return h.recording?.id ?? h.launches[0]?.id;
    });
    for (const { path, method, op } of ops) {
      const r = recipe(method, path, op, mode);
      const reply = await call(device, method, r);
      expectDeclared(method, path, reply);
      const only = onlyIn(path);
      if (only && only !== mode) {
        expect(reply.status, `${method} ${path}`).toBe(404);
        expect((reply.json as { error: string }).error).toBe(`${only}_mode_only`);
      } else {
        expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
      }
      if (method === "put" && path === "/api/security") password = (r.body as { password: string }).password;
      // A conditional GET with the tag just received: 304 when nothing moved, else 200 — both declared.
      const etag = reply.headers.etag;
      if (method === "get" && typeof etag === "string" && reply.status === 200) {
        const again = await call(device, method, { ...r, headers: { "if-none-match": etag } });
        expectDeclared(method, path, again);
        expect([200, 304]).toContain(again.status);
        expect(again.headers["cache-control"]).toBe("no-cache");
      }
      seen.push(`${method} ${path} ${reply.status}`);
    }
    expect(seen.length).toBe(ops.length);
    // The password set above appears in no answer, the log included, nor does its hash.
    const secret = password;
    expect(secret).not.toBe("");
    for (const [path, byMethod] of Object.entries(doc.paths)) {
      if (!byMethod.get) continue;
      const text = (await call(device, "get", recipe("get", path, byMethod.get, mode))).text;
      expect(text.includes(secret), `GET ${path} shows the password`).toBe(false);
      expect(/scrypt|"salt"/.test(text), `GET ${path} shows the hash`).toBe(false);
    }
    // The device comes back from the reboot and still answers the contract.
    expectDeclared("get", "/api/about", await call(device, "get", { path: "/api/about" }));
    const cleared = await call(device, "put", { path: "/api/security", body: { password: null } });
    expect(cleared.status).toBe(200);
    password = "";
  });

  it("answers malformed writes with the declared error envelopes", async () => {
    const device = devices[mode];
    for (const [path, byMethod] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(byMethod)) {
        if (!op.requestBody) continue;
        const only = onlyIn(path);
        const cases: [CallOptions, number, string][] = [
          [
            { raw: "mode=winch", contentType: "application/x-www-form-urlencoded" },
            415,
            "unsupported_media_type",
          ],
          [{ raw: `{"pad":"${"x".repeat(9000)}"}` }, 413, "payload_too_large"],
          [{ raw: "{not json" }, 400, "bad_request"],
          [{ body: { no_such_field: 1 } }, 400, "validation_failed"],
        ];
        for (const [opts, status, token] of cases) {
          const reply = await call(device, method, { path, ...opts });
          expectDeclared(method, path, reply);
          if (only && only !== mode) {
            expect(reply.status).toBe(404);
            continue;
          }
          expect([reply.status, (reply.json as { error: string }).error], `${method} ${path}`).toEqual([
            status,
            token,
          ]);
          if (token === "validation_failed")
            expect((reply.json as { details: { field: string }[] }).details).toContainEqual(
              expect.objectContaining({ field: "/no_such_field" }),
            );
        }
      }
  });
});

describe("paths the API does not have", () => {
  it.each(["GET", "POST", "DELETE"])(
    "%s /api/... that does not exist is a JSON 404, never the UI",
    async (method) => {
      const reply = await devices.winch.call(method, "/api/no/such/thing?x=1");
      expect(reply.status).toBe(404);
      expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(reply.json).toEqual({
        error: "not_found",
        message: expect.stringContaining("/api/no/such/thing"),
      });
    },
  );
});
