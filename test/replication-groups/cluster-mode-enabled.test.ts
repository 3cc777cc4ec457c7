/**
 * Replication groups with cluster mode enabled: a real Redis Cluster behind the
 * ConfigurationEndpoint, AWS's shard fields, failover per shard.
 */
import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  TestFailoverCommand,
  waitUntilReplicationGroupAvailable,
  waitUntilReplicationGroupDeleted,
  type ElastiCacheClient,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";
import Redis, { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { describeReplicationGroup, eventually, waitFor, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const connections: Array<Redis | Cluster> = [];
const KEYS = 10_000;

function clusterClient(group: ReplicationGroup): Cluster {
  const { Address, Port } = group.ConfigurationEndpoint!;
  const cluster = new Cluster([{ host: Address!, port: Port! }], { redisOptions: { maxRetriesPerRequest: 5 }, clusterRetryStrategy: () => 50 });
  cluster.on("error", () => undefined);
  connections.push(cluster);
  return cluster;
}

async function readAll(cluster: Cluster, from = 0, to = KEYS): Promise<number> {
  let found = 0;
  for (let i = from; i < to; i += 500) {
    const keys = Array.from({ length: Math.min(500, to - i) }, (_, j) => `key:${i + j}`);
    const values = await Promise.all(keys.map((k) => cluster.get(k)));
    found += values.filter((v, j) => v === keys[j]).length;
  }
  return found;
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterAll(async () => {
  for (const c of connections) c.disconnect();
  await emulator?.stop();
});

describe("3 shards with a replica each", () => {
  it("is created with AWS's shard fields and a ConfigurationEndpoint (SDK waiter)", async () => {
    const created = await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "sessions",
        ReplicationGroupDescription: "sharded",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumNodeGroups: 3,
        ReplicasPerNodeGroup: 1,
      }),
    );
    expect(created.ReplicationGroup?.MemberClusters).toEqual([
      "sessions-0001-001",
      "sessions-0001-002",
      "sessions-0002-001",
      "sessions-0002-002",
      "sessions-0003-001",
      "sessions-0003-002",
    ]);
    const waited = await waitUntilReplicationGroupAvailable({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { ReplicationGroupId: "sessions" });
    expect(waited.state).toBe("SUCCESS");
    const group = await describeReplicationGroup(client, "sessions");
    expect(group.ClusterEnabled).toBe(true);
    expect(group.ClusterMode).toBe("enabled");
    expect(group.AutomaticFailover).toBe("enabled");
    expect(group.ConfigurationEndpoint?.Address).toBe("127.0.0.1");
    expect(group.NodeGroups!.map((ng) => [ng.NodeGroupId, ng.Slots])).toEqual([
      ["0001", "0-5460"],
      ["0002", "5461-10922"],
      ["0003", "10923-16383"],
    ]);
    for (const ng of group.NodeGroups!) {
      expect(ng.PrimaryEndpoint).toBeUndefined();
      expect(ng.NodeGroupMembers!.every((m) => m.ReadEndpoint === undefined && m.CurrentRole === undefined)).toBe(true);
    }
  });

  it("serves 10,000 keys across slots to a cluster client through the ConfigurationEndpoint", async () => {
    const cluster = clusterClient(await describeReplicationGroup(client, "sessions"));
    for (let i = 0; i < KEYS; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => cluster.set(`key:${i + j}`, `key:${i + j}`)));
    }
    expect(await readAll(cluster)).toBe(KEYS);
    const slots = (await cluster.cluster("SLOTS")) as Array<[number, number, [string, number]]>;
    expect(slots.every(([, , [host]]) => host === "127.0.0.1")).toBe(true);
    expect(slots).toHaveLength(3);
  });

  it("fails over a shard on TestFailover and keeps every key", async () => {
    const out = await client.send(new TestFailoverCommand({ ReplicationGroupId: "sessions", NodeGroupId: "0002" }));
    expect(out.ReplicationGroup?.Status).toBe("modifying");
    await waitForReplicationGroup(client, "sessions", (g) => g.Status === "available");
    const cluster = clusterClient(await describeReplicationGroup(client, "sessions"));
    expect(await readAll(cluster)).toBe(KEYS);
    await cluster.set("after-test-failover", "1");
    expect(await cluster.get("after-test-failover")).toBe("1");
  });

  it("fails over automatically when a shard primary is killed, and keeps every key", async () => {
    const cluster = clusterClient(await describeReplicationGroup(client, "sessions"));
    await cluster.set("warm-up", "1"); // the client knows the nodes once it has loaded the slots
    const nodes = cluster.nodes("master");
    const victim = nodes[0];
    const pid = Number(/process_id:(\d+)/.exec(String(await victim.info("server")))![1]);
    process.kill(pid, "SIGKILL"); // an engine this test's emulator started
    await eventually(() => cluster.set("after-kill", "1").then(() => true, () => false), {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: "a write to succeed after the primary's kill",
    });
    await waitForReplicationGroup(client, "sessions", (g) => g.Status === "available");
    const fresh = clusterClient(await describeReplicationGroup(client, "sessions"));
    await waitFor(() => readAll(fresh).catch(() => 0), (count) => count === KEYS, { intervalMs: 100, what: `all ${KEYS} keys to be readable` });
    // The dead node is replaced by a fresh replica of the new primary.
    const { DescribeEventsCommand } = await import("@aws-sdk/client-elasticache");
    const recovered = async () =>
      (await client.send(new DescribeEventsCommand({ SourceType: "cache-cluster", Duration: 60 }))).Events!.some((e) =>
        e.Message?.startsWith("Finished recovery for cache nodes"),
      );
    await eventually(recovered, { timeoutMs: 30_000, intervalMs: 50, what: "the dead node's recovery event" });
    const healed = clusterClient(await describeReplicationGroup(client, "sessions"));
    await healed.set("warm-up", "1");
    expect(healed.nodes("slave")).toHaveLength(3);
  });
});

