import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepAliveAgent, loopback, type Reply, send } from "../../bench/lib/load-client.js";
import { Device, report, SHORT, sleep } from "./lib/device.js";

const GUESSES = 1_000;
/** How long the patient attacker (who waits out every Retry-After) keeps guessing. */
const PATIENT_S = SHORT ? 8 : 40;
const SECRET = `owts-secret-${randomBytes(12).toString("base64url")}`;

let device: Device;
/** Every response the test saw, to scan for the password afterwards. */
const seen: Reply[] = [];

function check(token: string | undefined, agent = device.agent): Promise<Reply> {
  return send(
    loopback(device.httpsPort),
    {
      method: "POST",
      path: "/api/security/check",
      headers: token === undefined ? {} : { authorization: token },
    },
    agent,
  ).then((r) => {
    seen.push(r);
    return r;
  });
}

beforeAll(async () => {
  device = await Device.start(["--mode", "winch"]);
  const set = await device.request({
    method: "PUT",
    path: "/api/security",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ password: SECRET }),
  });
  seen.push(set);
  expect(set.status, set.body.toString()).toBeLessThan(300);
});

afterAll(async () => {
  await device?.stop();
});

describe("API password under brute force", () => {
  it(`${GUESSES} wrong tokens: backoff engages (429 + Retry-After), the right token works after the wait, nothing leaks`, async () => {
    expect((await check(`Bearer ${SECRET}`)).status).toBe(204);

    const wrong: string[] = [];
    const statuses: Record<number, number> = {};
    let lastRetryAfter = 0;
    let firstBlockedAt = -1;
    const agent = keepAliveAgent(4);
    const t0 = performance.now();
    let next = 0;
    // Four clients' worth of parallel guessing from one address: the device decides one at a time.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < GUESSES) {
          const n = next++;
          // Mostly plausible guesses, some near misses and malformed headers.
          const token =
            n % 50 === 0
              ? `Basic ${Buffer.from(`admin:${n}`).toString("base64")}`
              : n % 10 === 0
                ? `Bearer ${SECRET.slice(0, -1)}${n % 10}`
                : `Bearer guess-${n}-${randomBytes(6).toString("hex")}`;
          wrong.push(token);
          const r = await check(token, agent);
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status === 429) {
            if (firstBlockedAt < 0) firstBlockedAt = n;
            const retry = Number(r.headers["retry-after"]);
            expect(Number.isInteger(retry) && retry >= 1, `Retry-After ${r.headers["retry-after"]}`).toBe(
              true,
            );
            lastRetryAfter = retry;
          } else {
            expect(r.status, r.body.toString()).toBe(401);
            expect(String(r.headers["www-authenticate"])).toMatch(/^Bearer/);
          }
        }
      }),
    );
    agent.destroy();
    const guessingMs = performance.now() - t0;

    // While blocked, even the right password is refused: the block does not reveal a hit.
    const blocked = await check(`Bearer ${SECRET}`);
    expect(blocked.status).toBe(429);
    const wait = Number(blocked.headers["retry-after"]);
    expect(wait).toBeGreaterThanOrEqual(1);
    // Bounded: the block doubles per wrong guess that got checked, and few did.
    expect(wait).toBeLessThanOrEqual(120);
    await sleep(wait * 1000 + 250);
    const ok = await check(`Bearer ${SECRET}`);
    expect(ok.status, ok.body.toString()).toBe(204);

    expect(statuses[429] ?? 0).toBeGreaterThan(GUESSES / 2);
    expect(Object.keys(statuses).sort()).toEqual(["401", "429"]);

    // Nothing about the password anywhere: responses (headers and bodies), the log ring, the process
    // output, the files in the data dir (only a salted hash is stored).
    const log = await device.request({ path: "/api/log" });
    seen.push(log);
    const about = await device.request({ path: "/api/security" });
    seen.push(about);
    expect(JSON.parse(about.body.toString())).toEqual({ password_set: true });
    const texts = [
      ...seen.map((r) => `${JSON.stringify(r.headers)}\n${r.body.toString("latin1")}`),
      device.output(),
    ];
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(device.proc.dataDir);
    for (const f of files) texts.push(readFileSync(f, "latin1"));
    const secretB64 = Buffer.from(SECRET).toString("base64");
    for (const t of texts) {
      expect(t.includes(SECRET)).toBe(false);
      expect(t.includes(secretB64)).toBe(false);
    }
    // Wrong guesses are not logged either (a near miss is most of the password).
    const logged = `${device.output()}\n${log.body.toString()}`;
    const leakedGuesses = wrong.filter((w) => logged.includes(w.replace(/^(Bearer|Basic) /, "")));
    expect(leakedGuesses).toEqual([]);

    report("auth-brute-force", {
      guesses: GUESSES,
      guessing_s: +(guessingMs / 1000).toFixed(1),
      statuses,
      checked_guesses: statuses[401] ?? 0,
      first_429_at_guess: firstBlockedAt,
      last_retry_after_s: lastRetryAfter,
      waited_s: wait,
      responses_scanned: seen.length,
      files_scanned: files.length,
    });
  });

  it(`a patient attacker who waits out every Retry-After gets few guesses checked in ${PATIENT_S} s`, async () => {
    const agent = keepAliveAgent(1);
    const t0 = performance.now();
    let checked = 0;
    let waits = 0;
    let retry = 0;
    while (performance.now() - t0 < PATIENT_S * 1000) {
      const r = await check(`Bearer patient-${randomBytes(6).toString("hex")}`, agent);
      if (r.status === 401) checked++;
      else {
        expect(r.status).toBe(429);
        retry = Number(r.headers["retry-after"]);
        waits++;
        // Waits out the block (but never past the end of the run).
        await sleep(Math.min(retry * 1000 + 50, Math.max(0, PATIENT_S * 1000 - (performance.now() - t0))));
      }
    }
    agent.destroy();
    // 5 free guesses, then each further checked guess doubles the block (1 s, 2 s, 4 s, ...): in T
    // seconds that is about log2(T) more. One extra for the guess that lands as a block ends.
    const bound = 5 + Math.ceil(Math.log2(PATIENT_S + 1)) + 1;
    report("auth-patient-attacker", {
      seconds: PATIENT_S,
      checked_guesses: checked,
      blocks_waited: waits,
      last_retry_after_s: retry,
      bound,
    });
    // The attack reached the password check and was blocked, before the bound says how little it got.
    expect(checked).toBeGreaterThan(0);
    expect(waits).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(bound);
    const wait = Number((await check(`Bearer ${SECRET}`)).headers["retry-after"] ?? 0);
    await sleep(wait * 1000 + 250);
    expect((await check(`Bearer ${SECRET}`)).status).toBe(204);
  });
});
