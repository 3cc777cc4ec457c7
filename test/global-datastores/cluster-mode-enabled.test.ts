/**
 * A cluster mode enabled global datastore: its global node groups, a secondary replicated
 * by the shard relays (every key readable through its configuration endpoint, writes
 * refused), and resharding every member through the global operations without losing a key
 * (ioredis Cluster through the configuration endpoints).
 */
import {
  CreateGlobalReplicationGroupCommand,
  CreateReplicationGroupCommand,
  DecreaseNodeGroupsInGlobalReplicationGroupCommand,
  DescribeGlobalReplicationGroupsCommand,
  FailoverGlobalReplicationGroupCommand,
  IncreaseNodeGroupsInGlobalReplicationGroupCommand,
  RebalanceSlotsInGlobalReplicationGroupCommand,
  type ElastiCacheClient,
  type GlobalReplicationGroup,
} from "@aws-sdk/client-elasticache";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { describeReplicationGroup, waitFor, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let east: ElastiCacheClient;
let west: ElastiCacheClient;
const clusters: Cluster[] = [];
const GID = "ldgnf-sharded";
const KEYS = Array.from({ length: 300 }, (_, i) => `key:${i}`);

beforeAll(async () => {
  emulator = await startEmulator();
  east = sdkClient(emulator, { region: "us-east-1" });
  west = sdkClient(emulator, { region: "us-west-2" });
});
afterAll(async () => {
  for (const c of clusters) c.disconnect();
  await emulator?.stop();
});

async function describeGlobal(): Promise<GlobalReplicationGroup> {
  return (await east.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: GID, ShowMemberInfo: true }))).GlobalReplicationGroups![0];
}

function waitSettled(): Promise<GlobalReplicationGroup> {
  return waitFor(describeGlobal, (g) => g.Status === "available" || g.Status === "primary-only", { timeoutMs: 120_000, what: "the global datastore to settle" });
}

async function cluster(id = "sharded-east", client = east): Promise<Cluster> {
  const group = await describeReplicationGroup(client, id);
  const c = new Cluster([{ host: group.ConfigurationEndpoint!.Address!, port: group.ConfigurationEndpoint!.Port! }], {
    natMap: undefined,
    redisOptions: { maxRetriesPerRequest: 3 },
  });
  c.on("error", () => undefined);
  clusters.push(c);
  return c;
}

async function expectEveryKey(id = "sharded-east", client = east): Promise<void> {
  const c = await cluster(id, client);
  // A secondary syncs asynchronously: its keys arrive shortly after the primary's.
  await waitFor(() => Promise.all(KEYS.map((k) => c.get(k))), (values) => values.every((v, i) => v === `v${i}`), {
    timeoutMs: 30_000,
    what: `every key on ${id}`,
    show: (values) => values.filter((v, i) => v !== `v${i}`).length,
  });
  c.disconnect();
}

