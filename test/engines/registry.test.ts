/** Driver choice: real binaries first, the embedded subset as a loud fallback, never silently in process mode. */
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { findOnPath } from "../../src/process/binaries.js";
import { createEngineRegistry } from "../../src/engines/registry.js";
import { MEMCACHED, REDIS_SERVER, haveMemcached, haveRedis } from "../helpers/engine-nodes.js";

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger("info", (l) => lines.push(l)) };
}

const MISSING = "/nonexistent/bin";

describe("engine registry", () => {
  it.runIf(haveRedis && haveMemcached)("uses the real binaries when present", async () => {
    const registry = await createEngineRegistry({ mode: "auto", redisServerPath: REDIS_SERVER, memcachedPath: MEMCACHED, allowRestrictedCommands: false });
    const redis = registry.resolve("redis", "7.0");
    expect(redis.driver.id).toBe("redis-server");
    expect(redis.binary).toBe(REDIS_SERVER);
    expect(redis.note).toBeUndefined();
    expect(registry.resolve("redis", "6.2").note).toMatch(/redis 6\.2 requested; running redis-server 7\.0\.\d+/);
    expect(registry.resolve("memcached", "1.6.17").driver.id).toBe("memcached");
    expect(registry.describe().find((d) => d.engine === "redis")).toMatchObject({ driver: "redis-server", binary: REDIS_SERVER, version: expect.stringMatching(/^7\./) });
  });

  it.runIf(haveRedis)("runs valkey on redis-server when valkey-server is missing (protocol compatible)", async () => {
    const registry = await createEngineRegistry({ mode: "auto", redisServerPath: REDIS_SERVER, valkeyServerPath: MISSING, allowRestrictedCommands: false });
    const valkey = registry.resolve("valkey", "7.2");
    expect(valkey.driver.id).toBe("redis-server");
    expect(valkey.note).toContain("valkey-server not found; running redis-server (protocol compatible)");
  });

  it("falls back to the embedded subset in auto mode with one warning per engine", async () => {
    const { lines, logger } = capture();
    const registry = await createEngineRegistry({
      mode: "auto",
      redisServerPath: MISSING + "/redis-server",
      valkeyServerPath: MISSING + "/valkey-server",
      memcachedPath: MISSING + "/memcached",
      allowRestrictedCommands: false,
      logger,
    });
    lines.length = 0; // the "not found at <path>" lines of discovery
    for (let i = 0; i < 3; i++) {
      expect(registry.resolve("redis", "7.0")).toMatchObject({ binary: "", driver: { id: "embedded" } });
      expect(registry.resolve("memcached", "1.6.17").driver.id).toBe("embedded");
    }
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(
      "redis-server not found on PATH; using the embedded in-process Redis subset. Install the real engine: apt-get install redis-server (Debian/Ubuntu) or brew install redis",
    );
    expect(lines[1]).toContain("memcached not found on PATH; using the embedded in-process memcached subset");
    expect(registry.describe().map((d) => d.driver)).toEqual(["embedded", "embedded", "embedded"]);
  });

  it("throws a clear error in process mode when the binary is missing", async () => {
    const registry = await createEngineRegistry({
      mode: "process",
      redisServerPath: MISSING + "/redis-server",
      valkeyServerPath: MISSING + "/valkey-server",
      memcachedPath: MISSING + "/memcached",
      allowRestrictedCommands: false,
    });
    expect(() => registry.resolve("memcached", "1.6.17")).toThrow(/memcached not found.*"process".*apt-get install memcached/);
  });

  it("always uses the embedded driver in embedded mode", async () => {
    const registry = await createEngineRegistry({ mode: "embedded", allowRestrictedCommands: false });
    for (const engine of ["redis", "valkey", "memcached"] as const) expect(registry.resolve(engine, "7.0").driver.id).toBe("embedded");
  });

  it("finds binaries on PATH", async () => {
    expect(await findOnPath("sh")).toMatch(/\/sh$/);
    expect(await findOnPath("definitely-not-a-binary-xyz", "")).toBeUndefined();
  });
});
