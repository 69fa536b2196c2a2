import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, REPO } from "../helpers/device-process.js";
import { skipWithout } from "../helpers/prerequisites.js";

const NETNS = join(REPO, "..", "shared", "tools", "in-mdns-netns");
// Multicast only ever runs inside a private namespace made for this test, never on real interfaces.
const skip = skipWithout(
  existsSync(NETNS) && spawnSync("unshare", ["-n", "true"]).status === 0,
  `${NETNS} (../shared beside the repo) and \`unshare -n\``,
  "keep ../shared beside the repository and run as root (CI does)",
);

describe.skipIf(skip)("owts start advertises over mDNS (private network namespace)", () => {
  it("answers for both services on one hostname, and the hostname follows a mode change", () => {
    const r = spawnSync(NETNS, ["bash", join(import.meta.dirname, "fixtures", "mdns-device.sh")], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, OWTS_CLI: CLI },
    });
    const out = r.stdout + r.stderr;
    // The ready block names the .local URL that the responder advertises in this run.
    expect(out).toContain("READY: 1   HTTPS  https://OWTS-winch-3A4F1C.local:8443/  (mDNS)");
    expect(out).toContain("A: 127.0.0.1");
    expect(out).toContain("PTR: OWTS-winch-3A4F1C._https._tcp.local.");
    expect(out).toContain("SRV: 0 0 8443 OWTS-winch-3A4F1C.local.");
    expect(out).toContain("SRV80: 0 0 8080 OWTS-winch-3A4F1C.local.");
    expect(out).toMatch(/TXT: "mode=winch" "id=3A4F1C" "version=[^"]+" "cert=[0-9a-f]{32}" "path=\/"/);
    // The pin is the certificate's SHA-256 (first 16 bytes) as openssl computes it, and a mode change keeps it.
    const fp = /CERT: sha256 Fingerprint=([0-9A-F:]+)/.exec(out)?.[1] ?? "";
    const pin = fp.replaceAll(":", "").slice(0, 32).toLowerCase();
    expect(pin).toHaveLength(32);
    expect(out).toContain(`"cert=${pin}"`);
    expect(out).toMatch(
      new RegExp(`NEW TXT: "mode=aircraft" "id=3A4F1C" "version=[^"]+" "cert=${pin}" "path=/"`),
    );
    expect(out).toContain('{"mode":"aircraft","restarting":true}');
    expect(out).toContain("NEW A: 127.0.0.1");
    expect(out).not.toMatch(/OLD A: 127\.0\.0\.1/);
    expect(out).toContain("goodbyes sent");
    expect(out).not.toMatch(/\(2\)|-2\.local/);
  });
});
