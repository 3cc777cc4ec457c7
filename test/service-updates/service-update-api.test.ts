/**
 * DescribeServiceUpdates and DescribeUpdateActions (every filter, paging) and the errors of
 * the batch operations, as AWS answers them.
 */
import {
  BatchApplyUpdateActionCommand,
  BatchStopUpdateActionCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DescribeServiceUpdatesCommand,
  DescribeUpdateActionsCommand,
  type ElastiCacheClient,
  type ServiceUpdate,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let all: ServiceUpdate[];
const byEngine = (engine: string, auto = false) => all.find((u) => u.ServiceUpdateStatus === "available" && u.Engine!.includes(engine) && u.AutoUpdateAfterRecommendedApplyByDate === auto)!;

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  all = (await client.send(new DescribeServiceUpdatesCommand({}))).ServiceUpdates!;
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: "solo", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: "mc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
  await client.send(
    new CreateReplicationGroupCommand({ ReplicationGroupId: "grp", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2 }),
  );
  await Promise.all([waitForCluster(client, "solo", "available"), waitForCluster(client, "mc", "available")]);
  await waitForReplicationGroup(client, "grp", (g) => g.Status === "available");
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
});

describe("DescribeServiceUpdates", () => {
  it("lists the catalogue with AWS's fields, newest first, and filters by name and status", async () => {
    expect(all.length).toBeGreaterThanOrEqual(4);
    const releases = all.map((u) => u.ServiceUpdateReleaseDate!.getTime());
    expect([...releases].sort((a, b) => b - a)).toEqual(releases);
    for (const u of all) {
      expect(u.ServiceUpdateName).toMatch(/^(elc|elasticache)-\d{8}-\d{3}$/);
      expect(["critical", "important", "medium", "low"]).toContain(u.ServiceUpdateSeverity);
      expect(["security-update", "engine-update"]).toContain(u.ServiceUpdateType);
      expect(u.ServiceUpdateRecommendedApplyByDate!.getTime()).toBeGreaterThan(u.ServiceUpdateReleaseDate!.getTime());
      expect(u.ServiceUpdateEndDate!.getTime()).toBeGreaterThan(u.ServiceUpdateRecommendedApplyByDate!.getTime());
      expect(u.EstimatedUpdateTime).toMatch(/minutes per node/);
    }
    // AWS's own published entry, long expired.
    const aws = all.find((u) => u.ServiceUpdateName === "elc-20191007-001")!;
    expect(aws).toMatchObject({ ServiceUpdateStatus: "expired", Engine: "redis, memcached", ServiceUpdateSeverity: "important" });
    expect(aws.ServiceUpdateReleaseDate!.toISOString()).toBe("2019-10-09T16:00:00.000Z");

    const one = await client.send(new DescribeServiceUpdatesCommand({ ServiceUpdateName: "elc-20191007-001" }));
    expect(one.ServiceUpdates!.map((u) => u.ServiceUpdateName)).toEqual(["elc-20191007-001"]);
    const cancelled = await client.send(new DescribeServiceUpdatesCommand({ ServiceUpdateStatus: ["cancelled"] }));
    expect(cancelled.ServiceUpdates!.length).toBeGreaterThan(0);
    expect(cancelled.ServiceUpdates!.every((u) => u.ServiceUpdateStatus === "cancelled")).toBe(true);
    const some = await client.send(new DescribeServiceUpdatesCommand({ ServiceUpdateStatus: ["available", "expired"] }));
    expect(some.ServiceUpdates!.length).toBe(all.filter((u) => u.ServiceUpdateStatus !== "cancelled").length);
    expect(some.Marker).toBeUndefined();
  });

  it("refuses an unknown name and a page size out of bounds", async () => {
    await expectAwsError(client.send(new DescribeServiceUpdatesCommand({ ServiceUpdateName: "elasticache-20990101-001" })), "ServiceUpdateNotFoundFault", 404);
    await expectAwsError(client.send(new DescribeServiceUpdatesCommand({ MaxRecords: 5 })), "InvalidParameterValue", 400);
  });
});

