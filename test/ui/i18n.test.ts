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
import { aircraftProblems, aircraftRules } from "../../ui/src/words/aircraft-rules.js";
import { passwordRule, radioRules, wifiRules } from "../../ui/src/words/settings-rules.js";

const LOCALES = "ui/src/i18n/locales";

describe("choosing a language from the browser's list", () => {
  it("takes the first language we speak, by primary subtag, else English", () => {
    expect(pickLanguage(["de-AT", "en-GB"])).toBe("de");
    expect(pickLanguage(["fr-CA"])).toBe("fr");
    expect(pickLanguage(["nl-BE", "de"])).toBe("nl");
    expect(pickLanguage(["pl"])).toBe("pl");
    expect(pickLanguage(["sk", "cs-CZ"])).toBe("cs");
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
    setCatalog("de", { ...(en as Messages), "monitor.ago": "{age} s" });
    expect(t("monitor.ago", { age: 1.5 })).toBe("1,5 s");
    expect(t("monitor.ago", { age: 8443 })).toBe("8443 s");
    setCatalog("en", en as Messages);
  });

  it("tParts puts an element where the language's sentence has it", () => {
    const el = { el: "strong" };
    expect(tParts("device.mode_is", { mode: el })).toEqual(["This device is in ", el, " mode."]);
  });
});

const catalogOf = (lang: string): Messages =>
  JSON.parse(readFileSync(`${LOCALES}/${lang}.json`, "utf8")) as Messages;

describe.each(LANGUAGES)("the safety words in %s", (lang) => {
  beforeAll(() => setCatalog(lang, catalogOf(lang)));
  afterAll(() => setCatalog("en", en as Messages));

  it("the zone verdicts and the signal states are all different words", () => {
    const verdicts = [
      t("monitor.too_slow"),
      t("monitor.in_band"),
      t("monitor.too_fast"),
      t("monitor.no_signal"),
      t("monitor.signal_lost"),
      t("monitor.device_not_answering"),
    ];
    expect(new Set(verdicts).size).toBe(verdicts.length);
    for (const v of verdicts) expect(v).toBe(v.toLocaleUpperCase(lang));
    const cues = [t("cues.below"), t("cues.inside"), t("cues.above"), t("cues.stale"), t("cues.no_signal")];
    expect(new Set(cues).size).toBe(cues.length);
    // A stale sensor never reads like a healthy one.
    expect(t("live.sensor_stale")).not.toBe(t("live.sensor_ok"));
    expect(t("live.last_value")).not.toBe("");
  });

  it("field rules state their limits, and cross-field messages name the other field and its value", () => {
    const kt = aircraftProblems("kt", { v_en: 30, v_min: 50, v_opt: 60, v_max: 300 });
    expect(kt["/v_max"]).toMatch(/10\D+220/);
    const order = aircraftProblems("kmh", { v_en: 50, v_min: 140, v_opt: 105, v_max: 100 });
    expect(Object.keys(order).sort()).toEqual(["/v_max", "/v_min", "/v_opt"]);
    expect(order["/v_min"]).toContain("v_opt");
    expect(order["/v_min"]).toContain("105 km/h");
    expect(order["/v_opt"]).toContain("140 km/h");
    expect(order["/v_opt"]).toContain("100 km/h");
    expect(aircraftRules("mph")["/v_min"]).toMatch(/12\D+250 mph/);
    expect(wifiRules()["/softap/password"]).toMatch(/8\D+63/);
    expect(wifiRules()["/softap/ssid"]).toMatch(/1\D+32/);
    expect(wifiRules()["/softap/channel"]).toMatch(/1\D+13/);
    expect(radioRules()["/frequency_hz"]).toMatch(/863[.,]000\D+870[.,]000 MHz/);
    expect(passwordRule()).toMatch(/8\D+64/);
    expect(t("fail.rate_limited_in", { seconds: 2 })).toMatch(/\b2 s\b/);
    for (const text of [...Object.values(order), ...Object.values(kt)]) expect(text).not.toMatch(/[{}]/);
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
