import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import en from "../../ui/src/i18n/locales/en.json" with { type: "json" };
import {
  currentLang,
  LANGUAGES,
  type Messages,
  pickLanguage,
  setCatalog,
  t,
  tParts,
} from "../../ui/src/i18n/translate.js";

const LOCALES = "ui/src/i18n/locales";

describe("choosing a language from the browser's list", () => {
  it("takes the first language we speak, by primary subtag, else English", () => {
    expect(pickLanguage(["de-AT", "en-GB"])).toBe(LANGUAGES.includes("de" as never) ? "de" : "en");
    expect(pickLanguage(["ja", "en-US"])).toBe("en");
    expect(pickLanguage(["ja", "ko"])).toBe("en");
    expect(pickLanguage([])).toBe("en");
    expect(pickLanguage(["EN_gb"])).toBe("en");
  });
});

describe("t()", () => {
  beforeAll(() => setCatalog("en", en as Messages));

  it("fills placeholders and picks the plural form by count", () => {
    expect(currentLang()).toBe("en");
    expect(t("fail.rate_limited_in", { seconds: 2 })).toBe("Too many wrong passwords. Try again in 2 s.");
    expect(t("logs.dropped", { count: 1 })).toBe(
      "1 line was overwritten on the device before this page could fetch it.",
    );
    expect(t("logs.dropped", { count: 3 })).toMatch(/^3 lines were overwritten/);
    // A placeholder without a value stays visible rather than turning into "undefined".
    expect(t("monitor.ago", {})).toBe("{age} ago");
  });

  it("formats numbers in the language's digits, without grouping", () => {
    setCatalog("en", { ...(en as Messages), "monitor.ago": "{age} s" });
    expect(t("monitor.ago", { age: 1.5 })).toBe("1.5 s");
    setCatalog("de" as never, { ...(en as Messages), "monitor.ago": "{age} s" });
    expect(t("monitor.ago", { age: 1.5 })).toBe("1,5 s");
    expect(t("monitor.ago", { age: 8443 })).toBe("8443 s");
    setCatalog("en", en as Messages);
  });

  it("tParts puts an element where the language's sentence has it", () => {
    const el = { el: "strong" };
    expect(tParts("device.mode_is", { mode: el })).toEqual(["This device is in ", el, " mode."]);
  });
});

/** A scratch copy of the locales and a source tree, to break on purpose. */
function scratch(): { dir: string; run: (...extra: string[]) => ReturnType<typeof spawnSync> } {
  const dir = mkdtempSync(join(tmpdir(), "owts-i18n-"));
  cpSync(LOCALES, join(dir, "locales"), { recursive: true });
  cpSync("ui/src", join(dir, "src"), {
    recursive: true,
    filter: (src) => !src.includes(join("i18n", "locales")),
  });
  return {
    dir,
    run: (...extra) =>
      spawnSync(
        process.execPath,
        ["scripts/check-i18n.mjs", "--locales", join(dir, "locales"), "--src", join(dir, "src"), ...extra],
        { encoding: "utf8" },
      ),
  };
}

describe("scripts/check-i18n.mjs (part of npm run build)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const edit = (dir: string, lang: string, change: (m: Record<string, unknown>) => void) => {
    const file = join(dir, "locales", `${lang}.json`);
    const m = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    change(m);
    writeFileSync(file, JSON.stringify(m));
  };

  it("passes the real locales", () => {
    const r = spawnSync(process.execPath, ["scripts/check-i18n.mjs"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${LANGUAGES.length} language\\(s\\).*all present`));
  });

  it("fails on a missing key, an extra key, a changed placeholder and an empty text", () => {
    const s = scratch();
    dirs.push(s.dir);
    // A second language made from English, so the check has something to compare.
    const other = "de";
    cpSync(join(s.dir, "locales", "en.json"), join(s.dir, "locales", "de.json"));
    edit(s.dir, other, (m) => {
      delete m["monitor.too_slow"];
      m["monitor.too_sloww"] = "typo";
      m["fail.rate_limited_in"] = "Try again in {secs} s.";
      m["form.save"] = " ";
    });
    const r = s.run("--languages", "en,de");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${other}.json: missing key "monitor.too_slow"`);
    expect(r.stderr).toContain(`${other}.json: extra key "monitor.too_sloww"`);
    expect(r.stderr).toMatch(/"fail.rate_limited_in": placeholders \{secs\} differ from English \{seconds\}/);
    expect(r.stderr).toContain(`"form.save": empty text`);
  });

  it("fails on a missing plural form, a language without a file, a file not offered and an unused key", () => {
    const s = scratch();
    dirs.push(s.dir);
    edit(s.dir, "en", (m) => {
      m["logs.dropped"] = { other: "{count} lines were overwritten." };
      m["never.used"] = "Nobody shows this.";
    });
    writeFileSync(join(s.dir, "locales", "xx.json"), "{}");
    for (const f of readdirSync(join(s.dir, "locales")))
      if (f !== "en.json" && f !== "xx.json") rmSync(join(s.dir, "locales", f));
    const r = s.run("--languages", "en,pl");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('en.json "logs.dropped": missing plural form "one"');
    expect(r.stderr).toContain('en.json: key "never.used" is used nowhere');
    expect(r.stderr).toContain('xx.json: "xx" is not in LANGUAGES');
    expect(r.stderr).toContain("pl.json: missing");
  });

  it("refuses bad arguments clearly", () => {
    const r = spawnSync(process.execPath, ["scripts/check-i18n.mjs", "--bogus"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown argument --bogus");
  });
});
