/** --metrics-interval-ms and ELASTICACHE_LOCAL_METRICS_INTERVAL_MS: parsed, layered (flag over environment), checked. */
import { describe, expect, it } from "vitest";
import { parseCli } from "../../src/cli-options.js";
import { defaultConfig, resolveConfig } from "../../src/config.js";

describe("the metrics interval option", () => {
  it("defaults to 5 s, comes from the environment or the flag, and the flag wins", () => {
    expect(defaultConfig.metricsIntervalMs).toBe(5000);
    const fromEnv = parseCli([], { ELASTICACHE_LOCAL_METRICS_INTERVAL_MS: "250" });
    expect(resolveConfig(fromEnv.env, fromEnv.flags).metricsIntervalMs).toBe(250);
    const both = parseCli(["--metrics-interval-ms", "1000"], { ELASTICACHE_LOCAL_METRICS_INTERVAL_MS: "250" });
    expect(resolveConfig(both.env, both.flags).metricsIntervalMs).toBe(1000);
  });

  it("refuses what is not a whole number of at least 100 ms, naming where it came from", () => {
    expect(() => parseCli(["--metrics-interval-ms", "fast"], {})).toThrow('--metrics-interval-ms: expects a whole number, got "fast"');
    expect(() => resolveConfig({ metricsIntervalMs: 50 })).toThrow("invalid metrics interval 50 ms (a whole number, at least 100)");
  });
});
