/**
 * Global datastores with cluster mode disabled, through the SDK in two regions against one
 * emulator and ioredis against the member groups' endpoints: the primary's data on the
 * secondary (before and after it joined), writes refused there, promotion and back,
 * disassociation, and AWS's two-step delete.
 */
import {
  AddTagsToResourceCommand,
  CreateGlobalReplicationGroupCommand,
  CreateReplicationGroupCommand,
  DeleteGlobalReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeEventsCommand,
  DescribeGlobalReplicationGroupsCommand,
  DisassociateGlobalReplicationGroupCommand,
  FailoverGlobalReplicationGroupCommand,
  IncreaseNodeGroupsInGlobalReplicationGroupCommand,
  ListTagsForResourceCommand,
  ModifyGlobalReplicationGroupCommand,
  TestFailoverCommand,
  type ElastiCacheClient,
  type GlobalReplicationGroup,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { RedisClients } from "../helpers/redis-clients.js";
import { describeReplicationGroup, GONE, orGone, waitFor, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let east: ElastiCacheClient;
let west: ElastiCacheClient;
let euro: ElastiCacheClient;
const redisClients = new RedisClients();
const NODE_TYPE = "cache.r6g.large";
const GID = "ldgnf-shop";

beforeAll(async () => {
  emulator = await startEmulator();
  east = sdkClient(emulator, { region: "us-east-1" });
  west = sdkClient(emulator, { region: "us-west-2" });
  euro = sdkClient(emulator, { region: "eu-west-1" });
});
afterAll(async () => {
  redisClients.disconnectAll();
  await emulator?.stop();
});

async function describeGlobal(client: ElastiCacheClient, id = GID, showMembers = true): Promise<GlobalReplicationGroup> {
  return (await client.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: id, ShowMemberInfo: showMembers }))).GlobalReplicationGroups![0];
}

/** Terraform's waiter: until `available` or `primary-only`. */
function waitGlobalSettled(client: ElastiCacheClient, id = GID): Promise<GlobalReplicationGroup> {
  return waitFor(() => describeGlobal(client, id), (g) => g.Status === "available" || g.Status === "primary-only", {
    timeoutMs: 60_000,
    what: `global datastore ${id} to settle`,
  });
}

async function createGroup(client: ElastiCacheClient, id: string, extra: Record<string, unknown> = {}) {
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: `${id} group`,
      Engine: "redis",
      CacheNodeType: NODE_TYPE,
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      ...extra,
    }),
  );
  return waitForReplicationGroup(client, id, (g) => g.Status === "available");
}

const primaryEndpoint = (g: { NodeGroups?: Array<{ PrimaryEndpoint?: { Address?: string; Port?: number } }> }) => g.NodeGroups![0].PrimaryEndpoint!;
const readerEndpoint = (g: { NodeGroups?: Array<{ ReaderEndpoint?: { Address?: string; Port?: number } }> }) => g.NodeGroups![0].ReaderEndpoint!;

/** Reads `key` through a fresh connection until it holds `value` (replication is asynchronous). */
async function readsEventually(endpoint: { Address?: string; Port?: number }, key: string, value: string | null): Promise<void> {
  const redis = redisClients.connect(endpoint);
  await waitFor(() => redis.get(key).catch(() => "unreachable"), (v) => v === value, { timeoutMs: 15_000, what: `${key} = ${value}` });
}

