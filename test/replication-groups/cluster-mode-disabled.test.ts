/**
 * Replication groups with cluster mode disabled: real replication behind AWS's endpoint
 * fields, TestFailover, and automatic failover when the primary's engine dies.
 */
import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  TestFailoverCommand,
  waitUntilReplicationGroupAvailable,
  waitUntilReplicationGroupDeleted,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { RedisClients } from "../helpers/redis-clients.js";
import { expectAwsError } from "../helpers/errors.js";
import { describeReplicationGroup, waitFor, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const redisClients = new RedisClients();
const connect = (endpoint: { Address?: string; Port?: number }) => redisClients.connect(endpoint);

/** Probes an engine until `ok` holds; a failing probe (a node restarting, a failover) counts as not yet. */
function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T | undefined> {
  return waitFor(() => probe().catch(() => undefined), (v) => v !== undefined && ok(v), { timeoutMs });
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterAll(async () => {
  redisClients.disconnectAll();
  await emulator?.stop();
});

describe("a primary with two replicas", () => {
  it("is created with AWS's member ids, endpoints and roles (SDK waiter)", async () => {
    const created = await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "shop",
        ReplicationGroupDescription: "shop cache",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 3,
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
      }),
    );
    expect(created.ReplicationGroup?.Status).toBe("creating");
    expect(created.ReplicationGroup?.MemberClusters).toEqual(["shop-001", "shop-002", "shop-003"]);
    const waited = await waitUntilReplicationGroupAvailable({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { ReplicationGroupId: "shop" });
    expect(waited.state).toBe("SUCCESS");

    const group = await describeReplicationGroup(client, "shop");
    expect(group.ClusterEnabled).toBe(false);
    expect(group.AutomaticFailover).toBe("enabled");
    expect(group.MultiAZ).toBe("enabled");
    expect(group.ConfigurationEndpoint).toBeUndefined();
    expect(group.NodeGroups).toHaveLength(1);
    const ng = group.NodeGroups![0];
    expect(ng.NodeGroupId).toBe("0001");
    expect(ng.PrimaryEndpoint?.Address).toBe("127.0.0.1");
    expect(ng.ReaderEndpoint?.Address).toBe("127.0.0.1");
    expect(ng.NodeGroupMembers!.map((m) => [m.CacheClusterId, m.CurrentRole])).toEqual([
      ["shop-001", "primary"],
      ["shop-002", "replica"],
      ["shop-003", "replica"],
    ]);
    const members = await client.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: true }));
    expect(members.CacheClusters!.map((c) => [c.CacheClusterId, c.ReplicationGroupId])).toEqual([
      ["shop-001", "shop"],
      ["shop-002", "shop"],
      ["shop-003", "shop"],
    ]);
  });

  it("replicates writes through the primary endpoint to every replica and the reader endpoint", async () => {
    const group = await describeReplicationGroup(client, "shop");
    const ng = group.NodeGroups![0];
    const primary = connect(ng.PrimaryEndpoint!);
    for (let i = 0; i < 100; i++) await primary.set(`item:${i}`, String(i));
    for (const member of ng.NodeGroupMembers!.filter((m) => m.CurrentRole === "replica")) {
      const replica = connect(member.ReadEndpoint!);
      expect(await until(() => replica.get("item:99"), (v) => v === "99")).toBe("99");
      await expect(replica.set("x", "1")).rejects.toThrow(/READONLY/);
    }
    const reader = connect(ng.ReaderEndpoint!);
    expect(await until(() => reader.get("item:42"), (v) => v === "42")).toBe("42");
    await expect(reader.set("x", "1")).rejects.toThrow(/READONLY/);
  });

  it("moves the primary on TestFailover; the primary endpoint keeps taking writes and data survives", async () => {
    const before = await describeReplicationGroup(client, "shop");
    const primaryEndpoint = before.NodeGroups![0].PrimaryEndpoint!;
    const writer = connect(primaryEndpoint);
    await writer.set("before-failover", "kept");

    const out = await client.send(new TestFailoverCommand({ ReplicationGroupId: "shop", NodeGroupId: "0001" }));
    expect(out.ReplicationGroup?.Status).toBe("modifying");
    const after = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    const roles = after.NodeGroups![0].NodeGroupMembers!;
    const newPrimary = roles.find((m) => m.CurrentRole === "primary")!;
    expect(newPrimary.CacheClusterId).not.toBe("shop-001");
    expect(roles.find((m) => m.CacheClusterId === "shop-001")!.CurrentRole).toBe("replica");
    expect(after.NodeGroups![0].PrimaryEndpoint).toEqual(primaryEndpoint);

    const fresh = connect(primaryEndpoint);
    expect(await fresh.get("before-failover")).toBe("kept");
    await fresh.set("after-failover", "yes");
    const direct = connect(newPrimary.ReadEndpoint!);
    expect(await direct.get("after-failover")).toBe("yes");
    const events = await client.send(new DescribeEventsCommand({ SourceType: "replication-group", SourceIdentifier: "shop" }));
    expect(events.Events!.map((e) => e.Message)).toContain("Test Failover API called for node group 0001");
  });

  it("fails over automatically when the primary's engine is killed, and replaces the dead node", async () => {
    const before = await describeReplicationGroup(client, "shop");
    const ng = before.NodeGroups![0];
    const oldPrimary = ng.NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!;
    const direct = connect(oldPrimary.ReadEndpoint!);
    await direct.set("survivor", "1");
    const pid = Number(/process_id:(\d+)/.exec(await direct.info("server"))![1]);
    direct.disconnect();
    process.kill(pid, "SIGKILL"); // the engine this test's emulator started

    const writer = connect(ng.PrimaryEndpoint!);
    expect(await until(() => writer.set("written-after-kill", "1"), (v) => v === "OK")).toBe("OK");
    expect(await writer.get("survivor")).toBe("1");

    const after = await waitForReplicationGroup(client, "shop", (g) =>
      g.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === oldPrimary.CacheClusterId)?.CurrentRole === "replica",
    );
    const replaced = connect(after.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === oldPrimary.CacheClusterId)!.ReadEndpoint!);
    expect(await until(() => replaced.get("written-after-kill"), (v) => v === "1")).toBe("1");
  });
});

