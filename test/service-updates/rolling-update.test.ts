/**
 * BatchApplyUpdateAction rolls a service update through a group's nodes while an application
 * keeps writing: replicas first, the primary by a planned failover, every acknowledged write
 * kept; BatchStopUpdateAction stops between nodes, and applying again finishes the roll.
 */
import {
  BatchApplyUpdateActionCommand,
  BatchStopUpdateActionCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DescribeEventsCommand,
  DescribeServiceUpdatesCommand,
  DescribeUpdateActionsCommand,
  type ElastiCacheClient,
  type UpdateAction,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";
import { clusterClient, missingKeys, primaryClient, startWriteLoad } from "./write-load.js";

let emulator: Emulator;
let client: ElastiCacheClient;
/** The available Redis/Valkey update that is not applied automatically. */
let redisUpdate: string;
let memcachedUpdate: string;

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  const { ServiceUpdates = [] } = await client.send(new DescribeServiceUpdatesCommand({ ServiceUpdateStatus: ["available"] }));
  redisUpdate = ServiceUpdates.find((u) => u.Engine!.includes("redis") && !u.AutoUpdateAfterRecommendedApplyByDate)!.ServiceUpdateName!;
  memcachedUpdate = ServiceUpdates.find((u) => u.Engine === "memcached")!.ServiceUpdateName!;
});
afterAll(async () => {
  await emulator?.stop();
});

async function action(update: string, ids: { group?: string; cluster?: string }): Promise<UpdateAction> {
  const { UpdateActions = [] } = await client.send(
    new DescribeUpdateActionsCommand({
      ServiceUpdateName: update,
      ReplicationGroupIds: ids.group ? [ids.group] : undefined,
      CacheClusterIds: ids.cluster ? [ids.cluster] : undefined,
      ShowNodeLevelUpdateStatus: true,
    }),
  );
  expect(UpdateActions).toHaveLength(1);
  return UpdateActions[0];
}

function waitForAction(update: string, ids: { group?: string; cluster?: string }, status: string): Promise<UpdateAction> {
  return waitFor(() => action(update, ids), (a) => a.UpdateActionStatus === status, { timeoutMs: 60_000, what: `update action ${status}` });
}

describe("a 1-shard x 1-replica group under a write load", () => {
  it("rolls the replica, then the primary by a failover, keeping every acknowledged write", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "roll",
        ReplicationGroupDescription: "x",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
      }),
    );
    const group = await waitForReplicationGroup(client, "roll", (g) => g.Status === "available");
    const primaryBefore = group.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId!;
    const before = await action(redisUpdate, { group: "roll" });
    expect(before).toMatchObject({ UpdateActionStatus: "not-applied", NodesUpdated: "0/2", Engine: "redis" });

    const runIds = () =>
      Promise.all(
        group.NodeGroups![0].NodeGroupMembers!.map(async (m) => {
          const node = primaryClient(m.ReadEndpoint!);
          const info = await node.info("server");
          node.disconnect();
          return /run_id:(\w+)/.exec(info)![1];
        }),
      );
    const runIdsBefore = await runIds();
    const redis = primaryClient(group.NodeGroups![0].PrimaryEndpoint!);
    const load = startWriteLoad(redis, "roll");
    try {
      await waitFor(async () => load.acked.length, (n) => n >= 50);
      const applied = await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: redisUpdate, ReplicationGroupIds: ["roll"] }));
      expect(applied.ProcessedUpdateActions).toEqual([{ ReplicationGroupId: "roll", ServiceUpdateName: redisUpdate, UpdateActionStatus: "waiting-to-start" }]);
      expect(applied.UnprocessedUpdateActions).toEqual([]);
      const done = await waitForAction(redisUpdate, { group: "roll" }, "complete");
      const ackedDuringRoll = load.acked.length;
      await waitFor(async () => load.acked.length, (n) => n >= ackedDuringRoll + 50);
      await load.stop();

      expect(done.NodesUpdated).toBe("2/2");
      const members = done.NodeGroupUpdateStatus![0].NodeGroupMemberUpdateStatus!;
      expect(members.map((m) => m.NodeUpdateStatus)).toEqual(["complete", "complete"]);
      expect(members.every((m) => m.NodeUpdateInitiatedBy === "customer" && m.NodeUpdateEndDate! >= m.NodeUpdateStartDate!)).toBe(true);
      // The replica restarted first: the primary's node started after it ended.
      const primaryNode = members.find((m) => m.CacheClusterId === primaryBefore)!;
      const replicaNode = members.find((m) => m.CacheClusterId !== primaryBefore)!;
      expect(primaryNode.NodeUpdateStartDate!.getTime()).toBeGreaterThanOrEqual(replicaNode.NodeUpdateEndDate!.getTime());

      const after = await waitForReplicationGroup(client, "roll", (g) => g.Status === "available");
      const primaryAfter = after.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId;
      expect(primaryAfter).not.toBe(primaryBefore);
      const { Events = [] } = await client.send(new DescribeEventsCommand({ SourceType: "replication-group", SourceIdentifier: "roll" }));
      expect(Events.map((e) => e.Message)).toContain(`Failover from master node ${primaryBefore} to replica node ${primaryAfter} completed`);
      expect(Events.map((e) => e.Message)).toContain(`Service update ${redisUpdate} completed on replication group roll`);

      expect(await missingKeys(redis, load.acked)).toEqual([]);
      // Through the failover too, every write succeeded within the client's own retries.
      expect(load.failed).toBe(0);
      // Every node's engine is a new process (restarted), on the same endpoint.
      const runIdsAfter = await runIds();
      runIdsAfter.forEach((id, i) => expect(id).not.toBe(runIdsBefore[i]));
    } finally {
      await load.stop();
      redis.disconnect();
    }
  }, 120_000);
});

