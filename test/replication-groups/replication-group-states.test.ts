/** Requests a replication group refuses while it is changing, answered with AWS's state errors. */
import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  TestFailoverCommand,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { describeReplicationGroup, waitFor, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;

beforeAll(async () => {
  // A long minimum `modifying` time keeps the group in that status for the whole test.
  emulator = await startEmulator({ delays: { modifyMs: 600_000 } });
});
afterAll(async () => {
  await emulator?.stop();
});

it("refuses TestFailover, deletion and resharding while the group is modifying", async () => {
  const client = sdkClient(emulator);
  await client.send(
    new CreateReplicationGroupCommand({ ReplicationGroupId: "busy", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2, AutomaticFailoverEnabled: true }),
  );
  await waitForReplicationGroup(client, "busy", (g) => g.Status === "available", 30_000);
  await client.send(new TestFailoverCommand({ ReplicationGroupId: "busy", NodeGroupId: "0001" }));
  await expectAwsError(client.send(new TestFailoverCommand({ ReplicationGroupId: "busy", NodeGroupId: "0001" })), "InvalidReplicationGroupState", 400);
  await expectAwsError(client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "busy" })), "InvalidReplicationGroupState", 400);
  await expectAwsError(
    client.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: "busy", NodeGroupCount: 2, ApplyImmediately: true })),
    "InvalidReplicationGroupState",
    400,
  );
  const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: "busy" }))).ReplicationGroups![0];
  expect(group.Status).toBe("modifying");
  expect(group.MemberClusters).toEqual(["busy-001", "busy-002"]);
});

it("shows resharding progress (SlotMigration) while the group is modifying", async () => {
  const client = sdkClient(emulator);
  await client.send(
    new CreateReplicationGroupCommand({ ReplicationGroupId: "growing", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumNodeGroups: 2, ReplicasPerNodeGroup: 1 }),
  );
  const describe = () => describeReplicationGroup(client, "growing");
  await waitForReplicationGroup(client, "growing", (g) => g.Status === "available", 30_000);
  const out = await client.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: "growing", NodeGroupCount: 3, ApplyImmediately: true }));
  expect(out.ReplicationGroup?.Status).toBe("modifying");
  await waitFor(describe, (g) => g.PendingModifiedValues?.Resharding?.SlotMigration?.ProgressPercentage === 100, {
    what: "the slot migration to reach 100%",
    show: (g) => ({ status: g.Status, resharding: g.PendingModifiedValues?.Resharding }),
  });
  const group = await describe();
  expect(group.Status).toBe("modifying");
  expect(group.NodeGroups!.map((ng) => ng.NodeGroupId)).toEqual(["0001", "0002", "0003"]);
});
