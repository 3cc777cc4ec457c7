import { defineConfig } from "vitest/config";

const WORKERS = 2;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two files at a time: most of a test's time is spent waiting on engines and endpoints, and
    // every file's emulator takes node ports of its own (test/helpers/emulator.ts).
    maxWorkers: WORKERS,
    minWorkers: 1,
    // The helpers split the node ports between the workers by it.
    env: { TEST_WORKERS: String(WORKERS) },
    globalSetup: ["test/helpers/global-setup.ts"],
    // The JSON report is what CI counts (.ci/run).
    reporters: ["default", "json"],
    outputFile: { json: "test-results/results.json" },
  },
});
