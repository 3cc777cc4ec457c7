/**
 * Maintenance windows on a compressed clock (`clockScale`: a week passes in six seconds):
 * changes made with ApplyImmediately=false wait in PendingModifiedValues and are applied
 * when the resource's PreferredMaintenanceWindow opens, with AWS's events; a service update
 * past its recommended apply-by date with auto-update on is rolled through the nodes there.
 */
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeServiceUpdatesCommand,
  DescribeUpdateActionsCommand,
  ModifyCacheClusterCommand,
  ModifyReplicationGroupCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { describeReplicationGroup, waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";

/** A week of the emulator's calendar in six seconds. */
const CLOCK_SCALE = 100_800;
let emulator: Emulator;
let client: ElastiCacheClient;

beforeAll(async () => {
  emulator = await startEmulator({ clockScale: CLOCK_SCALE });
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

async function maxmemory(endpoint: { Address?: string; Port?: number }): Promise<number> {
  const redis = new Redis(endpoint.Port!, endpoint.Address!);
  try {
    return Number(/maxmemory:(\d+)/.exec(await redis.info("memory"))![1]);
  } finally {
    redis.disconnect();
  }
}

describe("a standalone cluster", () => {
  it("takes a pending node type in its window, and the due automatic update with it", async () => {
    await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: "weekly", Engine: "redis", CacheNodeType: "cache.t3.micro", PreferredMaintenanceWindow: "wed:03:00-wed:04:00" }),
    );
    const created = await waitForCluster(client, "weekly", "available");
    const endpoint = created.CacheNodes![0].Endpoint!;
    const memoryBefore = await maxmemory(endpoint);

    const modified = await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "weekly", CacheNodeType: "cache.t3.small", ApplyImmediately: false }));
    expect(modified.CacheCluster!.CacheNodeType).toBe("cache.t3.micro");
    expect(modified.CacheCluster!.PendingModifiedValues).toEqual({ CacheNodeType: "cache.t3.small" });

    const applied = await waitFor(
      async () => (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: "weekly", ShowCacheNodeInfo: true }))).CacheClusters![0],
      (c) => c.CacheNodeType === "cache.t3.small" && c.CacheClusterStatus === "available",
      { what: "the pending node type applied in the window" },
    );
    expect(applied.PendingModifiedValues ?? {}).toEqual({});
    expect(await maxmemory(endpoint)).toBeGreaterThan(memoryBefore);
    const { Events = [] } = await client.send(new DescribeEventsCommand({ SourceType: "cache-cluster", SourceIdentifier: "weekly" }));
    expect(Events.map((e) => e.Message)).toContain("Finished modifying cache cluster");

    // The critical update is past its recommended apply-by date with auto-update on: the window applied it too.
    const { ServiceUpdates = [] } = await client.send(new DescribeServiceUpdatesCommand({ ServiceUpdateStatus: ["available"] }));
    const auto = ServiceUpdates.find((u) => u.AutoUpdateAfterRecommendedApplyByDate && u.Engine!.includes("redis"))!;
    const action = await waitFor(
      async () =>
        (await client.send(new DescribeUpdateActionsCommand({ ServiceUpdateName: auto.ServiceUpdateName, CacheClusterIds: ["weekly"], ShowNodeLevelUpdateStatus: true })))
          .UpdateActions![0],
      (a) => a.UpdateActionStatus === "complete",
      { what: "the automatic update complete" },
    );
    expect(action.NodesUpdated).toBe("1/1");
    // Created after the update's recommended apply-by date: AWS says n/a.
    expect(action.SlaMet).toBe("n/a");
    expect(action.CacheNodeUpdateStatus![0].NodeUpdateInitiatedBy).toBe("system");
    // The window is on the emulator's clock: the update started on a Wednesday, once the window opened at 03:00 UTC.
    const started = action.CacheNodeUpdateStatus![0].NodeUpdateStartDate!;
    expect(started.getUTCDay()).toBe(3);
    expect(started.getUTCHours()).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

describe("a replication group", () => {
  it("shows a pending engine version on its members and takes it in its window", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "pending",
        ReplicationGroupDescription: "x",
        CacheNodeType: "cache.t3.micro",
        EngineVersion: "7.0",
        NumCacheClusters: 2,
        PreferredMaintenanceWindow: "fri:22:00-fri:23:30",
      }),
    );
    await waitForReplicationGroup(client, "pending", (g) => g.Status === "available");
    const out = await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "pending", EngineVersion: "7.1", ApplyImmediately: false }));
    expect(out.ReplicationGroup!.Status).toBe("available");
    const member = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: "pending-001" }))).CacheClusters![0];
    expect(member.EngineVersion).toBe("7.0");
    expect(member.PendingModifiedValues).toEqual({ EngineVersion: "7.1" });

    await waitFor(
      async () => (await client.send(new DescribeCacheClustersCommand({ ReplicationGroupId: "pending" } as never))).CacheClusters!.filter((c) => c.ReplicationGroupId === "pending"),
      (members) => members.length === 2 && members.every((c) => c.EngineVersion === "7.1" && c.CacheClusterStatus === "available"),
      { what: "the members on 7.1" },
    );
    const group = await waitForReplicationGroup(client, "pending", (g) => g.Status === "available");
    expect(group.ReplicationGroupId).toBe("pending");
    const members = (await client.send(new DescribeCacheClustersCommand({}))).CacheClusters!.filter((c) => c.ReplicationGroupId === "pending");
    expect(members.every((c) => Object.keys(c.PendingModifiedValues ?? {}).length === 0)).toBe(true);
    const { Events = [] } = await client.send(new DescribeEventsCommand({ SourceType: "replication-group", SourceIdentifier: "pending" }));
    expect(Events.map((e) => e.Message)).toContain("Modified replication group");
    expect((await describeReplicationGroup(client, "pending")).Status).toBe("available");

    // The due automatic update rolls through both members in a window too.
    const { ServiceUpdates = [] } = await client.send(new DescribeServiceUpdatesCommand({ ServiceUpdateStatus: ["available"] }));
    const auto = ServiceUpdates.find((u) => u.AutoUpdateAfterRecommendedApplyByDate && u.Engine!.includes("redis"))!;
    const action = await waitFor(
      async () => (await client.send(new DescribeUpdateActionsCommand({ ServiceUpdateName: auto.ServiceUpdateName, ReplicationGroupIds: ["pending"] }))).UpdateActions![0],
      (a) => a.UpdateActionStatus === "complete",
      { what: "the automatic update complete on the group" },
    );
    expect(action.NodesUpdated).toBe("2/2");
  }, 60_000);
});