describe("ModifyReplicationGroup", () => {
  it("switches the primary to the named member and applies a node type's memory to every member", async () => {
    const { ModifyReplicationGroupCommand } = await import("@aws-sdk/client-elasticache");
    const before = await describeReplicationGroup(client, "shop");
    const target = before.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "replica")!;
    await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: "shop",
        PrimaryClusterId: target.CacheClusterId,
        CacheNodeType: "cache.m5.large",
        ReplicationGroupDescription: "renamed",
        ApplyImmediately: true,
      }),
    );
    const after = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    expect(after.Description).toBe("renamed");
    expect(after.CacheNodeType).toBe("cache.m5.large");
    expect(after.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId).toBe(target.CacheClusterId);
    const primary = connect(after.NodeGroups![0].PrimaryEndpoint!);
    expect(/role:master/.test(await primary.info("replication"))).toBe(true);
    for (const member of after.NodeGroups![0].NodeGroupMembers!) {
      const node = connect(member.ReadEndpoint!);
      expect(Number(/maxmemory:(\d+)/.exec(await node.info("memory"))![1])).toBe(Math.round(6.38 * 1024 ** 3));
    }
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "shop", AutomaticFailoverEnabled: false, MultiAZEnabled: true })),
      "InvalidParameterCombination",
      400,
    );
  });
});