describe("a cluster mode enabled global datastore", () => {
  it("shows its global node groups with their slots", async () => {
    await east.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "sharded-east",
        ReplicationGroupDescription: "sharded",
        Engine: "redis",
        CacheNodeType: "cache.r6g.large",
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 0,
      }),
    );
    await waitForReplicationGroup(east, "sharded-east", (g) => g.Status === "available", 120_000);
    const c = await cluster();
    await Promise.all(KEYS.map((k, i) => c.set(k, `v${i}`)));

    await east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: "sharded", PrimaryReplicationGroupId: "sharded-east" }));
    const grg = await waitSettled();
    expect(grg.ClusterEnabled).toBe(true);
    expect(grg.GlobalNodeGroups).toEqual([
      { GlobalNodeGroupId: `${GID}-0001`, Slots: "0-8191" },
      { GlobalNodeGroupId: `${GID}-0002`, Slots: "8192-16383" },
    ]);
  });

  it("refuses what AWS refuses on the node group operations", async () => {
    await expectAwsError(
      east.send(new IncreaseNodeGroupsInGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, NodeGroupCount: 3, ApplyImmediately: false })),
      "InvalidParameterValue",
      400,
      /ApplyImmediately/,
    );
    await expectAwsError(
      east.send(new IncreaseNodeGroupsInGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, NodeGroupCount: 2, ApplyImmediately: true })),
      "InvalidParameterValue",
      400,
      /greater than/,
    );
    await expectAwsError(
      east.send(new DecreaseNodeGroupsInGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, NodeGroupCount: 1, ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(
      east.send(new IncreaseNodeGroupsInGlobalReplicationGroupCommand({ GlobalReplicationGroupId: "ldgnf-none", NodeGroupCount: 3, ApplyImmediately: true })),
      "GlobalReplicationGroupNotFoundFault",
      404,
    );
    await expectAwsError(
      west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "x", ReplicationGroupDescription: "w", GlobalReplicationGroupId: GID, NumCacheClusters: 2 })),
      "InvalidParameterCombination",
      400,
    );
  });

  it("adds a secondary with the primary's shards that serves every key through its configuration endpoint and refuses writes", async () => {
    await west.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "sharded-west", ReplicationGroupDescription: "w", GlobalReplicationGroupId: GID, ReplicasPerNodeGroup: 1 }),
    );
    const grg = await waitSettled();
    expect(grg.Status).toBe("available");
    expect(grg.Members?.map((m) => [m.ReplicationGroupId, m.Role, m.Status])).toEqual([
      ["sharded-east", "PRIMARY", "associated"],
      ["sharded-west", "SECONDARY", "associated"],
    ]);
    const secondary = await describeReplicationGroup(west, "sharded-west");
    expect(secondary.NodeGroups?.map((ng) => ng.Slots)).toEqual(["0-8191", "8192-16383"]);
    expect(secondary.NodeGroups?.map((ng) => ng.NodeGroupMembers?.length)).toEqual([2, 2]);
    // Keys written before the association, then after it.
    await expectEveryKey("sharded-west", west);
    const primary = await cluster();
    await primary.set("after-association", "yes");
    const reader = await cluster("sharded-west", west);
    await waitFor(() => reader.get("after-association"), (v) => v === "yes", { timeoutMs: 15_000 });
    await expect(reader.set("refused", "x")).rejects.toThrow(/NOPERM/);
    expect(await reader.get("refused")).toBeNull();
    primary.disconnect();
    reader.disconnect();
  });

  it("fails over to the secondary and back: writes go to the new primary and reach the other", async () => {
    const before = await cluster();
    await before.set("last-before-failover", "kept");
    before.disconnect();
    await west.send(new FailoverGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, PrimaryRegion: "us-west-2", PrimaryReplicationGroupId: "sharded-west" }));
    let grg = await waitSettled();
    expect(grg.Members?.map((m) => [m.ReplicationGroupId, m.Role])).toEqual([
      ["sharded-west", "PRIMARY"],
      ["sharded-east", "SECONDARY"],
    ]);
    const westCluster = await cluster("sharded-west", west);
    expect(await westCluster.get("last-before-failover")).toBe("kept");
    await westCluster.set("written-in-west", "w");
    const eastCluster = await cluster();
    await waitFor(() => eastCluster.get("written-in-west"), (v) => v === "w", { timeoutMs: 30_000 });
    await expect(eastCluster.set("refused", "x")).rejects.toThrow(/NOPERM/);
    westCluster.disconnect();
    eastCluster.disconnect();

    await east.send(new FailoverGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, PrimaryRegion: "us-east-1", PrimaryReplicationGroupId: "sharded-east" }));
    grg = await waitSettled();
    expect(grg.Members?.[0]).toMatchObject({ ReplicationGroupId: "sharded-east", Role: "PRIMARY" });
    const back = await cluster();
    expect(await back.set("back-in-east", "e")).toBe("OK");
    expect(await back.get("written-in-west")).toBe("w");
    back.disconnect();
    await expectEveryKey("sharded-west", west);
  });

  it("adds, removes and rebalances node groups of every member, keeping every key", async () => {
    const more = await east.send(new IncreaseNodeGroupsInGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, NodeGroupCount: 3, ApplyImmediately: true }));
    expect(more.GlobalReplicationGroup?.Status).toBe("modifying");
    let grg = await waitSettled();
    expect(grg.GlobalNodeGroups?.map((g) => g.GlobalNodeGroupId)).toEqual([`${GID}-0001`, `${GID}-0002`, `${GID}-0003`]);
    expect((await describeReplicationGroup(east, "sharded-east")).NodeGroups).toHaveLength(3);
    expect((await describeReplicationGroup(west, "sharded-west")).NodeGroups).toHaveLength(3);
    await expectEveryKey();
    await expectEveryKey("sharded-west", west);

    await east.send(
      new DecreaseNodeGroupsInGlobalReplicationGroupCommand({
        GlobalReplicationGroupId: GID,
        NodeGroupCount: 2,
        GlobalNodeGroupsToRetain: [`${GID}-0001`, `${GID}-0003`],
        ApplyImmediately: true,
      }),
    );
    grg = await waitSettled();
    expect(grg.GlobalNodeGroups?.map((g) => g.GlobalNodeGroupId)).toEqual([`${GID}-0001`, `${GID}-0003`]);
    await expectEveryKey();
    await expectEveryKey("sharded-west", west);

    await east.send(new RebalanceSlotsInGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, ApplyImmediately: true }));
    grg = await waitSettled();
    const sizes = grg.GlobalNodeGroups!.map((g) =>
      g.Slots!.split(",").reduce((n, range) => {
        const [a, b] = range.split("-").map(Number);
        return n + (b ?? a!) - a! + 1;
      }, 0),
    );
    expect(sizes).toEqual([8192, 8192]);
    await expectEveryKey();
    await expectEveryKey("sharded-west", west);
  });
});
