import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { SettingsStore } from "../../src/store/settings-store.js";
import { keyIdHex, LinkKey, parseKeyIdHex } from "../../src/telemetry/link-key.js";
import { openEpochCounter, openLinkKey } from "../../src/telemetry/link-key-store.js";
import { parsePairingCode } from "../../src/telemetry/pairing-code.js";

let dir: string;
let lines: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "owts-linkkey-"));
  lines = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function logger() {
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return createDeviceLogger({ destination, level: "debug" }).logger;
}

describe("link key", () => {
  it("keeps its secret out of JSON and inspect, and its pairing code gives the same key back", () => {
    const key = LinkKey.generate(new Date("2026-01-02T03:04:05Z"));
    const secret = key.toStored().key;
    expect(JSON.stringify({ key })).not.toContain(secret);
    expect(JSON.stringify(key)).toBe(
      `{"key_id":"${keyIdHex(key.key_id)}","created":"2026-01-02T03:04:05.000Z"}`,
    );
    expect(inspect(key)).not.toContain(secret);
    expect(key.key_id).not.toBe(0);
    const parsed = parsePairingCode(key.pairingCode());
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      const back = LinkKey.fromBytes(parsed.key, key.created);
      expect(back.key_id).toBe(key.key_id);
      expect(back.equals(key)).toBe(true);
      expect(back.mac(Uint8Array.of(1, 2, 3))).toBe(key.mac(Uint8Array.of(1, 2, 3)));
    }
    expect(LinkKey.generate().equals(key)).toBe(false);
  });

  it("verifies its own MAC and nothing else", () => {
    const key = LinkKey.generate();
    const other = LinkKey.generate();
    const bytes = Uint8Array.of(9, 8, 7, 6);
    const mac = key.mac(bytes);
    expect(key.verify(bytes, mac)).toBe(true);
    expect(key.verify(bytes, (mac ^ 1) >>> 0)).toBe(false);
    expect(key.verify(Uint8Array.of(9, 8, 7, 7), mac)).toBe(false);
    expect(other.verify(bytes, mac)).toBe(false);
  });

  it("refuses a stored key of the wrong size, and reads key ids as 8 hex digits", () => {
    expect(LinkKey.fromStored({ key: "AAAA", created: "" })).toBeNull();
    expect(parseKeyIdHex("00ABCDEF")).toBe(0xabcdef);
    for (const bad of ["abc", "0000000g", "123456789", ""]) expect(parseKeyIdHex(bad)).toBeNull();
  });

  it("is made once on first start, kept in its own namespace, reused after a restart, never logged", async () => {
    const first = await openLinkKey(await SettingsStore.open(dir, logger()), logger());
    const id = first.current().key_id;
    const secret = first.current().toStored().key;
    const again = await openLinkKey(await SettingsStore.open(dir, logger()), logger());
    expect(again.current().key_id).toBe(id);
    const rotated = await again.rotate();
    expect(rotated.key_id).not.toBe(id);
    const third = await openLinkKey(await SettingsStore.open(dir, logger()), logger());
    expect(third.current().key_id).toBe(rotated.key_id);
    const files = readdirSync(join(dir, "nvs"));
    expect(files).toContain("link_key.json");
    for (const f of files.filter((f) => f !== "link_key.json")) {
      expect(readFileSync(join(dir, "nvs", f), "utf8")).not.toContain(secret);
    }
    const log = lines.join("");
    expect(log).toContain(keyIdHex(id));
    expect(log).not.toContain(secret);
    expect(log).not.toContain(rotated.toStored().key);
  });

  it("takes a new epoch on every boot and on next(), never the same twice", async () => {
    const a = await openEpochCounter(await SettingsStore.open(dir, logger()));
    expect(a.current()).toBe(1);
    expect(await a.next()).toBe(2);
    const b = await openEpochCounter(await SettingsStore.open(dir, logger()));
    expect(b.current()).toBe(3);
  });
});