describe("replica count", () => {
  it("adds replicas that replicate and serve reads, then removes them", async () => {
    const { IncreaseReplicaCountCommand, DecreaseReplicaCountCommand } = await import("@aws-sdk/client-elasticache");
    const out = await client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: "shop", NewReplicaCount: 3, ApplyImmediately: true }));
    expect(out.ReplicationGroup?.Status).toBe("modifying");
    const grown = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    const members = grown.NodeGroups![0].NodeGroupMembers!;
    expect(members).toHaveLength(4);
    expect(grown.MemberClusters).toContain("shop-004");
    const primary = connect(grown.NodeGroups![0].PrimaryEndpoint!);
    await primary.set("for-new-replica", "seen");
    const added = connect(members.find((m) => m.CacheClusterId === "shop-004")!.ReadEndpoint!);
    expect(await until(() => added.get("for-new-replica"), (v) => v === "seen")).toBe("seen");

    await expectAwsError(
      client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: "shop", NewReplicaCount: 3, ApplyImmediately: true })),
      "NoOperationFault",
      400,
    );
    await expectAwsError(
      client.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: "shop", NewReplicaCount: 0, ApplyImmediately: true })),
      "InvalidParameterValue",
      400,
      /automatic failover/,
    );
    await client.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: "shop", ReplicasToRemove: ["shop-004"], ApplyImmediately: true }));
    const shrunk = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    expect(shrunk.MemberClusters).not.toContain("shop-004");
    await expectAwsError(client.send(new DescribeCacheClustersCommand({ CacheClusterId: "shop-004" })), "CacheClusterNotFound", 404);
  });
});

describe("members through the cache cluster API", () => {
  it("CreateCacheCluster with ReplicationGroupId adds a replica; DeleteCacheCluster follows AWS's rules", async () => {
    const { CreateCacheClusterCommand, DeleteCacheClusterCommand } = await import("@aws-sdk/client-elasticache");
    const created = await client.send(new CreateCacheClusterCommand({ CacheClusterId: "shop-extra", ReplicationGroupId: "shop" }));
    expect(created.CacheCluster?.ReplicationGroupId).toBe("shop");
    const grown = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    const extra = grown.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === "shop-extra")!;
    expect(extra.CurrentRole).toBe("replica");
    const primary = connect(grown.NodeGroups![0].PrimaryEndpoint!);
    await primary.set("to-extra", "1");
    const node = connect(extra.ReadEndpoint!);
    expect(await until(() => node.get("to-extra"), (v) => v === "1")).toBe("1");

    const primaryId = grown.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId!;
    await expectAwsError(client.send(new DeleteCacheClusterCommand({ CacheClusterId: primaryId })), "InvalidCacheClusterState", 400, /primary/);
    const deleted = await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "shop-extra" }));
    expect(deleted.CacheCluster?.CacheClusterStatus).toBe("deleting");
    const shrunk = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available" && !g.MemberClusters!.includes("shop-extra"));
    expect(shrunk.NodeGroups![0].NodeGroupMembers!.some((m) => m.CacheClusterId === "shop-extra")).toBe(false);
  });
});

describe("replication group errors", () => {
  it("answers AWS's errors", async () => {
    await expectAwsError(client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: "nope" })), "ReplicationGroupNotFoundFault", 404);
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "shop", ReplicationGroupDescription: "dup", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2 })),
      "ReplicationGroupAlreadyExists",
      400,
    );
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "solo", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumCacheClusters: 1, AutomaticFailoverEnabled: true })),
      "InvalidParameterCombination",
      400,
      /at least 2 cache clusters/,
    );
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "mem", ReplicationGroupDescription: "x", Engine: "memcached", CacheNodeType: "cache.t3.micro" })),
      "InvalidParameterValue",
      400,
    );
    await expectAwsError(client.send(new TestFailoverCommand({ ReplicationGroupId: "shop", NodeGroupId: "0009" })), "NodeGroupNotFoundFault", 404);
  });
});

describe("deleting", () => {
  it("removes the group, its members and endpoints (SDK waiter)", async () => {
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "shop" }));
    const waited = await waitUntilReplicationGroupDeleted({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { ReplicationGroupId: "shop" });
    expect(waited.state).toBe("SUCCESS");
    const left = await client.send(new DescribeCacheClustersCommand({}));
    expect(left.CacheClusters).toEqual([]);
  });
});
