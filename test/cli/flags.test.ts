import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FLAGS } from "../../src/cli/flags.js";
import { parseStartOptions } from "../../src/cli/options.js";
import { envName, readFlags, renderHelp, UsageError } from "../../src/cli/read-flags.js";
import { DEFAULT_HTTPS_PORT, DEFAULT_LISTEN } from "../../src/device/defaults.js";
import { DEFAULT_UDP_BIND } from "../../src/radio/udp-link.js";
import { DEFAULT_MAX_SOCKETS } from "../../src/web/socket-budget.js";

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("expected a UsageError");
}

describe("the flags table", () => {
  it("gives every start flag a variable by rule and lists each in the help", () => {
    const help = renderHelp("start");
    for (const [name, row] of Object.entries(FLAGS)) {
      if (!("start" in row.commands)) continue;
      const variable = envName(name, row);
      expect(variable).toBe(`OWTS_${name.toUpperCase().replaceAll("-", "_")}`);
      expect(help).toMatch(new RegExp(`^  --${name}\\b.*${variable}`, "m"));
    }
  });

  it("lets a row name its own variable or none", () => {
    expect(envName("radio-bind", { env: "OWTS_UDP_BIND" })).toBe("OWTS_UDP_BIND");
    expect(envName("radio-bind", { env: false })).toBeUndefined();
  });

  it("takes the defaults from the modules they configure", () => {
    const read = readFlags("start", [], {});
    if (read.help) throw new Error("help");
    expect(read.values["https-port"]).toBe(DEFAULT_HTTPS_PORT);
    expect(read.values["max-sockets"]).toBe(DEFAULT_MAX_SOCKETS);
    expect(read.values.listen).toBe(DEFAULT_LISTEN);
    expect(read.values["radio-bind"]).toEqual(DEFAULT_UDP_BIND);
    expect(renderHelp("start")).toContain(`(default ${DEFAULT_MAX_SOCKETS})`);
  });

  it("gives a command its own default, range and help where the table says so", () => {
    const read = readFlags("demo", [], {});
    if (read.help) throw new Error("help");
    expect(read.values.listen).toBe("127.0.0.1");
    expect(read.values.loss).toBe(0.05);
    expect(readFlags("start", ["--time-scale", "500"], {})).toMatchObject({ values: { "time-scale": 500 } });
    expect(refusal(() => readFlags("demo", ["--time-scale", "500"], {}))).toBe(
      '--time-scale: "500" must be a number from 0.1 to 100',
    );
    expect(renderHelp("demo")).toContain("--time-scale X            fly faster than real time, 0.1-100");
  });

  it("keeps each command to its own flags", () => {
    expect(refusal(() => readFlags("demo", ["--https-port", "1"], {}))).toMatch(
      /^Unknown option '--https-port'.*\(see owts demo --help\)$/,
    );
    expect(refusal(() => readFlags("start", ["--loss", "0.1"], {}))).toMatch(/^Unknown option '--loss'/);
    expect(renderHelp("demo")).not.toContain("--https-port");
    expect(renderHelp("start")).not.toContain("--winch-https-port");
  });

  it("reads variables only for start, and lets the flag win", () => {
    const env = { OWTS_LISTEN: "10.0.0.1", OWTS_SEED: "7" };
    expect(readFlags("start", [], env)).toMatchObject({ values: { listen: "10.0.0.1", seed: 7 } });
    expect(readFlags("start", ["--seed", "9"], env)).toMatchObject({ values: { seed: 9 } });
    expect(readFlags("demo", [], env)).toMatchObject({ values: { listen: "127.0.0.1", seed: 1 } });
  });

  it("names the variable, not the flag, when the bad text came from the environment", () => {
    expect(refusal(() => readFlags("start", [], { OWTS_MAX_SOCKETS: "65" }))).toBe(
      'OWTS_MAX_SOCKETS: "65" must be a whole number from 1 to 64',
    );
    expect(refusal(() => readFlags("start", [], { OWTS_NO_MDNS: "maybe" }))).toBe(
      'OWTS_NO_MDNS: "maybe" is not a boolean (use 1 or 0)',
    );
    expect(refusal(() => readFlags("start", [], { OWTS_RADIO_PEER: "10.0.0.2:1,nope" }))).toMatch(
      /^OWTS_RADIO_PEER: "nope" is not ADDRESS:PORT/,
    );
  });

  it("reads lists from repeated flags and from comma-separated variables", () => {
    expect(
      readFlags("start", ["--radio-peer", "10.0.0.2:47800", "--radio-peer", "[::1]:9"], {}),
    ).toMatchObject({
      values: {
        "radio-peer": [
          { address: "10.0.0.2", port: 47800 },
          { address: "::1", port: 9 },
        ],
      },
    });
    expect(readFlags("start", [], { OWTS_SAN: "a.local,,10.0.0.9" })).toMatchObject({
      values: { san: ["a.local", "10.0.0.9"] },
    });
  });

  it("refuses --radio-bind without --radio udp, though it has a default", () => {
    const d = mkdtempSync(join(tmpdir(), "owts-flags-"));
    for (const flag of [["--radio-bind", "0.0.0.0:1"], ["--radio-accept-any"]]) {
      expect(refusal(() => parseStartOptions([...flag, "--data-dir", d], {}))).toBe(
        "--radio-bind/--radio-peer/--radio-accept-any need --radio udp",
      );
    }
    expect(
      parseStartOptions(["--radio", "udp", "--radio-peer", "127.0.0.1:9", "--data-dir", d], {}),
    ).toMatchObject({
      radio: {
        kind: "udp",
        bind: DEFAULT_UDP_BIND,
        peers: [{ address: "127.0.0.1", port: 9 }],
        accept_any: false,
      },
    });
    expect(
      parseStartOptions(["--radio", "udp", "--radio-accept-any", "--data-dir", d], {
        OWTS_RADIO_PEER: "127.0.0.1:9",
      }),
    ).toMatchObject({ radio: { kind: "udp", accept_any: true } });
  });
});
