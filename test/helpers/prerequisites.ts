/**
 * Whether a test needing `what` is skipped here. On a developer's machine that lacks it the test is
 * skipped with a warning; under CI (`CI` set) a missing prerequisite throws when the file loads, so the
 * file fails loudly instead of passing with nothing run.
 */
export function skipWithout(available: boolean, what: string, fix: string): boolean {
  if (available) return false;
  if (process.env.CI) throw new Error(`${what} is missing under CI, where this test must run: ${fix}`);
  console.warn(`SKIPPED (allowed outside CI only): ${what} is missing; ${fix}`);
  return true;
}
