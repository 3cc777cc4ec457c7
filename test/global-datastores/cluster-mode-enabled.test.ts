/**
 * A cluster mode enabled global datastore: its global node groups, and resharding every
 * member through the global operations without losing a key (ioredis Cluster through the
 * configuration endpoint).
 */
import {
  CreateGlobalReplicationGroupCommand,
  CreateReplicationGroupCommand,
  DecreaseNodeGroupsInGlobalReplicationGroupCommand,
  DescribeGlobalReplicationGroupsCommand,
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

async function cluster(): Promise<Cluster> {
  const group = await describeReplicationGroup(east, "sharded-east");
  const c = new Cluster([{ host: group.ConfigurationEndpoint!.Address!, port: group.ConfigurationEndpoint!.Port! }], {
    natMap: undefined,
    redisOptions: { maxRetriesPerRequest: 3 },
  });
  c.on("error", () => undefined);
  clusters.push(c);
  return c;
}

async function expectEveryKey(): Promise<void> {
  const c = await cluster();
  const values = await Promise.all(KEYS.map((k) => c.get(k)));
  expect(values.filter((v, i) => v !== `v${i}`)).toEqual([]);
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
    // A cluster mode enabled secondary is not run here (README: AWS differences).
    await expectAwsError(
      west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "sharded-west", ReplicationGroupDescription: "w", GlobalReplicationGroupId: GID })),
      "NotImplemented",
      501,
    );
  });

  it("adds, removes and rebalances node groups of every member, keeping every key", async () => {
    const more = await east.send(new IncreaseNodeGroupsInGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, NodeGroupCount: 3, ApplyImmediately: true }));
    expect(more.GlobalReplicationGroup?.Status).toBe("modifying");
    let grg = await waitSettled();
    expect(grg.GlobalNodeGroups?.map((g) => g.GlobalNodeGroupId)).toEqual([`${GID}-0001`, `${GID}-0002`, `${GID}-0003`]);
    expect((await describeReplicationGroup(east, "sharded-east")).NodeGroups).toHaveLength(3);
    await expectEveryKey();

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
  });
});