describe("scaling", () => {
  it("reshards 3 -> 4 -> 2 node groups with live slot migration that keeps every key", async () => {
    const { ModifyReplicationGroupShardConfigurationCommand } = await import("@aws-sdk/client-elasticache");
    const up = await client.send(
      new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: "sessions", NodeGroupCount: 4, ApplyImmediately: true }),
    );
    expect(up.ReplicationGroup?.Status).toBe("modifying");
    const four = await waitForReplicationGroup(client, "sessions", (g) => g.Status === "available");
    expect(four.NodeGroups!.map((ng) => ng.NodeGroupId)).toEqual(["0001", "0002", "0003", "0004"]);
    expect(four.NodeGroups!.every((ng) => ng.Slots && ng.NodeGroupMembers!.length === 2)).toBe(true);
    expect(await readAll(clusterClient(four))).toBe(KEYS);

    const down = await client.send(
      new ModifyReplicationGroupShardConfigurationCommand({
        ReplicationGroupId: "sessions",
        NodeGroupCount: 2,
        NodeGroupsToRemove: ["0001", "0003"],
        ApplyImmediately: true,
      }),
    );
    expect(down.ReplicationGroup?.Status).toBe("modifying");
    const two = await waitForReplicationGroup(client, "sessions", (g) => g.Status === "available");
    expect(two.NodeGroups!.map((ng) => ng.NodeGroupId)).toEqual(["0002", "0004"]);
    expect(two.MemberClusters).toEqual(["sessions-0002-001", "sessions-0002-002", "sessions-0004-001", "sessions-0004-002"]);
    const cluster = clusterClient(two);
    expect(await readAll(cluster)).toBe(KEYS);
    const slots = (await cluster.cluster("SLOTS")) as Array<[number, number]>;
    expect(slots.reduce((n, [a, b]) => n + b - a + 1, 0)).toBe(16384);
  });

  it("changes the replica count of every shard", async () => {
    const { IncreaseReplicaCountCommand, DecreaseReplicaCountCommand } = await import("@aws-sdk/client-elasticache");
    await client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: "sessions", NewReplicaCount: 2, ApplyImmediately: true }));
    const grown = await waitForReplicationGroup(client, "sessions", (g) => g.Status === "available");
    expect(grown.NodeGroups!.map((ng) => ng.NodeGroupMembers!.length)).toEqual([3, 3]);
    const cluster = clusterClient(grown);
    await cluster.set("warm-up", "1");
    const replicas = cluster.nodes("slave");
    expect(replicas).toHaveLength(4);
    await client.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: "sessions", NewReplicaCount: 1, ApplyImmediately: true }));
    const shrunk = await waitForReplicationGroup(client, "sessions", (g) => g.Status === "available");
    expect(shrunk.NodeGroups!.map((ng) => ng.NodeGroupMembers!.length)).toEqual([2, 2]);
    expect(await readAll(clusterClient(shrunk))).toBe(KEYS);
  });
});

describe("cluster mode errors", () => {
  it("refuses what AWS refuses", async () => {
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "bad", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumNodeGroups: 2, AutomaticFailoverEnabled: false })),
      "InvalidParameterValue",
      400,
      /^Redis with cluster mode enabled cannot be created with auto failover turned off\.$/,
    );
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: "bad",
          ReplicationGroupDescription: "x",
          CacheNodeType: "cache.t3.micro",
          NumNodeGroups: 2,
          NodeGroupConfiguration: [{ Slots: "0-100" }, { Slots: "101-200" }],
        }),
      ),
      "InvalidParameterValue",
      400,
      /cover every hash slot/,
    );
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "bad", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumNodeGroups: 2, ClusterMode: "disabled" })),
      "InvalidParameterCombination",
      400,
    );
  });

  it("is deleted with every node", async () => {
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "sessions" }));
    const waited = await waitUntilReplicationGroupDeleted({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { ReplicationGroupId: "sessions" });
    expect(waited.state).toBe("SUCCESS");
  });
});