describe("a 2-shard x 1-replica cluster mode group", () => {
  it("stops between nodes, then applying again finishes the roll with the data kept", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "shards",
        ReplicationGroupDescription: "x",
        CacheNodeType: "cache.t3.micro",
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 1,
      }),
    );
    const group = await waitForReplicationGroup(client, "shards", (g) => g.Status === "available");
    const cluster = clusterClient(group.ConfigurationEndpoint!);
    const load = startWriteLoad(cluster, "shards");
    try {
      await waitFor(async () => load.acked.length, (n) => n >= 50);
      await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: redisUpdate, ReplicationGroupIds: ["shards"] }));
      const stop = await client.send(new BatchStopUpdateActionCommand({ ServiceUpdateName: redisUpdate, ReplicationGroupIds: ["shards"] }));
      expect(stop.ProcessedUpdateActions).toEqual([{ ReplicationGroupId: "shards", ServiceUpdateName: redisUpdate, UpdateActionStatus: "stopping" }]);

      const stopped = await waitForAction(redisUpdate, { group: "shards" }, "stopped");
      const [updated, total] = stopped.NodesUpdated!.split("/").map(Number);
      expect(total).toBe(4);
      // The node in progress when the stop came finished; the others were not touched.
      expect(updated).toBeGreaterThanOrEqual(1);
      expect(updated).toBeLessThan(4);
      const nodes = stopped.NodeGroupUpdateStatus!.flatMap((g) => g.NodeGroupMemberUpdateStatus!);
      expect(stopped.NodeGroupUpdateStatus!.map((g) => g.NodeGroupId)).toEqual(["0001", "0002"]);
      expect(nodes.filter((n) => n.NodeUpdateStatus === "complete")).toHaveLength(updated);
      expect(nodes.filter((n) => n.NodeUpdateStatus === "stopped")).toHaveLength(4 - updated);

      const again = await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: redisUpdate, ReplicationGroupIds: ["shards"] }));
      expect(again.ProcessedUpdateActions![0].UpdateActionStatus).toBe("waiting-to-start");
      const done = await waitForAction(redisUpdate, { group: "shards" }, "complete");
      expect(done.NodesUpdated).toBe("4/4");
      await waitFor(async () => load.acked.length, (n) => n >= 100);
      await load.stop();
      expect(await missingKeys(cluster, load.acked)).toEqual([]);
      expect(load.failed).toBe(0);

      // Complete: applying once more is refused for this resource, not for the request.
      const third = await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: redisUpdate, ReplicationGroupIds: ["shards"] }));
      expect(third.ProcessedUpdateActions).toEqual([]);
      expect(third.UnprocessedUpdateActions![0]).toMatchObject({ ReplicationGroupId: "shards", ErrorType: "InvalidParameterValue" });
    } finally {
      await load.stop();
      cluster.disconnect();
    }
  }, 180_000);
});

describe("a group without automatic failover", () => {
  it("restarts its primary in place after the replica, keeping the data and the primary", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "inplace",
        ReplicationGroupDescription: "x",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: false,
      }),
    );
    const group = await waitForReplicationGroup(client, "inplace", (g) => g.Status === "available");
    const redis = primaryClient(group.NodeGroups![0].PrimaryEndpoint!);
    try {
      const keys = Array.from({ length: 200 }, (_, i) => `inplace:${i}`);
      for (const key of keys) await redis.set(key, key.slice(key.indexOf(":") + 1));
      await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: redisUpdate, ReplicationGroupIds: ["inplace"] }));
      const done = await waitForAction(redisUpdate, { group: "inplace" }, "complete");
      expect(done.NodesUpdated).toBe("2/2");
      const after = await waitForReplicationGroup(client, "inplace", (g) => g.Status === "available");
      expect(after.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId).toBe("inplace-001");
      expect(await missingKeys(redis, keys)).toEqual([]);
      // The replica follows the restarted primary again: it has the data too.
      const replica = primaryClient(after.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "replica")!.ReadEndpoint!);
      await waitFor(() => replica.dbsize(), (n) => n === keys.length, { what: "the replica's keys" });
      replica.disconnect();
    } finally {
      redis.disconnect();
    }
  }, 60_000);
});

describe("a Memcached cluster", () => {
  it("restarts each node in turn, with node-level status per cache node", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "mc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
    await waitForCluster(client, "mc", "available");
    const applied = await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: memcachedUpdate, CacheClusterIds: ["mc"] }));
    expect(applied.ProcessedUpdateActions).toEqual([{ CacheClusterId: "mc", ServiceUpdateName: memcachedUpdate, UpdateActionStatus: "waiting-to-start" }]);
    const done = await waitForAction(memcachedUpdate, { cluster: "mc" }, "complete");
    expect(done).toMatchObject({ CacheClusterId: "mc", NodesUpdated: "2/2", Engine: "memcached" });
    expect(done.CacheNodeUpdateStatus!.map((n) => [n.CacheNodeId, n.NodeUpdateStatus])).toEqual([
      ["0001", "complete"],
      ["0002", "complete"],
    ]);
    expect(done.NodeGroupUpdateStatus).toBeUndefined();
    const cluster = await waitForCluster(client, "mc", "available");
    expect(cluster.CacheNodes!.every((n) => n.CacheNodeStatus === "available")).toBe(true);
  }, 60_000);
});
