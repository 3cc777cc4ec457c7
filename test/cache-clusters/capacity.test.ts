/**
 * Capacity limits as AWS words them, on every action that adds nodes: the per-cluster node
 * quota, the per-customer node quota (--max-nodes), and InsufficientCacheClusterCapacity when
 * the node port range has no room. A refused request changes nothing.
 */
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  DescribeCacheClustersCommand,
  IncreaseReplicaCountCommand,
  ModifyCacheClusterCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { eventually, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";
import { describeServerlessCache } from "../serverless-caches/helpers.js";

let emulator: Emulator;
let client: ElastiCacheClient;

const memcached = (id: string, nodes: number) =>
  new CreateCacheClusterCommand({ CacheClusterId: id, Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: nodes });

async function nodeCount(c: ElastiCacheClient = client): Promise<number> {
  const out = await c.send(new DescribeCacheClustersCommand({}));
  return out.CacheClusters!.reduce((n, cluster) => n + cluster.NumCacheNodes!, 0);
}

beforeAll(async () => {
  emulator = await startEmulator({ maxNodes: 6 });
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

describe("node quotas (--max-nodes 6)", () => {
  it("refuses a memcached cluster above 40 nodes with NodeQuotaForClusterExceeded", async () => {
    await expectAwsError(client.send(memcached("huge", 41)), "NodeQuotaForClusterExceeded", 400, /limit is 40 nodes per cluster/);
  });

  it("refuses a create past the customer's node quota with NodeQuotaForCustomerExceeded", async () => {
    await expectAwsError(client.send(memcached("seven", 7)), "NodeQuotaForCustomerExceeded", 400, /limit is 6 nodes per customer/);
    expect(await nodeCount()).toBe(0);
  });

  it("counts every node of the region on every create and scale action", async () => {
    await client.send(memcached("mc", 3));
    await waitForCluster(client, "mc", "available");
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "rg", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2 }),
    );
    await waitForReplicationGroup(client, "rg", (g) => g.Status === "available");
    expect(await nodeCount()).toBe(5);

    await expectAwsError(client.send(memcached("two", 2)), "NodeQuotaForCustomerExceeded", 400);
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "mc", NumCacheNodes: 5, ApplyImmediately: true })),
      "NodeQuotaForCustomerExceeded",
      400,
    );
    await expectAwsError(
      client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: "rg", NewReplicaCount: 3, ApplyImmediately: true })),
      "NodeQuotaForCustomerExceeded",
      400,
    );
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({ ReplicationGroupId: "rg2", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2 }),
      ),
      "NodeQuotaForCustomerExceeded",
      400,
    );
    expect(await nodeCount()).toBe(5);

    // The sixth node fits: a cluster mode group of one shard; growing it to two shards does not.
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "cm",
        ReplicationGroupDescription: "x",
        CacheNodeType: "cache.t3.micro",
        NumNodeGroups: 1,
        ReplicasPerNodeGroup: 0,
        ClusterMode: "enabled",
        AutomaticFailoverEnabled: true,
      }),
    );
    await waitForReplicationGroup(client, "cm", (g) => g.Status === "available");
    await expectAwsError(
      client.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: "cm", NodeGroupCount: 2, ApplyImmediately: true })),
      "NodeQuotaForCustomerExceeded",
      400,
    );
    await expectAwsError(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: "extra-replica", ReplicationGroupId: "rg" })),
      "NodeQuotaForCustomerExceeded",
      400,
    );
    expect(await nodeCount()).toBe(6);
  });

  it("other regions have a quota of their own", async () => {
    const west = sdkClient(emulator, { region: "eu-west-1" });
    await expectAwsError(west.send(memcached("seven", 7)), "NodeQuotaForCustomerExceeded", 400);
    expect(await nodeCount(west)).toBe(0);
  });
});

