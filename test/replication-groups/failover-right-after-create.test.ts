/**
 * TestFailover on a sharded (cluster mode enabled) group the moment it is available, and
 * again the moment the previous failover is done: the group must be ready for a planned
 * failover whenever it says `available`. (A group once reported available while its
 * nodes' cluster bus links were still reconnecting; the replica then refused CLUSTER
 * FAILOVER, "Master is down or failed", or its election missed a vote and timed out.)
 * A failed failover also ends `available`, so every round checks through the nodes
 * themselves (ioredis, CLUSTER NODES) that the primary really moved.
 */
import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  TestFailoverCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { describeReplicationGroup, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

/** CLUSTER NODES of one member's node, as its "myself" line sees it: its role and its primary's id. */
async function nodeView(memberId: string): Promise<{ id: string; role: "master" | "replica"; masterId: string }> {
  const out = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: memberId, ShowCacheNodeInfo: true }));
  const { Address, Port } = out.CacheClusters![0]!.CacheNodes![0]!.Endpoint!;
  const redis = new Redis({ host: Address!, port: Port!, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const text = String(await redis.cluster("NODES"));
    const mine = text.split("\n").find((l) => l.split(" ")[2]?.split(",").includes("myself"))!;
    const [id, , flags, master] = mine.split(" ");
    return { id: id!, role: flags!.includes("slave") ? "replica" : "master", masterId: master! };
  } finally {
    redis.disconnect();
  }
}

async function failOverAndCheck(groupId: string, nodeGroupId: string, from: string, to: string): Promise<void> {
  const out = await client.send(new TestFailoverCommand({ ReplicationGroupId: groupId, NodeGroupId: nodeGroupId }));
  expect(out.ReplicationGroup?.Status).toBe("modifying");
  await waitForReplicationGroup(client, groupId, (g) => g.Status === "available");
  const [newPrimary, oldPrimary] = await Promise.all([nodeView(to), nodeView(from)]);
  expect(newPrimary.role).toBe("master");
  expect(oldPrimary).toMatchObject({ role: "replica", masterId: newPrimary.id });
}

it("fails over at once after creation, and again at once after each failover", async () => {
  for (const round of [1, 2]) {
    const id = `fresh-${round}`;
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: id,
        ReplicationGroupDescription: "failover right after create",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 1,
      }),
    );
    await waitForReplicationGroup(client, id, (g) => g.Status === "available");
    await failOverAndCheck(id, "0001", `${id}-0001-001`, `${id}-0001-002`);
    await failOverAndCheck(id, "0002", `${id}-0002-001`, `${id}-0002-002`);
    // And back: the old primary stayed a replica, ready to take its place again.
    await failOverAndCheck(id, "0001", `${id}-0001-002`, `${id}-0001-001`);
    const group = await describeReplicationGroup(client, id);
    expect(group.Status).toBe("available");
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));
  }
}, 180_000);
