import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two files at a time: most of a test's time is spent waiting on engines and endpoints, and
    // every file's emulator takes node ports of its own (test/helpers/emulator.ts).
    maxWorkers: 2,
    minWorkers: 1,
    globalSetup: ["test/helpers/global-setup.ts"],
    // The JSON report is what CI counts (.ci/run).
    reporters: ["default", "json"],
    outputFile: { json: "test-results/results.json" },
  },
});
