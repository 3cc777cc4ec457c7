import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/helpers/global-setup.ts"],
    // The JSON report is what CI counts (.ci/run).
    reporters: ["default", "json"],
    outputFile: { json: "test-results/results.json" },
  },
});
