/** --clock-scale and ELASTICACHE_LOCAL_CLOCK_SCALE: one clock, with --snapshot-clock-scale as its former name. */
import { describe, expect, it } from "vitest";
import { parseCli } from "../../src/cli-options.js";
import { defaultConfig, resolveConfig } from "../../src/config.js";

describe("the clock scale option", () => {
  it("defaults to 1, comes from the environment or the flag, and the flag wins", () => {
    expect(defaultConfig.clockScale).toBe(1);
    const fromEnv = parseCli([], { ELASTICACHE_LOCAL_CLOCK_SCALE: "86400" });
    expect(resolveConfig(fromEnv.env, fromEnv.flags).clockScale).toBe(86400);
    const both = parseCli(["--clock-scale", "3600"], { ELASTICACHE_LOCAL_CLOCK_SCALE: "86400" });
    expect(resolveConfig(both.env, both.flags).clockScale).toBe(3600);
  });

  it("takes --snapshot-clock-scale as its alias; --clock-scale wins when both are given", () => {
    const alias = parseCli(["--snapshot-clock-scale", "60"], {});
    expect(resolveConfig(alias.env, alias.flags).clockScale).toBe(60);
    expect(resolveConfig({ snapshotClockScale: 60 }).clockScale).toBe(60);
    const both = parseCli(["--snapshot-clock-scale", "60", "--clock-scale", "120"], {});
    expect(resolveConfig(both.env, both.flags).clockScale).toBe(120);
    // A flag of either name wins over the environment.
    const layered = parseCli(["--snapshot-clock-scale", "60"], { ELASTICACHE_LOCAL_CLOCK_SCALE: "86400" });
    expect(resolveConfig(layered.env, layered.flags).clockScale).toBe(60);
  });

  it("refuses a scale below 1 or not a whole number, naming where it came from", () => {
    expect(() => parseCli(["--clock-scale", "fast"], {})).toThrow('--clock-scale: expects a whole number, got "fast"');
    expect(() => resolveConfig({ clockScale: 0 })).toThrow("invalid clock scale 0 (at least 1)");
  });
});
