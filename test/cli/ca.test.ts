import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCaCommand } from "../../src/cli/ca.js";
import { snapshot } from "../certs/helpers.js";

async function ca(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        add(String(chunk));
        done();
      },
    });
  const code = await runCaCommand(args, {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
  });
  return { code, stdout, stderr };
}

describe("owts ca", () => {
  it("init makes the CA and show prints subject, fingerprint, expiry and constraints", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "owts-cli-ca-")), "ca");
    const made = await ca(["init", "--dir", dir, "--name", "Segelflug Nord", "--days", "365"]);
    expect(made).toMatchObject({ code: 0, stderr: "" });
    expect(made.stdout).toContain('Made the club CA "Segelflug Nord".');
    const shown = await ca(["show", "--dir", dir]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/subject {6}CN=Segelflug Nord, O=OWTS/);
    expect(shown.stdout).toMatch(/fingerprint {2}SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(shown.stdout).toMatch(/valid {8}\S+ to \S+/);
    expect(shown.stdout).toContain("name constraints (critical)");
    expect(shown.stdout).toContain("permitted  DNS:local, DNS:localhost, IP:127.0.0.0/8");
    expect(shown.stdout).toContain("IP:192.168.0.0/16");
  });

  it("refuses a non-empty directory, bad flags and a missing CA with one line and exit 2, changing nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "owts-cli-ca-"));
    writeFileSync(join(dir, "keep.txt"), "x");
    const before = snapshot(dir);
    for (const args of [
      ["init", "--dir", dir],
      ["init", "--dir", join(dir, "new"), "--days", "0"],
      ["init", "--dir", join(dir, "new"), "--days", "ten"],
      ["init"],
      ["show", "--dir", join(dir, "none")],
      ["show", "--dir", dir, "--force"],
      ["sign", "--dir", dir],
    ]) {
      const r = await ca(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/^owts ca: .+\n$/);
    }
    expect(snapshot(dir)).toEqual(before);
  });
});
