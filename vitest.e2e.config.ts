import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // One browser at a time: two cores, and the tests count requests per second.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