describe("DescribeUpdateActions", () => {
  it("has one action per update and resource it applies to, filtered by every parameter", async () => {
    const { UpdateActions = [] } = await client.send(new DescribeUpdateActionsCommand({}));
    const redis = byEngine("redis");
    const memcached = byEngine("memcached");
    const keys = UpdateActions.map((a) => `${a.ServiceUpdateName}/${a.ReplicationGroupId ?? a.CacheClusterId}`);
    expect(keys).toEqual(expect.arrayContaining([`${redis.ServiceUpdateName}/grp`, `${redis.ServiceUpdateName}/solo`, `${memcached.ServiceUpdateName}/mc`]));
    // Members are updated with their group; a cancelled or expired update has no actions for new resources.
    expect(keys.some((k) => k.endsWith("/grp-001") || k.endsWith("/grp-002"))).toBe(false);
    expect(keys.some((k) => k.startsWith("elc-20191007-001/"))).toBe(false);
    expect(keys).not.toContain(`${memcached.ServiceUpdateName}/solo`);

    const grp = UpdateActions.find((a) => a.ReplicationGroupId === "grp" && a.ServiceUpdateName === redis.ServiceUpdateName)!;
    expect(grp).toMatchObject({ UpdateActionStatus: "not-applied", NodesUpdated: "0/2", Engine: "redis", ServiceUpdateSeverity: redis.ServiceUpdateSeverity });
    expect(grp.NodeGroupUpdateStatus).toBeUndefined();

    const forMc = await client.send(new DescribeUpdateActionsCommand({ Engine: "memcached" }));
    expect(forMc.UpdateActions!.map((a) => a.CacheClusterId)).toEqual(["mc"]);
    const forGroup = await client.send(new DescribeUpdateActionsCommand({ ReplicationGroupIds: ["grp"], ShowNodeLevelUpdateStatus: true }));
    expect(new Set(forGroup.UpdateActions!.map((a) => a.ReplicationGroupId))).toEqual(new Set(["grp"]));
    const members = forGroup.UpdateActions![0].NodeGroupUpdateStatus![0].NodeGroupMemberUpdateStatus!;
    expect(members.map((m) => [m.CacheClusterId, m.CacheNodeId, m.NodeUpdateStatus])).toEqual([
      ["grp-001", "0001", "not-applied"],
      ["grp-002", "0001", "not-applied"],
    ]);
    const forCluster = await client.send(new DescribeUpdateActionsCommand({ CacheClusterIds: ["solo"], ServiceUpdateName: redis.ServiceUpdateName }));
    expect(forCluster.UpdateActions!.map((a) => a.CacheClusterId)).toEqual(["solo"]);

    // The time range selects by release date.
    const released = redis.ServiceUpdateReleaseDate!;
    const inRange = await client.send(
      new DescribeUpdateActionsCommand({ ServiceUpdateTimeRange: { StartTime: released, EndTime: new Date(released.getTime() + 1000) } }),
    );
    expect(new Set(inRange.UpdateActions!.map((a) => a.ServiceUpdateName))).toEqual(new Set([redis.ServiceUpdateName]));
    const before = await client.send(new DescribeUpdateActionsCommand({ ServiceUpdateTimeRange: { EndTime: new Date("2020-01-01T00:00:00Z") } }));
    expect(before.UpdateActions).toEqual([]);
    const available = await client.send(new DescribeUpdateActionsCommand({ ServiceUpdateStatus: ["expired"] }));
    expect(available.UpdateActions).toEqual([]);

    // UpdateActionStatus: once applied, the solo cluster's action leaves not-applied.
    await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: redis.ServiceUpdateName, CacheClusterIds: ["solo"] }));
    await waitFor(
      () => client.send(new DescribeUpdateActionsCommand({ UpdateActionStatus: ["complete"] })),
      (out) => out.UpdateActions!.some((a) => a.CacheClusterId === "solo"),
      { what: "solo's update action complete" },
    );
    const notApplied = await client.send(new DescribeUpdateActionsCommand({ UpdateActionStatus: ["not-applied"], ServiceUpdateName: redis.ServiceUpdateName }));
    expect(notApplied.UpdateActions!.map((a) => a.ReplicationGroupId ?? a.CacheClusterId)).toEqual(["grp"]);
    const soloDone = await client.send(new DescribeUpdateActionsCommand({ CacheClusterIds: ["solo"], ServiceUpdateName: redis.ServiceUpdateName, ShowNodeLevelUpdateStatus: true }));
    expect(soloDone.UpdateActions![0]).toMatchObject({ NodesUpdated: "1/1", SlaMet: "yes" });
    expect(soloDone.UpdateActions![0].CacheNodeUpdateStatus![0]).toMatchObject({ CacheNodeId: "0001", NodeUpdateStatus: "complete", NodeUpdateInitiatedBy: "customer" });
  }, 60_000);

  it("refuses a time range that ends before it starts", async () => {
    await expectAwsError(
      client.send(new DescribeUpdateActionsCommand({ ServiceUpdateTimeRange: { StartTime: new Date("2025-01-02T00:00:00Z"), EndTime: new Date("2025-01-01T00:00:00Z") } })),
      "InvalidParameterValue",
      400,
    );
  });
});

describe("BatchApplyUpdateAction and BatchStopUpdateAction errors", () => {
  it("answer ServiceUpdateNotFoundFault for an unknown update and InvalidParameterValue without resources or for an expired update", async () => {
    const name = byEngine("redis").ServiceUpdateName!;
    await expectAwsError(client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: "elasticache-20990101-001", CacheClusterIds: ["solo"] })), "ServiceUpdateNotFoundFault", 404);
    await expectAwsError(client.send(new BatchStopUpdateActionCommand({ ServiceUpdateName: "elasticache-20990101-001", CacheClusterIds: ["solo"] })), "ServiceUpdateNotFoundFault", 404);
    await expectAwsError(client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: name })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: "elc-20191007-001", CacheClusterIds: ["solo"] })), "InvalidParameterValue", 400);
  });

  it("lists each resource it could not process with its error", async () => {
    const redis = byEngine("redis").ServiceUpdateName!;
    const out = await client.send(
      new BatchApplyUpdateActionCommand({ ServiceUpdateName: redis, ReplicationGroupIds: ["nope"], CacheClusterIds: ["grp-001", "mc", "missing"] }),
    );
    expect(out.ProcessedUpdateActions).toEqual([]);
    expect(out.UnprocessedUpdateActions!.map((u) => [u.ReplicationGroupId ?? u.CacheClusterId, u.ErrorType])).toEqual([
      ["nope", "ReplicationGroupNotFoundFault"],
      ["grp-001", "InvalidParameterCombination"],
      ["mc", "InvalidParameterValue"],
      ["missing", "CacheClusterNotFound"],
    ]);
    expect(out.UnprocessedUpdateActions!.every((u) => u.ServiceUpdateName === redis && u.ErrorMessage!.length > 0)).toBe(true);

    // Stopping an action that was never applied.
    const stop = await client.send(new BatchStopUpdateActionCommand({ ServiceUpdateName: redis, ReplicationGroupIds: ["grp"] }));
    expect(stop.ProcessedUpdateActions).toEqual([]);
    expect(stop.UnprocessedUpdateActions![0]).toMatchObject({ ReplicationGroupId: "grp", ErrorType: "InvalidParameterValue" });
  });
});