describe("InsufficientCacheClusterCapacity", () => {
  it("is the answer when the node port range has no room for the nodes and endpoints", async () => {
    const { from } = nodePortRange();
    const small = await startEmulator({ nodePorts: { from, to: from + 6 } });
    try {
      const c = sdkClient(small);
      // A Memcached node answering Auto Discovery takes two ports (its listener and memcached's):
      // four nodes and a configuration endpoint need nine, three need seven.
      await expectAwsError(c.send(memcached("wide", 4)), "InsufficientCacheClusterCapacity", 400, new RegExp(`${from}-${from + 6} has 7 free port\\(s\\), 9 are needed`));
      await c.send(memcached("fits", 3));
      await waitForCluster(c, "fits", "available");
      await expectAwsError(
        c.send(new CreateCacheClusterCommand({ CacheClusterId: "one-more", Engine: "redis", CacheNodeType: "cache.t3.micro" })),
        "InsufficientCacheClusterCapacity",
        400,
      );
      await expectAwsError(
        c.send(new ModifyCacheClusterCommand({ CacheClusterId: "fits", NumCacheNodes: 4, ApplyImmediately: true })),
        "InsufficientCacheClusterCapacity",
        400,
      );
      expect(await nodeCount(c)).toBe(3);
    } finally {
      await small.stop();
    }
  });

  it("counts one port per Memcached node when nodes do not answer Auto Discovery", async () => {
    const { from } = nodePortRange();
    const small = await startEmulator({ nodePorts: { from, to: from + 3 }, memcachedNodeDiscovery: false });
    try {
      const c = sdkClient(small);
      await expectAwsError(c.send(memcached("wide", 4)), "InsufficientCacheClusterCapacity", 400, /has 4 free port\(s\), 5 are needed/);
      await c.send(memcached("fits", 3));
      await waitForCluster(c, "fits", "available");
      expect(await nodeCount(c)).toBe(3);
    } finally {
      await small.stop();
    }
  });
});

describe("the serverless warm pair", () => {
  it("gives its ports to nodes that need them; a request beyond them is still refused", async () => {
    const { from } = nodePortRange();
    // Ten ports: a serverless cache takes four (two engines, each a TLS and a plaintext port), its warm pair four more.
    const small = await startEmulator({ nodePorts: { from, to: from + 9 } });
    const health = async () => ((await (await fetch(`${small.url}/_emulator/health`)).json()) as { serverlessWarmPair: string }).serverlessWarmPair;
    try {
      const c = sdkClient(small);
      await c.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "sl", Engine: "valkey" }));
      await describeServerlessCache(c, "sl", (s) => s.Status === "available");
      await eventually(async () => (await health()) === "ready", { timeoutMs: 30_000 });
      // Two ports are free, the warm pair holds four: seven are too many, three fit once the pair has yielded.
      await expectAwsError(c.send(memcached("wide", 3)), "InsufficientCacheClusterCapacity", 400, /has 6 free port\(s\), 7 are needed/);
      expect(await health()).toBe("ready");
      await c.send(new CreateCacheClusterCommand({ CacheClusterId: "three", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
      await c.send(new CreateCacheClusterCommand({ CacheClusterId: "four", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
      await c.send(new CreateCacheClusterCommand({ CacheClusterId: "five", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
      for (const id of ["three", "four", "five"]) await waitForCluster(c, id, "available");
      expect(await health()).toBe("none");
      expect(await nodeCount(c)).toBe(3);
    } finally {
      await small.stop();
    }
  });
});

describe("options", () => {
  it("--max-nodes and ELASTICACHE_LOCAL_MAX_NODES set the per-customer node quota", async () => {
    const { parseCli } = await import("../../src/cli-options.js");
    const { resolveConfig } = await import("../../src/config.js");
    expect(resolveConfig().maxNodes).toBe(300);
    const cli = parseCli(["--max-nodes", "12"], { ELASTICACHE_LOCAL_MAX_NODES: "20" });
    expect(resolveConfig(cli.env, cli.flags).maxNodes).toBe(12);
    const env = parseCli([], { ELASTICACHE_LOCAL_MAX_NODES: "20" });
    expect(resolveConfig(env.env, env.flags).maxNodes).toBe(20);
    expect(() => parseCli(["--max-nodes", "lots"], {})).toThrow(/--max-nodes/);
  });
});
