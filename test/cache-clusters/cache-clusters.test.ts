/**
 * Cache clusters through the real JS SDK against a running emulator with real engines:
 * what a user sees from create to delete, and the data path at the returned endpoints.
 */
import {
  CreateCacheClusterCommand,
  DeleteCacheClusterCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  ModifyCacheClusterCommand,
  RebootCacheClusterCommand,
  waitUntilCacheClusterAvailable,
  waitUntilCacheClusterDeleted,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { memcachedCommand } from "../helpers/memcached.js";
import { waitForCluster, waitForClusterGone } from "../helpers/wait.js";

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/** The same user-visible behaviour on real engine processes and on the embedded fallback. */
describe.each(["process", "embedded"] as const)("with the %s engines", (engineMode) => {
  let emulator: Emulator;
  let client: ElastiCacheClient;

  beforeAll(async () => {
    emulator = await startEmulator({ engineMode });
    client = sdkClient(emulator);
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  describe("a Redis OSS cluster", () => {
    it("goes creating -> available (SDK waiter) and serves data at its endpoint", async () => {
      const created = await client.send(
        new CreateCacheClusterCommand({ CacheClusterId: "Redis-One", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }),
      );
      expect(created.CacheCluster?.CacheClusterId).toBe("redis-one");
      expect(created.CacheCluster?.CacheClusterStatus).toBe("creating");
      expect(created.CacheCluster?.ARN).toBe("arn:aws:elasticache:us-east-1:000000000000:cluster:redis-one");
      expect(created.CacheCluster?.CacheClusterCreateTime).toBeInstanceOf(Date);

      const result = await waitUntilCacheClusterAvailable({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { CacheClusterId: "redis-one" });
      expect(result.state).toBe("SUCCESS");

      const cluster = await waitForCluster(client, "redis-one", "available");
      expect(cluster.Engine).toBe("redis");
      expect(cluster.EngineVersion).toBe("7.1");
      expect(cluster.CacheParameterGroup?.CacheParameterGroupName).toBe("default.redis7");
      expect(cluster.CacheNodes).toHaveLength(1);
      const endpoint = cluster.CacheNodes![0].Endpoint!;
      expect(endpoint.Address).toBe("127.0.0.1");

      const redis = new Redis(endpoint.Port!, endpoint.Address!, { lazyConnect: true, maxRetriesPerRequest: 0 });
      await redis.connect();
      await redis.set("greeting", "hello");
      expect(await redis.get("greeting")).toBe("hello");
      expect(await redis.info("server")).toMatch(/redis_version:/);
      redis.disconnect();
    });

    it("refuses ElastiCache's restricted commands to clients", async () => {
      const cluster = await waitForCluster(client, "redis-one", "available");
      const endpoint = cluster.CacheNodes![0].Endpoint!;
      const redis = new Redis(endpoint.Port!, endpoint.Address!, { lazyConnect: true, maxRetriesPerRequest: 0 });
      await redis.connect();
      for (const command of [["CONFIG", "GET", "maxmemory"], ["SHUTDOWN"], ["DEBUG", "SLEEP", "0"], ["BGSAVE"], ["REPLICAOF", "NO", "ONE"]]) {
        await expect(redis.call(command[0], ...command.slice(1)), command.join(" ")).rejects.toThrow();
      }
      expect(await redis.ping()).toBe("PONG");
      redis.disconnect();
    });

    it("applies the node type's memory as maxmemory, and keeps data across a node type change", async () => {
      const before = await waitForCluster(client, "redis-one", "available");
      const endpoint = before.CacheNodes![0].Endpoint!;
      const redis = new Redis(endpoint.Port!, endpoint.Address!, { lazyConnect: true, maxRetriesPerRequest: 0 });
      await redis.connect();
      await redis.set("kept", "yes");
      const modified = await client.send(
        new ModifyCacheClusterCommand({ CacheClusterId: "redis-one", CacheNodeType: "cache.m5.large", ApplyImmediately: true }),
      );
      expect(modified.CacheCluster?.CacheClusterStatus).toBe("modifying");
      const after = await waitForCluster(client, "redis-one", "available");
      expect(after.CacheNodeType).toBe("cache.m5.large");
      expect(await redis.get("kept")).toBe("yes");
      const memory = await redis.info("memory");
      expect(Number(/maxmemory:(\d+)/.exec(memory)![1])).toBe(Math.round(6.38 * 1024 ** 3));
      redis.disconnect();
    });

    it("records a change for the maintenance window when ApplyImmediately is false", async () => {
      const out = await client.send(
        new ModifyCacheClusterCommand({ CacheClusterId: "redis-one", EngineVersion: "7.1", CacheNodeType: "cache.r6g.large", ApplyImmediately: false, SnapshotRetentionLimit: 3 }),
      );
      expect(out.CacheCluster?.CacheClusterStatus).toBe("available");
      expect(out.CacheCluster?.PendingModifiedValues?.CacheNodeType).toBe("cache.r6g.large");
      expect(out.CacheCluster?.CacheNodeType).toBe("cache.m5.large");
      expect(out.CacheCluster?.SnapshotRetentionLimit).toBe(3);
    });

    it("really restarts a node on RebootCacheCluster", async () => {
      const before = await waitForCluster(client, "redis-one", "available");
      const endpoint = before.CacheNodes![0].Endpoint!;
      const redis = new Redis(endpoint.Port!, endpoint.Address!, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      await redis.connect();
      const runId = /run_id:(\w+)/.exec(await redis.info("server"))![1];
      await redis.set("volatile", "1");
      redis.disconnect();

      const out = await client.send(new RebootCacheClusterCommand({ CacheClusterId: "redis-one", CacheNodeIdsToReboot: ["0001"] }));
      expect(out.CacheCluster?.CacheClusterStatus).toBe("rebooting cache cluster nodes");
      const after = await waitForCluster(client, "redis-one", "available");
      expect(after.CacheNodes![0].Endpoint).toEqual(endpoint);

      const again = new Redis(endpoint.Port!, endpoint.Address!, { lazyConnect: true, maxRetriesPerRequest: 0 });
      await again.connect();
      expect(/run_id:(\w+)/.exec(await again.info("server"))![1]).not.toBe(runId);
      expect(await again.get("volatile")).toBeNull();
      again.disconnect();

      const events = await client.send(new DescribeEventsCommand({ SourceType: "cache-cluster", SourceIdentifier: "redis-one" }));
      expect(events.Events?.map((e) => e.Message)).toContain("Cache node 0001 restarted");
    });

    it("goes deleting -> gone (SDK waiter) and its engine stops", async () => {
      const cluster = await waitForCluster(client, "redis-one", "available");
      const port = cluster.CacheNodes![0].Endpoint!.Port!;
      const out = await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "redis-one" }));
      expect(out.CacheCluster?.CacheClusterStatus).toBe("deleting");
      const result = await waitUntilCacheClusterDeleted({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { CacheClusterId: "redis-one" });
      expect(result.state).toBe("SUCCESS");
      expect(await portIsClosed(port)).toBe(true);
      const events = await client.send(new DescribeEventsCommand({ SourceType: "cache-cluster", SourceIdentifier: "redis-one" }));
      const messages = events.Events!.map((e) => e.Message);
      expect(messages[0]).toBe("Added cache node 0001 in availability zone us-east-1a");
      expect(messages).toContain("Cache cluster created");
      expect(messages[messages.length - 1]).toBe("Cache cluster deleted");
    });
  });

  describe("a Valkey cluster", () => {
    it("runs on the closest engine binary and serves data", async () => {
      await client.send(
        new CreateCacheClusterCommand({ CacheClusterId: "valkey-one", Engine: "valkey", EngineVersion: "7.2", CacheNodeType: "cache.t4g.small" }),
      );
      const cluster = await waitForCluster(client, "valkey-one", "available");
      expect(cluster.Engine).toBe("valkey");
      expect(cluster.CacheParameterGroup?.CacheParameterGroupName).toBe("default.valkey7");
      const endpoint = cluster.CacheNodes![0].Endpoint!;
      const redis = new Redis(endpoint.Port!, endpoint.Address!, { lazyConnect: true, maxRetriesPerRequest: 0 });
      await redis.connect();
      await redis.rpush("list", "a", "b");
      expect(await redis.lrange("list", 0, -1)).toEqual(["a", "b"]);
      redis.disconnect();
      await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "valkey-one" }));
      await waitForClusterGone(client, "valkey-one");
    });
  });

  describe("a Memcached cluster", () => {
    it("gives every node its own engine and a configuration endpoint that answers Auto Discovery", async () => {
      const created = await client.send(
        new CreateCacheClusterCommand({ CacheClusterId: "mc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 3 }),
      );
      expect(created.CacheCluster?.NumCacheNodes).toBe(3);
      const cluster = await waitForCluster(client, "mc", "available");
      expect(cluster.CacheNodes!.map((n) => n.CacheNodeId)).toEqual(["0001", "0002", "0003"]);
      const ports = cluster.CacheNodes!.map((n) => n.Endpoint!.Port!);
      expect(new Set(ports).size).toBe(3);
      expect(cluster.ConfigurationEndpoint?.Address).toBe("127.0.0.1");

      for (const [i, port] of ports.entries()) {
        expect(await memcachedCommand(port, `set k${i} 0 0 1\r\n${i}\r\n`)).toBe("STORED\r\n");
      }
      // Each node is its own process: a key set on node 1 is not on node 2.
      expect(await memcachedCommand(ports[1], "get k0\r\n")).toBe("END\r\n");
      expect(await memcachedCommand(ports[0], "get k0\r\n")).toBe("VALUE k0 0 1\r\n0\r\nEND\r\n");

      const config = await memcachedCommand(cluster.ConfigurationEndpoint!.Port!, "config get cluster\r\n");
      const payload = `1\n${ports.map((p) => `127.0.0.1|127.0.0.1|${p}`).join(" ")}\n`;
      expect(config).toBe(`CONFIG cluster 0 ${payload.length}\r\n${payload}\r\nEND\r\n`);
    });

    it("adds nodes with NumCacheNodes and the config version rises", async () => {
      const out = await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "mc", NumCacheNodes: 4, ApplyImmediately: true }));
      expect(out.CacheCluster?.CacheClusterStatus).toBe("modifying");
      const cluster = await waitForCluster(client, "mc", "available");
      expect(cluster.NumCacheNodes).toBe(4);
      expect(cluster.CacheNodes!.map((n) => n.CacheNodeId)).toEqual(["0001", "0002", "0003", "0004"]);
      const port = cluster.CacheNodes![3].Endpoint!.Port!;
      expect(await memcachedCommand(port, "version\r\n")).toMatch(/^VERSION /);
      const config = await memcachedCommand(cluster.ConfigurationEndpoint!.Port!, "config get cluster\r\n");
      expect(config.split("\r\n")[1].split("\n")[0]).toBe("2");
      expect(config).toContain(`|${port}`);
    });

    it("removes the named nodes with CacheNodeIdsToRemove, and their engines stop", async () => {
      const before = await waitForCluster(client, "mc", "available");
      const removedPort = before.CacheNodes!.find((n) => n.CacheNodeId === "0002")!.Endpoint!.Port!;
      await client.send(
        new ModifyCacheClusterCommand({ CacheClusterId: "mc", NumCacheNodes: 3, CacheNodeIdsToRemove: ["0002"], ApplyImmediately: true }),
      );
      const cluster = await waitForCluster(client, "mc", "available");
      expect(cluster.CacheNodes!.map((n) => n.CacheNodeId)).toEqual(["0001", "0003", "0004"]);
      expect(await portIsClosed(removedPort)).toBe(true);
      const config = await memcachedCommand(cluster.ConfigurationEndpoint!.Port!, "config get cluster\r\n");
      expect(config.split("\r\n")[1].split("\n")[0]).toBe("3");
      expect(config).not.toContain(`|${removedPort}`);
      const events = await client.send(new DescribeEventsCommand({ SourceType: "cache-cluster", SourceIdentifier: "mc" }));
      expect(events.Events!.map((e) => e.Message)).toContain("Removed cache node 0002");
    });

    it("keeps node removals pending when ApplyImmediately is false", async () => {
      const out = await client.send(
        new ModifyCacheClusterCommand({ CacheClusterId: "mc", NumCacheNodes: 2, CacheNodeIdsToRemove: ["0004"] }),
      );
      expect(out.CacheCluster?.PendingModifiedValues).toEqual({ NumCacheNodes: 2, CacheNodeIdsToRemove: ["0004"] });
      expect(out.CacheCluster?.NumCacheNodes).toBe(3);
    });

    it("passes ordinary commands through the configuration endpoint to a node", async () => {
      const cluster = await waitForCluster(client, "mc", "available");
      const configPort = cluster.ConfigurationEndpoint!.Port!;
      expect(await memcachedCommand(configPort, "set via-config 0 0 2\r\nok\r\n")).toBe("STORED\r\n");
      expect(await memcachedCommand(configPort, "get via-config\r\n")).toBe("VALUE via-config 0 2\r\nok\r\nEND\r\n");
    });

    it("is deleted with all of its engines and its configuration endpoint", async () => {
      const cluster = await waitForCluster(client, "mc", "available");
      const ports = [...cluster.CacheNodes!.map((n) => n.Endpoint!.Port!), cluster.ConfigurationEndpoint!.Port!];
      await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "mc" }));
      await waitForClusterGone(client, "mc");
      for (const port of ports) expect(await portIsClosed(port)).toBe(true);
    });
  });

  describe("DescribeCacheClusters", () => {
    it("hides node details unless ShowCacheNodeInfo, and filters clusters in replication groups", async () => {
      await client.send(new CreateCacheClusterCommand({ CacheClusterId: "plain", Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
      await waitForCluster(client, "plain", "available");
      const out = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: "plain" }));
      expect(out.CacheClusters![0].CacheNodes).toBeUndefined();
      const standalone = await client.send(new DescribeCacheClustersCommand({ ShowCacheClustersNotInReplicationGroups: true }));
      expect(standalone.CacheClusters!.map((c) => c.CacheClusterId)).toContain("plain");
      await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "plain" }));
      await waitForClusterGone(client, "plain");
    });
  });
});
