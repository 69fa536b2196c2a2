import { defineConfig } from "vitest/config";

/**
 * The adversarial suite (`npm run test:adversarial`): attacks, faults and a soak against real device
 * processes on loopback. One file at a time: several of them judge response times, and two files
 * attacking devices at once on two cores would measure each other. OWTS_ADVERSARIAL_SHORT=1 is the
 * bounded mode CI runs.
 */
export default defineConfig({
  test: {
    include: ["test/adversarial/**/*.test.ts"],
    // The full soak alone runs 10 minutes.
    testTimeout: 20 * 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
  },
});
