/**
 * The same contract for every driver that can run here: start -> ready -> data round trip
 * with a real client -> stop -> port closed and process gone.
 */
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedDriver } from "../../src/engines/embedded-driver.js";
import type { EngineDriver, EngineKind, EngineNode } from "../../src/engines/engine.js";
import { MemcachedDriver } from "../../src/engines/memcached-driver.js";
import { RedisServerDriver } from "../../src/engines/redis-driver.js";
import { MEMCACHED, REDIS_SERVER, haveMemcached, haveRedis, memcachedClient, processGone, startNode } from "../helpers/engine-nodes.js";
import { portIsClosed } from "../helpers/ports.js";

interface Case {
  name: string;
  engine: EngineKind;
  driver: () => EngineDriver;
  hasPid: boolean;
}

const cases: Case[] = [
  ...(haveRedis ? [{ name: "redis-server", engine: "redis" as const, driver: () => new RedisServerDriver(REDIS_SERVER, "redis-server"), hasPid: true }] : []),
  ...(haveMemcached ? [{ name: "memcached", engine: "memcached" as const, driver: () => new MemcachedDriver(MEMCACHED), hasPid: true }] : []),
  { name: "embedded redis", engine: "redis", driver: () => new EmbeddedDriver(), hasPid: false },
  { name: "embedded memcached", engine: "memcached", driver: () => new EmbeddedDriver(), hasPid: false },
];

describe.each(cases)("engine contract: $name", ({ engine, driver, hasPid }) => {
  const started: EngineNode[] = [];
  const clients: Array<{ quit?: () => unknown; end?: () => unknown }> = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.end ? c.end() : await c.quit?.();
    await Promise.all(started.splice(0).map((n) => n.stop()));
  });

  async function start(): Promise<EngineNode> {
    const d = driver();
    const node = await startNode((s) => d.start(s), engine);
    started.push(node);
    return node;
  }

  it("is available and reports a version", async () => {
    const d = driver();
    expect(await d.available()).toBe(true);
    expect(d.supports(engine)).toBe(true);
    expect(await d.binaryVersion()).toBeTruthy();
  });

  it("starts ready, serves data, and stops leaving nothing behind", async () => {
    const node = await start();
    await node.ready();
    expect(await node.health()).toBe("ok");
    expect(node.endpoint.host).toBe("127.0.0.1");
    if (hasPid) expect(node.pid).toBeGreaterThan(0);
    else expect(node.pid).toBeUndefined();

    if (engine === "memcached") {
      const mc = memcachedClient(node.endpoint.port);
      clients.push(mc);
      expect(await mc.set("greeting", "hello", 60)).toBe(true);
      expect(await mc.get("greeting")).toBe("hello");
      expect(await mc.set("n", "41")).toBe(true);
      expect(await mc.incr("n", 1)).toBe(42);
      expect(await mc.del("greeting")).toBe(true);
      expect(await mc.get("greeting")).toBeUndefined();
    } else {
      const redis = new Redis({ host: node.endpoint.host, port: node.endpoint.port, lazyConnect: true, maxRetriesPerRequest: 0 });
      clients.push(redis);
      await redis.connect();
      expect(await redis.set("greeting", "hello", "EX", 60)).toBe("OK");
      expect(await redis.get("greeting")).toBe("hello");
      expect(await redis.ttl("greeting")).toBeGreaterThan(50);
      expect(await redis.incrby("n", 42)).toBe(42);
      await redis.hset("h", { a: "1", b: "2" });
      expect(await redis.hgetall("h")).toEqual({ a: "1", b: "2" });
      await redis.rpush("l", "x", "y", "z");
      expect(await redis.lrange("l", 0, -1)).toEqual(["x", "y", "z"]);
      const binary = Buffer.from([0, 255, 13, 10, 128]);
      await redis.set("bin", binary);
      expect(await redis.getBuffer("bin")).toEqual(binary);
      expect(await redis.dbsize()).toBe(5);
      await redis.quit();
      clients.pop();
    }

    let exitCalls = 0;
    node.onExit(() => exitCalls++);
    await node.stop();
    await node.stop(); // idempotent
    expect(await portIsClosed(node.endpoint.port)).toBe(true);
    if (hasPid) expect(processGone(node.pid!)).toBe(true);
    expect(await node.health()).toBe("down");
    expect(exitCalls).toBe(0); // a requested stop is not an unexpected exit
  });

  // The embedded drivers run in-process: there is no process to kill.
  if (hasPid) {
    it("reports an unexpected exit once", async () => {
      const node = await start();
      const exits: Array<[number | null, string | null]> = [];
      const reported = new Promise<void>((resolve) =>
        node.onExit((code, signal) => {
          exits.push([code, signal]);
          resolve();
        }),
      );
      process.kill(node.pid!, "SIGKILL");
      await reported;
      expect(exits).toEqual([[null, "SIGKILL"]]);
      expect(await node.health()).toBe("down");
      await node.stop(); // still fine after the process is gone
    });
  }
});