describe("a global datastore across us-east-1 and us-west-2", () => {
  it("is created from an available group, with AWS's id, region-less ARN and statuses", async () => {
    const primary = await createGroup(east, "shop-east");
    // Written before the global datastore exists: the secondary gets it with its full sync.
    const writer = redisClients.connect(primaryEndpoint(primary));
    await writer.set("before", "1");

    const created = await east.send(
      new CreateGlobalReplicationGroupCommand({
        GlobalReplicationGroupIdSuffix: "shop",
        PrimaryReplicationGroupId: "shop-east",
        GlobalReplicationGroupDescription: "shop everywhere",
      }),
    );
    const grg = created.GlobalReplicationGroup!;
    expect(grg.GlobalReplicationGroupId).toBe(GID);
    expect(grg.ARN).toBe(`arn:aws:elasticache::000000000000:globalreplicationgroup:${GID}`);
    expect(grg.Status).toBe("creating");
    expect(grg.Engine).toBe("redis");
    expect(grg.CacheNodeType).toBe(NODE_TYPE);
    expect(grg.ClusterEnabled).toBe(false);
    expect(grg.Members).toEqual([
      { ReplicationGroupId: "shop-east", ReplicationGroupRegion: "us-east-1", Role: "PRIMARY", AutomaticFailover: "enabled", Status: "associated" },
    ]);
    expect((await waitGlobalSettled(east)).Status).toBe("primary-only");

    // Members only with ShowMemberInfo; the same datastore from every region.
    expect((await describeGlobal(west, GID, false)).Members).toBeUndefined();
    expect((await describeGlobal(west)).Members?.[0]?.ReplicationGroupId).toBe("shop-east");
    // Tags on the region-less ARN, from any region of the account.
    await east.send(new AddTagsToResourceCommand({ ResourceName: grg.ARN, Tags: [{ Key: "team", Value: "cache" }] }));
    const tags = await west.send(new ListTagsForResourceCommand({ ResourceName: grg.ARN }));
    expect(tags.TagList).toEqual([{ Key: "team", Value: "cache" }]);

    const info = await describeReplicationGroup(east, "shop-east");
    expect(info.GlobalReplicationGroupInfo).toEqual({ GlobalReplicationGroupId: GID, GlobalReplicationGroupMemberRole: "PRIMARY" });
  });

  it("refuses what AWS refuses when creating one", async () => {
    await expectAwsError(
      east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: "shop", PrimaryReplicationGroupId: "nope" })),
      "ReplicationGroupNotFoundFault",
      404,
    );
    await expectAwsError(
      east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: "again", PrimaryReplicationGroupId: "shop-east" })),
      "InvalidReplicationGroupState",
      400,
      /already associated/,
    );
    await createGroup(east, "tiny", { CacheNodeType: "cache.t3.micro", NumCacheClusters: 1, AutomaticFailoverEnabled: false });
    await expectAwsError(
      east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: "tiny", PrimaryReplicationGroupId: "tiny" })),
      "InvalidParameterValue",
      400,
      /node type cache\.t3\.micro/,
    );
    await expectAwsError(
      east.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: "ldgnf-missing" })),
      "GlobalReplicationGroupNotFoundFault",
      404,
    );
  });

  it("adds a secondary in another region that takes the primary's engine, node type and data, and refuses writes", async () => {
    await expectAwsError(
      west.send(
        new CreateReplicationGroupCommand({ ReplicationGroupId: "x", ReplicationGroupDescription: "x", GlobalReplicationGroupId: GID, CacheNodeType: NODE_TYPE }),
      ),
      "InvalidParameterCombination",
      400,
      /CacheNodeType/,
    );
    await expectAwsError(
      east.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "x", ReplicationGroupDescription: "x", GlobalReplicationGroupId: GID })),
      "InvalidParameterValue",
      400,
      /already has a member in region us-east-1/,
    );
    await expectAwsError(
      west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "x", ReplicationGroupDescription: "x", GlobalReplicationGroupId: "ldgnf-missing" })),
      "GlobalReplicationGroupNotFoundFault",
      404,
    );

    await west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "shop-west", ReplicationGroupDescription: "west", GlobalReplicationGroupId: GID }));
    expect((await describeGlobal(east)).Status).toBe("modifying");
    const grg = await waitGlobalSettled(east);
    expect(grg.Status).toBe("available");
    expect(grg.Members?.map((m) => [m.ReplicationGroupId, m.ReplicationGroupRegion, m.Role, m.Status])).toEqual([
      ["shop-east", "us-east-1", "PRIMARY", "associated"],
      ["shop-west", "us-west-2", "SECONDARY", "associated"],
    ]);

    const secondary = await describeReplicationGroup(west, "shop-west");
    expect(secondary.GlobalReplicationGroupInfo).toEqual({ GlobalReplicationGroupId: GID, GlobalReplicationGroupMemberRole: "SECONDARY" });
    expect(secondary.CacheNodeType).toBe(NODE_TYPE);
    expect(secondary.MemberClusters).toHaveLength(2);
    expect(secondary.ARN).toContain(":us-west-2:");

    // Before and after the association, through the secondary's primary and reader endpoints.
    const primary = await describeReplicationGroup(east, "shop-east");
    await redisClients.connect(primaryEndpoint(primary)).set("after", "2");
    await readsEventually(primaryEndpoint(secondary), "before", "1");
    await readsEventually(primaryEndpoint(secondary), "after", "2");
    await readsEventually(readerEndpoint(secondary), "after", "2");
    await expect(redisClients.connect(primaryEndpoint(secondary)).set("refused", "x")).rejects.toThrow(/READONLY/);

    const events = await west.send(new DescribeEventsCommand({ SourceIdentifier: "shop-west", SourceType: "replication-group", Duration: 60 }));
    expect(events.Events?.map((e) => e.Message)).toContain(`Replication group shop-west is associated with global datastore ${GID} as a secondary`);
  });

  it("refuses a third member in a region it has, a delete while secondaries remain, and deleting a member group", async () => {
    await expectAwsError(
      east.send(new DeleteGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, RetainPrimaryReplicationGroup: true })),
      "InvalidGlobalReplicationGroupState",
      400,
      /disassociate/,
    );
    await expectAwsError(west.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "shop-west" })), "InvalidReplicationGroupState", 400, /Global datastore/);
    await expectAwsError(
      east.send(new FailoverGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, PrimaryRegion: "us-east-1", PrimaryReplicationGroupId: "shop-east" })),
      "InvalidParameterCombination",
      400,
      /already the primary/,
    );
    await expectAwsError(
      east.send(new ModifyGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, ApplyImmediately: false, GlobalReplicationGroupDescription: "d" })),
      "InvalidParameterValue",
      400,
      /ApplyImmediately/,
    );
    await expectAwsError(
      east.send(new ModifyGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, ApplyImmediately: true, CacheNodeType: "cache.t3.small" })),
      "InvalidParameterValue",
      400,
      /node type cache\.t3\.small/,
    );
    await expectAwsError(
      east.send(new ModifyGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
      /No modifications/,
    );
    await expectAwsError(
      east.send(new IncreaseNodeGroupsInGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, NodeGroupCount: 2, ApplyImmediately: true })),
      "InvalidParameterValue",
      400,
      /not cluster mode enabled/,
    );
    await expectAwsError(
      east.send(new DescribeGlobalReplicationGroupsCommand({ MaxRecords: 5 })),
      "InvalidParameterValue",
      400,
    );
    // Paging through the account's global datastores (the shared describe): one page here.
    const page = await west.send(new DescribeGlobalReplicationGroupsCommand({ MaxRecords: 20 }));
    expect(page.GlobalReplicationGroups?.map((g) => g.GlobalReplicationGroupId)).toEqual([GID]);
    expect(page.Marker).toBeUndefined();
  });

  it("fails over to the secondary: roles swap, writes on the new primary replicate back, and back again", async () => {
    const east1 = await describeReplicationGroup(east, "shop-east");
    const west1 = await describeReplicationGroup(west, "shop-west");
    const oldPrimary = redisClients.connect(primaryEndpoint(east1));
    await oldPrimary.set("last-before-failover", "kept");

    const answer = await west.send(
      new FailoverGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, PrimaryRegion: "us-west-2", PrimaryReplicationGroupId: "shop-west" }),
    );
    expect(answer.GlobalReplicationGroup?.Status).toBe("modifying");
    const after = await waitGlobalSettled(east);
    expect(after.Members?.map((m) => [m.ReplicationGroupId, m.Role])).toEqual([
      ["shop-west", "PRIMARY"],
      ["shop-east", "SECONDARY"],
    ]);
    expect((await describeReplicationGroup(east, "shop-east")).GlobalReplicationGroupInfo?.GlobalReplicationGroupMemberRole).toBe("SECONDARY");

    // The write the old primary accepted last is on the new primary, which takes writes now.
    const newPrimary = redisClients.connect(primaryEndpoint(west1));
    expect(await newPrimary.get("last-before-failover")).toBe("kept");
    await newPrimary.set("written-in-west", "w");
    await readsEventually(primaryEndpoint(east1), "written-in-west", "w");
    await expect(redisClients.connect(primaryEndpoint(east1)).set("refused", "x")).rejects.toThrow(/READONLY/);

    await east.send(
      new FailoverGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, PrimaryRegion: "us-east-1", PrimaryReplicationGroupId: "shop-east" }),
    );
    const back = await waitGlobalSettled(east);
    expect(back.Members?.[0]).toMatchObject({ ReplicationGroupId: "shop-east", Role: "PRIMARY" });
    const eastAgain = redisClients.connect(primaryEndpoint(east1));
    await waitFor(() => eastAgain.set("back-in-east", "e").catch((e: Error) => e.message), (r) => r === "OK", { timeoutMs: 10_000 });
    await readsEventually(primaryEndpoint(west1), "back-in-east", "e");
    expect(await eastAgain.get("written-in-west")).toBe("w");
  });

  it("keeps replicating after the secondary group's own failover promoted one of its replicas", async () => {
    await west.send(new TestFailoverCommand({ ReplicationGroupId: "shop-west", NodeGroupId: "0001" }));
    const secondary = await waitForReplicationGroup(west, "shop-west", (g) => g.Status === "available");
    expect(secondary.NodeGroups![0].NodeGroupMembers?.find((m) => m.CurrentRole === "primary")?.CacheClusterId).toBe("shop-west-002");
    const primary = await describeReplicationGroup(east, "shop-east");
    await redisClients.connect(primaryEndpoint(primary)).set("after-secondary-failover", "f");
    await readsEventually(primaryEndpoint(secondary), "after-secondary-failover", "f");
    await readsEventually(readerEndpoint(secondary), "after-secondary-failover", "f");
    await expect(redisClients.connect(primaryEndpoint(secondary)).set("refused", "x")).rejects.toThrow(/READONLY/);
  });

  it("changes the description and every member's automatic failover", async () => {
    await east.send(
      new ModifyGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, ApplyImmediately: true, GlobalReplicationGroupDescription: "renamed" }),
    );
    expect((await describeGlobal(east)).GlobalReplicationGroupDescription).toBe("renamed");
    await east.send(new ModifyGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, ApplyImmediately: true, AutomaticFailoverEnabled: false }));
    const grg = await waitGlobalSettled(east);
    expect(grg.Members?.map((m) => m.AutomaticFailover)).toEqual(["disabled", "disabled"]);
    // Still replicating after the members' change.
    const primary = await describeReplicationGroup(east, "shop-east");
    await redisClients.connect(primaryEndpoint(primary)).set("after-modify", "m");
    await readsEventually(primaryEndpoint(await describeReplicationGroup(west, "shop-west")), "after-modify", "m");
  });

  it("disassociates the secondary, which keeps its data and takes writes; then the two-step delete", async () => {
    await expectAwsError(
      east.send(new DisassociateGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, ReplicationGroupId: "shop-east", ReplicationGroupRegion: "us-east-1" })),
      "InvalidParameterCombination",
      400,
      /primary/,
    );
    await expectAwsError(
      east.send(new DisassociateGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, ReplicationGroupId: "shop-west", ReplicationGroupRegion: "eu-west-1" })),
      "InvalidParameterValue",
      400,
    );
    const answer = await west.send(
      new DisassociateGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, ReplicationGroupId: "shop-west", ReplicationGroupRegion: "us-west-2" }),
    );
    expect(answer.GlobalReplicationGroup?.Status).toBe("modifying");
    const grg = await waitGlobalSettled(east);
    expect(grg.Status).toBe("primary-only");
    expect(grg.Members?.map((m) => m.ReplicationGroupId)).toEqual(["shop-east"]);

    const standalone = await describeReplicationGroup(west, "shop-west");
    expect(standalone.GlobalReplicationGroupInfo).toEqual({});
    const west1 = redisClients.connect(primaryEndpoint(standalone));
    expect(await west1.get("back-in-east")).toBe("e");
    expect(await west1.set("mine-now", "1")).toBe("OK");
    // No longer following the primary.
    const primary = redisClients.connect(primaryEndpoint(await describeReplicationGroup(east, "shop-east")));
    await primary.set("after-leaving", "1");
    await primary.wait(1, 2000);
    expect(await west1.get("after-leaving")).toBeNull();

    await expectAwsError(
      east.send(new DeleteGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, RetainPrimaryReplicationGroup: false })),
      "InvalidParameterValue",
      400,
    );
    const deleting = await east.send(new DeleteGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, RetainPrimaryReplicationGroup: true }));
    expect(deleting.GlobalReplicationGroup?.Status).toBe("deleting");
    await waitFor(orGone(() => describeGlobal(east), "GlobalReplicationGroupNotFoundFault"), (g) => g === GONE, { timeoutMs: 30_000 });
    const kept = await describeReplicationGroup(east, "shop-east");
    expect(kept.Status).toBe("available");
    expect(kept.GlobalReplicationGroupInfo).toEqual({});
    // The groups can go now.
    await west.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "shop-west" }));
  });

  it("has at most two secondaries, one per region", async () => {
    await createGroup(euro, "three-eu");
    await euro.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: "three", PrimaryReplicationGroupId: "three-eu" }));
    const id = "gxeiz-three";
    await waitGlobalSettled(euro, id);
    await east.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "three-east", ReplicationGroupDescription: "e", GlobalReplicationGroupId: id, NumCacheClusters: 1 }));
    await waitGlobalSettled(euro, id);
    await west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "three-west", ReplicationGroupDescription: "w", GlobalReplicationGroupId: id, NumCacheClusters: 1 }));
    const grg = await waitGlobalSettled(euro, id);
    expect(grg.Members?.map((m) => m.ReplicationGroupRegion)).toEqual(["eu-west-1", "us-east-1", "us-west-2"]);
    const fourth = sdkClient(emulator, { region: "ap-south-1" });
    await expectAwsError(
      fourth.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "three-ap", ReplicationGroupDescription: "a", GlobalReplicationGroupId: id })),
      "InvalidGlobalReplicationGroupState",
      400,
      /2 secondary regions/,
    );
  });
});
