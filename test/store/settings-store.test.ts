import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Static, Type } from "typebox";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { encodeSettingsFile } from "../../src/store/settings-file.js";
import {
  SettingsStore,
  StoreOpenError,
  StoreValidationError,
  StoreWriteError,
} from "../../src/store/settings-store.js";

const Aircraft = Type.Object(
  {
    registration: Type.String({ minLength: 1, maxLength: 12 }),
    type: Type.String({ maxLength: 32 }),
    unit: Type.Union([Type.Literal("kmh"), Type.Literal("kt"), Type.Literal("mph")]),
    v_min: Type.Integer({ minimum: 1 }),
    v_opt: Type.Integer({ minimum: 1 }),
    v_max: Type.Integer({ minimum: 1 }),
    v_en: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
type Aircraft = Static<typeof Aircraft>;
const DEFAULTS: Aircraft = { ...DEFAULT_AIRCRAFT_PROFILE };
const OTHER: Aircraft = { ...DEFAULTS, registration: "D-KXYZ", v_min: 80 };

let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "owts-store-"));
});

afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function openStore(dir = dataDir) {
  const { logger, ring } = createDeviceLogger({ destination: null, level: "debug" });
  const store = await SettingsStore.open(dir, logger);
  const lines = (level: string) =>
    ring
      .after(0)
      .lines.filter((l) => l.level === level)
      .map((l) => l.msg);
  return { store, lines };
}

const nvs = () => join(dataDir, "nvs");
const fileOf = (name: string) => join(nvs(), `${name}.json`);

describe("SettingsStore.open", () => {
  it("creates <dataDir>/nvs, nested parents included, and an unknown namespace reads as its defaults", async () => {
    const deep = join(dataDir, "a", "b");
    const { store } = await openStore(deep);
    expect(store.dir).toBe(join(deep, "nvs"));
    expect(statSync(store.dir).isDirectory()).toBe(true);
    const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
    expect(ns.get()).toEqual(DEFAULTS);
    expect(existsSync(ns.file)).toBe(false);
    expect(readdirSync(store.dir)).toEqual([]);
  });

  it("refuses a data dir below a regular file with one clear line", async () => {
    const blocker = join(dataDir, "blocker");
    writeFileSync(blocker, "x");
    const err = await SettingsStore.open(
      join(blocker, "data"),
      createDeviceLogger({ destination: null }).logger,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreOpenError);
    expect((err as StoreOpenError).code).toBe("ENOTDIR");
    expect((err as Error).message).toBe(
      `cannot use data directory ${join(blocker, "data")}: a part of the path is a file, not a directory (ENOTDIR)`,
    );
    expect((err as Error).message).not.toContain("\n");
    expect(readFileSync(blocker, "utf8")).toBe("x");
  });

  it("refuses a data dir whose nvs is a regular file, and leaves that file alone", async () => {
    writeFileSync(join(dataDir, "nvs"), "not a dir");
    const err = await SettingsStore.open(dataDir, createDeviceLogger({ destination: null }).logger).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreOpenError);
    expect((err as Error).message).toMatch(/^cannot use data directory .+: .+\((EEXIST|ENOTDIR)\)$/);
    expect(readFileSync(join(dataDir, "nvs"), "utf8")).toBe("not a dir");
  });

  it("removes temp files left by an interrupted write and keeps the real file", async () => {
    const first = await openStore();
    await first.store.namespace("aircraft", Aircraft, DEFAULTS).set(OTHER);
    writeFileSync(join(nvs(), ".aircraft.json.tmp-999-1"), '{"format":"owts-set');
    const { store, lines } = await openStore();
    expect(readdirSync(nvs()).sort()).toEqual(["aircraft.json"]);
    expect(store.namespace("aircraft", Aircraft, DEFAULTS).get()).toEqual(OTHER);
    expect(lines("info").join("\n")).toContain(".aircraft.json.tmp-999-1");
  });
});

