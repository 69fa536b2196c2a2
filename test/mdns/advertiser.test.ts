import { describe, expect, it } from "vitest";
import { createDeviceLogger } from "../../src/device/logger.js";
import { type MdnsOptions, startMdns } from "../../src/mdns/advertiser.js";
import { MdnsConfigError } from "../../src/mdns/records.js";

// Bad options must fail before any socket exists. Every case names the loopback address, so even a
// regression that got as far as binding could not reach a real interface.
const base = (): MdnsOptions => ({
  hostname: "OWTS-winch-3A4F1C",
  httpPort: 80,
  httpsPort: 443,
  txt: { mode: "winch", id: "3A4F1C", version: "0.1.0" },
  interfaceAddress: "127.0.0.1",
  logger: createDeviceLogger({ destination: null }).logger,
});

describe("startMdns option checks", () => {
  it.each([
    ["a dotted hostname", { hostname: "OWTS.winch" }, /single DNS label/],
    ["port 0 (an unbound ephemeral port)", { httpsPort: 0 }, /HTTPS port 0/],
    ["a missing interface", { interfaceName: "owts-no-nic0" }, /"owts-no-nic0" does not exist/],
    [
      "an address no interface holds",
      { interfaceAddress: "192.0.2.77" },
      /holds the mDNS address 192.0.2.77/,
    ],
    ["a bad A record", { addresses: ["not-an-ip"] }, /"not-an-ip" is not an IPv4 or IPv6/],
    ["a bad TXT key", { txt: { "=": "x" } }, /TXT key "="/],
  ])("rejects %s before binding anything", async (_what, over, message) => {
    const started = startMdns({ ...base(), ...over });
    await expect(started).rejects.toBeInstanceOf(MdnsConfigError);
    await expect(started).rejects.toThrow(message);
  });
});
