import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStartOptions, UsageError } from "../../src/cli/options.js";

const dir = () => mkdtempSync(join(tmpdir(), "owts-opt-"));

describe("owts start options", () => {
  it("uses the device defaults", () => {
    const d = dir();
    const o = parseStartOptions(["--data-dir", d], {});
    expect(o).toMatchObject({
      help: false,
      httpsPort: 443,
      httpPort: 80,
      maxSockets: 4,
      mdns: true,
      listen: "0.0.0.0",
      keyType: "ecdsa",
    });
  });

  it("--sim-flight reaches the simulator (circuit by default, short on request); anything else is refused", () => {
    expect(parseStartOptions(["--data-dir", dir()], {})).toMatchObject({
      sensor: { kind: "sim", flight: "circuit" },
    });
    expect(parseStartOptions(["--data-dir", dir(), "--sim-flight", "short"], {})).toMatchObject({
      sensor: { kind: "sim", flight: "short" },
    });
    expect(parseStartOptions(["--data-dir", dir()], { OWTS_SIM_FLIGHT: "short" })).toMatchObject({
      sensor: { flight: "short" },
    });
    expect(() => parseStartOptions(["--data-dir", dir(), "--sim-flight", "aerotow"], {})).toThrow(
      '--sim-flight: "aerotow" is not a sim flight (circuit or short)',
    );
  });

  it("reads OWTS_* variables and lets flags win", () => {
    const d = dir();
    const env = {
      OWTS_MODE: "aircraft",
      OWTS_ID: "3a4f1c",
      OWTS_HTTPS_PORT: "8443",
      OWTS_HTTP_PORT: "8080",
      OWTS_NO_MDNS: "1",
      OWTS_DATA_DIR: d,
      OWTS_SAN: "a.local,10.0.0.9",
    };
    expect(parseStartOptions([], env)).toMatchObject({
      mode: "aircraft",
      espId: "3A4F1C",
      httpsPort: 8443,
      httpPort: 8080,
      mdns: false,
      sans: ["a.local", "10.0.0.9"],
    });
    expect(parseStartOptions(["--mode", "winch", "--https-port", "9443"], env)).toMatchObject({
      mode: "winch",
      httpsPort: 9443,
    });
  });

  it.each([
    [["--bogus"], /Unknown option '--bogus'/],
    [["--https-port", "70000"], /--https-port: 70000 is out of range/],
    [["--http-port", "eighty"], /--http-port: "eighty" is not a port/],
    [["--id", "XYZ123"], /--id: "XYZ123" is not 6 hex digits/],
    [["--mode", "glider"], /--mode: "glider" is not a mode/],
    [["--max-sockets", "0"], /--max-sockets: "0" must be a whole number from 1 to 64/],
    [["--listen", "example.com"], /--listen: "example.com" is not an IP address/],
    [["--https-port", "8443", "--http-port", "8443"], /must differ/],
    [["--key-type", "dsa"], /--key-type/],
    [["stray"], /Unexpected argument 'stray'/],
    [["--san", "not a name!"], /--san: SAN "not a name!"/],
  ])("rejects %j with one clear line", (argv, pattern) => {
    const d = dir();
    let caught: unknown;
    try {
      parseStartOptions([...argv, "--data-dir", d], {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(pattern);
    expect((caught as Error).message).not.toContain("\n");
  });

  it("refuses a data dir that cannot be created, and creates nothing", () => {
    const d = dir();
    writeFileSync(join(d, "file"), "x");
    expect(() => parseStartOptions(["--data-dir", join(d, "file", "sub")], {})).toThrow(
      /cannot be used as the data directory \(ENOTDIR\)/,
    );
    expect(readdirSync(d)).toEqual(["file"]);
  });

  it("answers --help", () => {
    expect(parseStartOptions(["--help"], {})).toEqual({ help: true });
  });
});
