/**
 * Where the nodes listen and what the API says about it: a requested Port, the
 * advertised host, and the restricted-command switch.
 */
import { CreateCacheClusterCommand, DescribeCacheClustersCommand } from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitForCluster } from "../helpers/wait.js";

const started: Emulator[] = [];
async function emulatorWith(options: Parameters<typeof startEmulator>[0]): Promise<Emulator> {
  const emulator = await startEmulator(options);
  started.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
});

function holdPort(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

describe("node endpoints", () => {
  it("honours a requested Port when it is free, and falls back to the range when it is taken", async () => {
    const range = nodePortRange();
    const emulator = await emulatorWith({ nodePorts: range });
    const client = sdkClient(emulator);
    const wanted = range.to - 1;
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "on-port", Engine: "redis", CacheNodeType: "cache.t3.micro", Port: wanted }));
    const cluster = await waitForCluster(client, "on-port", "available");
    expect(cluster.CacheNodes![0].Endpoint!.Port).toBe(wanted);

    const taken = range.to - 2;
    const blocker = await holdPort(taken);
    try {
      await client.send(new CreateCacheClusterCommand({ CacheClusterId: "port-taken", Engine: "redis", CacheNodeType: "cache.t3.micro", Port: taken }));
      const fallback = await waitForCluster(client, "port-taken", "available");
      const port = fallback.CacheNodes![0].Endpoint!.Port!;
      expect(port).not.toBe(taken);
      expect(port).toBeGreaterThanOrEqual(range.from);
      expect(port).toBeLessThanOrEqual(range.to);
      const redis = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0 });
      await redis.connect();
      expect(await redis.ping()).toBe("PONG");
      redis.disconnect();
    } finally {
      blocker.close();
    }
  });

  it("gives a Memcached cluster's requested Port to its configuration endpoint", async () => {
    const range = nodePortRange();
    const emulator = await emulatorWith({ nodePorts: range });
    const client = sdkClient(emulator);
    await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: "mc-port", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2, Port: range.to }),
    );
    const cluster = await waitForCluster(client, "mc-port", "available");
    expect(cluster.ConfigurationEndpoint?.Port).toBe(range.to);
  });

  it("puts the advertised host in every endpoint", async () => {
    const emulator = await emulatorWith({ advertisedHost: "cache.internal" });
    const client = sdkClient(emulator);
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "adv", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
    const cluster = await waitForCluster(client, "adv", "available");
    expect(cluster.ConfigurationEndpoint?.Address).toBe("cache.internal");
    expect(cluster.CacheNodes!.map((n) => n.Endpoint!.Address)).toEqual(["cache.internal", "cache.internal"]);
    const described = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: "adv", ShowCacheNodeInfo: true }));
    expect(described.CacheClusters![0].CacheNodes![0].Endpoint!.Address).toBe("cache.internal");
  });

  it("lets clients run restricted commands only with allowRestrictedCommands", async () => {
    const emulator = await emulatorWith({ allowRestrictedCommands: true });
    const client = sdkClient(emulator);
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "debuggable", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
    const cluster = await waitForCluster(client, "debuggable", "available");
    const { Address, Port } = cluster.CacheNodes![0].Endpoint!;
    const redis = new Redis(Port!, Address!, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    expect(await redis.config("GET", "maxmemory")).toEqual(["maxmemory", String(Math.round(0.5 * 1024 ** 3))]);
    redis.disconnect();
  });

  it("scales every node type's memory down with nodeMemoryScale, for small machines", async () => {
    const emulator = await emulatorWith({ nodeMemoryScale: 0.1 });
    const client = sdkClient(emulator);
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "small", Engine: "redis", CacheNodeType: "cache.r6g.large" }));
    const cluster = await waitForCluster(client, "small", "available");
    expect(cluster.CacheNodeType).toBe("cache.r6g.large");
    const { Address, Port } = cluster.CacheNodes![0].Endpoint!;
    const redis = new Redis(Port!, Address!, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    expect(Number(/maxmemory:(\d+)/.exec(await redis.info("memory"))![1])).toBe(Math.round(13.07 * 1024 ** 3 * 0.1));
    redis.disconnect();
  });
});
