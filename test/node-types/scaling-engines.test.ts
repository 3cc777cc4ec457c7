/**
 * Node type changes on real engines: applied now, every node takes the new type's memory
 * (INFO memory maxmemory) and keeps its keys while the resource goes modifying -> available;
 * a replication group scales its replicas first, then its primary after a failover. Applied
 * later, the change waits in PendingModifiedValues and the engines keep their memory.
 */
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  ModifyCacheClusterCommand,
  ModifyReplicationGroupCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { RedisClients } from "../helpers/redis-clients.js";
import { describeReplicationGroup, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";
import { expectedMaxmemory, infoMaxmemory, MEMORY_SCALE } from "./helpers.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const redisClients = new RedisClients();

beforeAll(async () => {
  emulator = await startEmulator({ nodeMemoryScale: MEMORY_SCALE });
  client = sdkClient(emulator);
});
afterAll(async () => {
  redisClients.disconnectAll();
  await emulator?.stop();
});

async function memberEndpoints(ids: string[]) {
  const out = await Promise.all(ids.map((id) => client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))));
  return out.map((o) => ({ id: o.CacheClusters![0].CacheClusterId!, cluster: o.CacheClusters![0], endpoint: o.CacheClusters![0].CacheNodes![0].Endpoint! }));
}

describe("a standalone Redis OSS node", () => {
  it("scales up now: modifying, then available, with the new maxmemory and its keys", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "solo", Engine: "redis", CacheNodeType: "cache.t3.small", NumCacheNodes: 1 }));
    const ready = await waitForCluster(client, "solo", "available");
    const redis = redisClients.connect(ready.CacheNodes![0].Endpoint!);
    expect(await infoMaxmemory(redis)).toBe(expectedMaxmemory("cache.t3.small"));
    for (let i = 0; i < 50; i++) await redis.set(`k${i}`, `v${i}`);

    const modified = await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "solo", CacheNodeType: "cache.m5.large", ApplyImmediately: true }));
    expect(modified.CacheCluster?.CacheClusterStatus).toBe("modifying");
    const done = await waitForCluster(client, "solo", "available");
    expect(done.CacheNodeType).toBe("cache.m5.large");
    expect(done.PendingModifiedValues ?? {}).toEqual({});
    expect(await infoMaxmemory(redis)).toBe(expectedMaxmemory("cache.m5.large"));
    expect(await redis.dbsize()).toBe(50);
    expect(await redis.get("k49")).toBe("v49");
  });

  it("waits in PendingModifiedValues without ApplyImmediately; ApplyImmediately later applies it", async () => {
    const redis = redisClients.connect((await waitForCluster(client, "solo", "available")).CacheNodes![0].Endpoint!);
    const modified = await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "solo", CacheNodeType: "cache.t3.medium", ApplyImmediately: false }));
    expect(modified.CacheCluster).toMatchObject({ CacheClusterStatus: "available", CacheNodeType: "cache.m5.large", PendingModifiedValues: { CacheNodeType: "cache.t3.medium" } });
    expect(await infoMaxmemory(redis)).toBe(expectedMaxmemory("cache.m5.large"));

    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "solo", ApplyImmediately: true, SnapshotRetentionLimit: 1 }));
    const done = await waitForCluster(client, "solo", "available");
    expect(done.CacheNodeType).toBe("cache.t3.medium");
    expect(done.PendingModifiedValues ?? {}).toEqual({});
    expect(await infoMaxmemory(redis)).toBe(expectedMaxmemory("cache.t3.medium"));
    expect(await redis.dbsize()).toBe(50);
  });
});

describe("a replication group with automatic failover", () => {
  it("scales every member, replicas first, then the primary after a failover, keeping the data", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "grow",
        ReplicationGroupDescription: "scaling",
        Engine: "redis",
        CacheNodeType: "cache.t3.small",
        NumCacheClusters: 3,
        AutomaticFailoverEnabled: true,
      }),
    );
    const created = await waitForReplicationGroup(client, "grow", (g) => g.Status === "available");
    const oldPrimary = created.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId!;
    const writer = redisClients.connect(created.NodeGroups![0].PrimaryEndpoint!);
    for (let i = 0; i < 100; i++) await writer.set(`key:${i}`, String(i));
    await writer.wait(2, 5000);

    const modified = await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "grow", CacheNodeType: "cache.m5.large", ApplyImmediately: true }));
    expect(modified.ReplicationGroup?.Status).toBe("modifying");
    const done = await waitForReplicationGroup(client, "grow", (g) => g.Status === "available");
    expect(done.CacheNodeType).toBe("cache.m5.large");
    const newPrimary = done.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId!;
    expect(newPrimary).not.toBe(oldPrimary);

    for (const member of await memberEndpoints(done.MemberClusters!)) {
      expect(member.cluster).toMatchObject({ CacheNodeType: "cache.m5.large", CacheClusterStatus: "available" });
      const redis = redisClients.connect(member.endpoint);
      expect(await infoMaxmemory(redis)).toBe(expectedMaxmemory("cache.m5.large"));
      expect(await redis.dbsize()).toBe(100);
      expect(await redis.get("key:99")).toBe("99");
    }
    // In order: each replica scaled, then the failover, then the old primary scaled.
    const events = (await client.send(new DescribeEventsCommand({ MaxRecords: 100 }))).Events!.map((e) => `${e.SourceIdentifier}: ${e.Message}`);
    const at = (line: string) => {
      expect(events).toContain(line);
      return events.indexOf(line);
    };
    const failover = at(`grow: Failover from master node ${oldPrimary} to replica node ${newPrimary} completed`);
    const replicas = done.MemberClusters!.filter((id) => id !== oldPrimary);
    for (const replica of replicas) expect(at(`${replica}: Finished modifying cache cluster`)).toBeLessThan(failover);
    expect(at(`${oldPrimary}: Finished modifying cache cluster`)).toBeGreaterThan(failover);
    // Writes go on through the primary endpoint, to the new primary.
    await writer.set("after", "scaling");
    expect(await redisClients.connect(done.NodeGroups![0].PrimaryEndpoint!).get("after")).toBe("scaling");
  });

  it("keeps a change without ApplyImmediately in the members' PendingModifiedValues; the engines keep their memory", async () => {
    const modified = await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "grow", CacheNodeType: "cache.r6g.large", ApplyImmediately: false }));
    expect(modified.ReplicationGroup).toMatchObject({ Status: "available", CacheNodeType: "cache.m5.large" });
    const group = await describeReplicationGroup(client, "grow");
    for (const member of await memberEndpoints(group.MemberClusters!)) {
      expect(member.cluster).toMatchObject({ CacheNodeType: "cache.m5.large", PendingModifiedValues: { CacheNodeType: "cache.r6g.large" } });
      expect(await infoMaxmemory(redisClients.connect(member.endpoint))).toBe(expectedMaxmemory("cache.m5.large"));
    }
    // ApplyImmediately on a later request applies what waits.
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "grow", ApplyImmediately: true, SnapshotRetentionLimit: 1 }));
    const done = await waitForReplicationGroup(client, "grow", (g) => g.Status === "available" && g.CacheNodeType === "cache.r6g.large");
    for (const member of await memberEndpoints(done.MemberClusters!)) {
      expect(member.cluster.PendingModifiedValues ?? {}).toEqual({});
      const redis = redisClients.connect(member.endpoint);
      expect(await infoMaxmemory(redis)).toBe(expectedMaxmemory("cache.r6g.large"));
      expect(await redis.dbsize()).toBe(101);
    }
  });
});