describe("Namespace", () => {
  it("round-trips a value through the file and a new store", async () => {
    const { store } = await openStore();
    const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
    expect(await ns.set(OTHER)).toEqual(OTHER);
    expect(ns.get()).toEqual(OTHER);
    const doc = JSON.parse(readFileSync(ns.file, "utf8"));
    expect(doc).toMatchObject({ format: "owts-settings", version: 1, namespace: "aircraft", value: OTHER });
    expect(doc.sha256).toBe(createHash("sha256").update(JSON.stringify(OTHER)).digest("hex"));
    expect(statSync(ns.file).mode & 0o777).toBe(0o600);

    const again = await openStore();
    expect(again.store.namespace("aircraft", Aircraft, DEFAULTS).get()).toEqual(OTHER);
    expect(again.lines("warn").concat(again.lines("error"))).toEqual([]);
  });

  it("hands out copies: changing what get() returned changes nothing", async () => {
    const { store } = await openStore();
    const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
    const copy = ns.get();
    copy.v_min = 1;
    expect(ns.get()).toEqual(DEFAULTS);
    const input = { ...OTHER };
    await ns.set(input);
    input.v_max = 999;
    expect(ns.get()).toEqual(OTHER);
  });

  it("rejects an invalid value with per-field details and leaves memory and file byte-identical", async () => {
    const { store } = await openStore();
    const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
    await ns.set(OTHER);
    const before = readFileSync(ns.file);
    const inode = statSync(ns.file).ino;
    const { v_en: _dropped, ...missingVen } = OTHER;
    const bad = { ...missingVen, v_min: -5, unit: "furlongs", extra: true } as unknown as Aircraft;

    const err = await ns.set(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreValidationError);
    const details = (err as StoreValidationError).details;
    expect(details).toEqual(
      expect.arrayContaining([
        { field: "/v_en", message: "is required" },
        { field: "/extra", message: "is not allowed" },
        expect.objectContaining({ field: "/v_min" }),
        expect.objectContaining({ field: "/unit" }),
      ]),
    );
    expect((err as Error).message).toMatch(/^settings "aircraft" rejected: /);
    expect(ns.get()).toEqual(OTHER);
    expect(readFileSync(ns.file).equals(before)).toBe(true);
    expect(statSync(ns.file).ino).toBe(inode);
    expect(readdirSync(nvs())).toEqual(["aircraft.json"]);
  });

  it("rejects values JSON cannot hold", async () => {
    const { store } = await openStore();
    const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
    const big = { ...OTHER, v_min: 10n } as unknown as Aircraft;
    await expect(ns.set(big)).rejects.toMatchObject({
      details: [{ field: "/", message: "cannot be stored as JSON" }],
    });
    // NaN would silently become null in JSON; validating the JSON form catches it.
    const nan = { ...OTHER, v_min: Number.NaN };
    await expect(ns.set(nan)).rejects.toBeInstanceOf(StoreValidationError);
    expect(existsSync(ns.file)).toBe(false);
  });

  it("serializes updates: concurrent read-modify-writes lose nothing", async () => {
    const Count = Type.Object({ n: Type.Integer() });
    const { store } = await openStore();
    const ns = store.namespace("counter", Count, { n: 0 });
    const results = await Promise.all(
      Array.from({ length: 25 }, () =>
        ns.update(async (cur) => {
          await new Promise((r) => setImmediate(r));
          return { n: cur.n + 1 };
        }),
      ),
    );
    expect(results.map((r) => r.n)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(ns.get()).toEqual({ n: 25 });
    const again = await openStore();
    expect(again.store.namespace("counter", Count, { n: 0 }).get()).toEqual({ n: 25 });
  });

  it("keeps queue order for sets, and a failing update changes nothing and does not block later writes", async () => {
    const { store } = await openStore();
    const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
    const a = ns.set({ ...DEFAULTS, v_max: 140 });
    const boom = ns.update(() => {
      throw new Error("boom");
    });
    const invalid = ns.update((cur) => ({ ...cur, v_min: 0 }));
    const b = ns.set(OTHER);
    await a;
    await expect(boom).rejects.toThrow("boom");
    await expect(invalid).rejects.toBeInstanceOf(StoreValidationError);
    await b;
    expect(ns.get()).toEqual(OTHER);
    expect(JSON.parse(readFileSync(ns.file, "utf8")).value).toEqual(OTHER);
  });

  it("tells listeners about stored values only, and skips rewriting an identical value", async () => {
    const { store } = await openStore();
    const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
    const seen: Aircraft[] = [];
    const off = ns.onChange((v) => seen.push(v));
    await ns.set(OTHER);
    await ns.set({ ...OTHER, v_min: -1 }).catch(() => {});
    const inode = statSync(ns.file).ino;
    await ns.set({ ...OTHER });
    expect(statSync(ns.file).ino).toBe(inode);
    off();
    await ns.reset();
    expect(seen).toEqual([OTHER]);
    expect(ns.get()).toEqual(DEFAULTS);
    expect(JSON.parse(readFileSync(ns.file, "utf8")).value).toEqual(DEFAULTS);
  });

  it("writes the defaults to disk when asked to store them explicitly", async () => {
    const { store } = await openStore();
    const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
    await ns.set(DEFAULTS);
    expect(JSON.parse(readFileSync(ns.file, "utf8")).value).toEqual(DEFAULTS);
  });

  it("reports a failed write, keeps the old value, and works again once the disk does", async () => {
    const { store, lines } = await openStore();
    const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
    rmSync(nvs(), { recursive: true });
    writeFileSync(nvs(), "in the way");
    const err = await ns.set(OTHER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreWriteError);
    expect((err as Error).message).toContain(ns.file);
    expect(ns.get()).toEqual(DEFAULTS);
    expect(lines("error").join("\n")).toContain("not saved");
    rmSync(nvs());
    mkdirSync(nvs());
    await ns.set(OTHER);
    expect(ns.get()).toEqual(OTHER);
  });
});

describe("damaged files", () => {
  const good = () => encodeSettingsFile("aircraft", OTHER);
  const cases: [string, () => string, RegExp][] = [
    ["invalid JSON", () => good().slice(0, 40), /not valid JSON \(40 bytes\)/],
    ["an empty file", () => "", /the file is empty/],
    ["a value edited by hand", () => good().replace('"v_min": 80', '"v_min": 81'), /checksum mismatch/],
    ["no format marker", () => JSON.stringify(OTHER), /not an OWTS settings file/],
    [
      "a newer format version",
      () => good().replace('"version": 1', '"version": 2'),
      /format version 2 is not supported/,
    ],
    ["another namespace's file", () => encodeSettingsFile("radio", OTHER), /belongs to namespace "radio"/],
    [
      "a value that fails the schema",
      () => encodeSettingsFile("aircraft", { ...OTHER, unit: "furlongs", v_min: 0 }),
      /does not match the schema: .*\/unit.*\/v_min|does not match the schema: .*\/v_min.*\/unit/,
    ],
  ];

  it.each(cases)(
    "%s: logged with file and reason, kept aside, defaults used",
    async (_label, content, reason) => {
      mkdirSync(nvs());
      const bytes = content();
      writeFileSync(fileOf("aircraft"), bytes);
      const { store, lines } = await openStore();
      const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
      expect(ns.get()).toEqual(DEFAULTS);

      const errors = lines("error");
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(fileOf("aircraft"));
      expect(errors[0]).toMatch(reason);
      const aside = readdirSync(nvs()).filter((n) => n.startsWith("aircraft.json.corrupt-"));
      expect(aside).toHaveLength(1);
      expect(errors[0]).toContain(aside[0]);
      expect(readFileSync(join(nvs(), aside[0]!), "utf8")).toBe(bytes);
      expect(existsSync(fileOf("aircraft"))).toBe(false);

      await ns.set(OTHER);
      const again = await openStore();
      expect(again.store.namespace("aircraft", Aircraft, DEFAULTS).get()).toEqual(OTHER);
      expect(again.lines("error")).toEqual([]);
    },
  );

  it("a directory where the file should be is set aside too", async () => {
    mkdirSync(fileOf("aircraft"), { recursive: true });
    const { store, lines } = await openStore();
    const ns = store.namespace("aircraft", Aircraft, DEFAULTS);
    expect(ns.get()).toEqual(DEFAULTS);
    expect(lines("error")[0]).toMatch(/unreadable: .*EISDIR/);
    await ns.set(OTHER);
    expect(ns.get()).toEqual(OTHER);
  });

  it("the secret-bearing content of unparsable files never reaches the log", async () => {
    mkdirSync(nvs());
    writeFileSync(fileOf("security"), '{"format":"owts-settings","hash":"scrypt$SECRETSALT$SECRETHASH"');
    const { store, lines } = await openStore();
    store.namespace("security", Type.Object({ hash: Type.String() }), { hash: "" });
    expect(lines("error")).toHaveLength(1);
    expect(lines("error")[0]).not.toContain("SECRET");
  });

  it("keeps only the newest three damaged copies per namespace", async () => {
    mkdirSync(nvs());
    for (const stamp of ["2020-01-01", "2020-01-02", "2020-01-03"]) {
      writeFileSync(join(nvs(), `aircraft.json.corrupt-${stamp}T00-00-00-000Z`), "old");
    }
    writeFileSync(join(nvs(), "radio.json.corrupt-2019-01-01T00-00-00-000Z"), "other namespace");
    writeFileSync(fileOf("aircraft"), "garbage");
    const { store } = await openStore();
    store.namespace("aircraft", Aircraft, DEFAULTS);
    const aside = readdirSync(nvs())
      .filter((n) => n.includes(".corrupt-"))
      .sort();
    expect(aside).toHaveLength(4);
    expect(aside).not.toContain("aircraft.json.corrupt-2020-01-01T00-00-00-000Z");
    expect(aside).toContain("radio.json.corrupt-2019-01-01T00-00-00-000Z");
  });

  it("a file missing a setting added later is completed from the defaults, not thrown away", async () => {
    const Old = Type.Object({ ssid: Type.String() });
    const New = Type.Object({ ssid: Type.String(), channel: Type.Integer({ minimum: 1, maximum: 13 }) });
    const first = await openStore();
    await first.store.namespace("wifi", Old, { ssid: "" }).set({ ssid: "club" });
    const { store, lines } = await openStore();
    const ns = store.namespace("wifi", New, { ssid: "OWTS", channel: 6 });
    expect(ns.get()).toEqual({ ssid: "club", channel: 6 });
    expect(lines("info").join("\n")).toContain("added missing channel");
    expect(lines("error")).toEqual([]);
    expect(readdirSync(nvs())).toEqual(["wifi.json"]);
  });
});

describe("namespace registration", () => {
  it("returns the same instance for the same schema and defaults, refuses a conflicting one", async () => {
    const { store } = await openStore();
    const a = store.namespace("aircraft", Aircraft, DEFAULTS);
    expect(store.namespace("aircraft", Aircraft, { ...DEFAULTS })).toBe(a);
    expect(() => store.namespace("aircraft", Type.Object({ x: Type.String() }), { x: "" })).toThrow(
      /already open with a different schema/,
    );
  });

  it("refuses unsafe names and defaults that fail their own schema", async () => {
    const { store } = await openStore();
    for (const bad of ["../etc", "Aircraft", "", "a/b", "x".repeat(33)]) {
      expect(() => store.namespace(bad, Aircraft, DEFAULTS)).toThrow(/must match/);
    }
    expect(() => store.namespace("aircraft", Aircraft, { ...DEFAULTS, v_min: 0 })).toThrow(
      /defaults of settings namespace "aircraft" fail its schema: \/v_min/,
    );
    expect(readdirSync(nvs())).toEqual([]);
  });
});

describe("permissions", () => {
  it("keeps settings private to the device user", async () => {
    const { store } = await openStore();
    await store.namespace("aircraft", Aircraft, DEFAULTS).set(OTHER);
    expect(statSync(nvs()).mode & 0o777).toBe(0o700);
  });
});
