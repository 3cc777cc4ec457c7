/**
 * As on ElastiCache, clients cannot run CONFIG, SAVE, SHUTDOWN, ...; the emulator still can
 * (adminCommand), and allowRestrictedCommands lifts the restriction. The process driver and
 * the embedded subset refuse with the same message.
 */
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedDriver } from "../../src/engines/embedded-driver.js";
import type { EngineDriver, EngineNode } from "../../src/engines/engine.js";
import { RedisServerDriver } from "../../src/engines/redis-driver.js";
import { RESTRICTED_COMMANDS } from "../../src/engines/restricted.js";
import { REDIS_SERVER, haveRedis, startNode } from "../helpers/engine-nodes.js";

const drivers: Array<{ name: string; make: (allow: boolean) => EngineDriver }> = [
  ...(haveRedis
    ? [{ name: "redis-server", make: (allow: boolean) => new RedisServerDriver(REDIS_SERVER, "redis-server", { allowRestrictedCommands: allow }) }]
    : []),
  { name: "embedded", make: (allow: boolean) => new EmbeddedDriver({ allowRestrictedCommands: allow }) },
];

describe.each(drivers)("restricted commands: $name", ({ make }) => {
  const nodes: EngineNode[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.disconnect());
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });

  async function node(allow: boolean): Promise<{ node: EngineNode; redis: Redis }> {
    const d = make(allow);
    const n = await startNode((s) => d.start(s), "redis", { maxMemoryBytes: 64 * 1024 * 1024 });
    nodes.push(n);
    const redis = new Redis({ port: n.endpoint.port, host: n.endpoint.host, maxRetriesPerRequest: 0 });
    clients.push(redis);
    return { node: n, redis };
  }

  it("refuses CONFIG GET to clients but not to the emulator", async () => {
    const { node: n, redis } = await node(false);
    await expect(redis.config("GET", "maxmemory")).rejects.toThrow("NOPERM this user has no permissions to run the 'config|get' command");
    expect(await n.adminCommand!(["CONFIG", "GET", "maxmemory"])).toEqual(["maxmemory", String(64 * 1024 * 1024)]);
  });

  it("refuses every restricted command with NOPERM", async () => {
    const { redis } = await node(false);
    const argsFor: Record<string, string[]> = {
      config: ["SET", "maxmemory", "1"],
      debug: ["SLEEP", "0"],
      migrate: ["127.0.0.1", "1", "k", "0", "10"],
      replicaof: ["NO", "ONE"],
      slaveof: ["NO", "ONE"],
      psync: ["?", "-1"],
      bgsave: [],
      bgrewriteaof: [],
      save: [],
      shutdown: [],
      sync: [],
    };
    for (const cmd of RESTRICTED_COMMANDS) {
      const sub = cmd === "config" ? "|set" : "";
      // redis 7 refuses DEBUG to everyone unless enable-debug-command is set, before any ACL check.
      const refusal = cmd === "debug" ? "ERR DEBUG command not allowed" : `NOPERM this user has no permissions to run the '${cmd}${sub}' command`;
      await expect(redis.call(cmd, ...(argsFor[cmd] ?? [])), cmd).rejects.toThrow(refusal);
    }
    expect(await redis.ping()).toBe("PONG"); // SHUTDOWN really was refused
  });

  it("throws the engine's error from adminCommand", async () => {
    const { node: n } = await node(false);
    await expect(n.adminCommand!(["NOSUCHCOMMAND", "x"])).rejects.toThrow("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ");
  });

  it("lets clients run them with allowRestrictedCommands", async () => {
    const { redis } = await node(true);
    expect(await redis.config("GET", "maxmemory")).toEqual(["maxmemory", String(64 * 1024 * 1024)]);
    expect(await redis.config("SET", "maxmemory-policy", "allkeys-lru")).toBe("OK");
    expect(await redis.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "allkeys-lru"]);
  });
});

describe.runIf(haveRedis)("admin user of redis-server", () => {
  it("is exposed on the node for replication wiring and is not the default user", async () => {
    const d = new RedisServerDriver(REDIS_SERVER, "redis-server");
    const n = await startNode((s) => d.start(s), "redis");
    try {
      expect(n.adminAuth?.user).toBe("elasticache-local-admin");
      expect(n.adminAuth?.password).toMatch(/^[0-9a-f]{48}$/);
      const admin = new Redis({ port: n.endpoint.port, username: n.adminAuth!.user, password: n.adminAuth!.password, maxRetriesPerRequest: 0 });
      expect(await admin.config("GET", "appendonly")).toEqual(["appendonly", "no"]);
      expect(await admin.acl("WHOAMI")).toBe("elasticache-local-admin");
      admin.disconnect();
      const info = String(await n.adminCommand!(["INFO", "server"]));
      expect(info).toContain(`process_id:${n.pid}`);
    } finally {
      await n.stop();
    }
  });
});
