import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**", "test/adversarial/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests bind real sockets and spawn processes; two workers match the CI machine's cores.
    pool: "forks",
    maxWorkers: 2,
  },
});
