import { describe, expect, it } from "vitest";
import { deviceTxt } from "../../src/device/mdns-txt.js";

const FP = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

describe("mDNS TXT of a unit", () => {
  it("carries mode, id, version and the certificate pin (first 16 bytes of SHA-256, lower-case hex)", () => {
    expect(deviceTxt({ mode: "winch", espId: "3A4F1C", version: "0.1.0", fingerprintSha256: FP })).toEqual({
      mode: "winch",
      id: "3A4F1C",
      version: "0.1.0",
      cert: "abcdef0123456789abcdef0123456789",
    });
  });

  it("the pin is the same in both modes (the certificate does not change with the mode)", () => {
    const w = deviceTxt({ mode: "winch", espId: "3A4F1C", version: "0.1.0", fingerprintSha256: FP });
    const a = deviceTxt({ mode: "aircraft", espId: "3A4F1C", version: "0.1.0", fingerprintSha256: FP });
    expect(a.cert).toBe(w.cert);
  });
});
