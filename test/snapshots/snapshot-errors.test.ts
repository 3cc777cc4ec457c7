/**
 * Snapshot API rules: AWS's errors with their codes and statuses, `snapshotting` while a
 * snapshot runs, DescribeSnapshots filters and paging, tags on snapshot ARNs, the quota.
 */
import {
  AddTagsToResourceCommand,
  CopySnapshotCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeSnapshotsCommand,
  ListTagsForResourceCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { describeReplicationGroup, waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let redis: Redis;
let exportDir: string;
const QUOTA = 25;
/** Keeps a node busy for 2 s: BGSAVE waits behind it, so a snapshot is in progress meanwhile. */
const BUSY_SCRIPT = "local t0 = redis.call('TIME') repeat local t = redis.call('TIME') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 2000000 return 1";
const ARN = "arn:aws:elasticache:us-east-1:000000000000:snapshot:";

async function waitAvailable(name: string): Promise<void> {
  await waitFor(
    async () => (await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots![0]!,
    (s) => s.SnapshotStatus === "available",
    { timeoutMs: 60_000, what: `snapshot ${name} to be available`, show: (s) => s.SnapshotStatus },
  );
}

beforeAll(async () => {
  exportDir = mkdtempSync(join(tmpdir(), "elasticache-local-exports-"));
  emulator = await startEmulator({ snapshotQuota: QUOTA, snapshotExportDir: exportDir });
  client = sdkClient(emulator);
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: "src", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: "mc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
  const src = await waitForCluster(client, "src", "available");
  redis = new Redis(src.CacheNodes![0]!.Endpoint!.Port!, src.CacheNodes![0]!.Endpoint!.Address!);
  await redis.set("k", "v");
  await client.send(new CreateSnapshotCommand({ CacheClusterId: "src", SnapshotName: "s1", Tags: [{ Key: "env", Value: "test" }] }));
  await waitAvailable("s1");
  await waitForCluster(client, "src", "available");
});
afterAll(async () => {
  redis?.disconnect();
  await emulator?.stop();
  rmSync(exportDir, { recursive: true, force: true });
});

describe("CreateSnapshot", () => {
  it("refuses Memcached with SnapshotFeatureNotSupportedFault", async () => {
    await expectAwsError(client.send(new CreateSnapshotCommand({ CacheClusterId: "mc", SnapshotName: "m" })), "SnapshotFeatureNotSupportedFault", 400);
  });

  it("needs exactly one source", async () => {
    await expectAwsError(client.send(new CreateSnapshotCommand({ SnapshotName: "x" })), "InvalidParameterCombination", 400);
    await expectAwsError(client.send(new CreateSnapshotCommand({ SnapshotName: "x", CacheClusterId: "src", ReplicationGroupId: "g" })), "InvalidParameterCombination", 400);
  });

  it("answers CacheClusterNotFound and ReplicationGroupNotFoundFault for unknown sources", async () => {
    await expectAwsError(client.send(new CreateSnapshotCommand({ SnapshotName: "x", CacheClusterId: "nope" })), "CacheClusterNotFound", 404);
    await expectAwsError(client.send(new CreateSnapshotCommand({ SnapshotName: "x", ReplicationGroupId: "nope" })), "ReplicationGroupNotFoundFault", 404);
  });

  it("refuses sources that are not available", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "young", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
    await expectAwsError(client.send(new CreateSnapshotCommand({ SnapshotName: "x", CacheClusterId: "young" })), "InvalidCacheClusterState", 400);
    await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "young-rg", ReplicationGroupDescription: "d", CacheNodeType: "cache.t3.micro", NumCacheClusters: 1 }));
    await expectAwsError(client.send(new CreateSnapshotCommand({ SnapshotName: "x", ReplicationGroupId: "young-rg" })), "InvalidReplicationGroupState", 400);
  });

  it("refuses a name in use (SnapshotAlreadyExistsFault) and the automatic prefix", async () => {
    await expectAwsError(client.send(new CreateSnapshotCommand({ SnapshotName: "s1", CacheClusterId: "src" })), "SnapshotAlreadyExistsFault", 400);
    await expectAwsError(client.send(new CreateSnapshotCommand({ SnapshotName: "automatic.mine", CacheClusterId: "src" })), "InvalidParameterValue", 400);
    expect((await client.send(new DescribeSnapshotsCommand({}))).Snapshots!.map((s) => s.SnapshotName)).toEqual(["s1"]);
  });

  it("shows the source `snapshotting` while the snapshot runs, and the snapshot cannot be used yet", async () => {
    const sleeping = redis.eval(BUSY_SCRIPT, 0);
    await client.send(new CreateSnapshotCommand({ SnapshotName: "slow", CacheClusterId: "src" }));
    const src = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: "src" }))).CacheClusters![0]!;
    expect(src.CacheClusterStatus).toBe("snapshotting");
    await expectAwsError(client.send(new DeleteCacheClusterCommand({ CacheClusterId: "src" })), "InvalidCacheClusterState", 400);
    await expectAwsError(client.send(new CreateSnapshotCommand({ SnapshotName: "again", CacheClusterId: "src" })), "InvalidCacheClusterState", 400);
    await expectAwsError(client.send(new DeleteSnapshotCommand({ SnapshotName: "slow" })), "InvalidSnapshotState", 400);
    await expectAwsError(client.send(new CopySnapshotCommand({ SourceSnapshotName: "slow", TargetSnapshotName: "slow-copy" })), "InvalidSnapshotState", 400);
    await expectAwsError(client.send(new CreateCacheClusterCommand({ CacheClusterId: "from-slow", SnapshotName: "slow" })), "InvalidSnapshotState", 400);
    await sleeping;
    await waitAvailable("slow");
    await waitForCluster(client, "src", "available");
    const events = await client.send(new DescribeEventsCommand({ SourceType: "cache-cluster", SourceIdentifier: "src" }));
    expect(events.Events!.map((e) => e.Message)).toContain("Snapshot succeeded for snapshot with ID 'slow' of cache cluster with ID 'src'");
  });
});

describe("a replication group's snapshot", () => {
  it("shows the group `snapshotting` while it runs", async () => {
    const group = await waitForReplicationGroup(client, "young-rg", (g) => g.Status === "available");
    const primary = new Redis(group.NodeGroups![0]!.PrimaryEndpoint!.Port!, group.NodeGroups![0]!.PrimaryEndpoint!.Address!);
    try {
      const sleeping = primary.eval(BUSY_SCRIPT, 0);
      await client.send(new CreateSnapshotCommand({ SnapshotName: "rg-slow", ReplicationGroupId: "young-rg" }));
      expect((await describeReplicationGroup(client, "young-rg")).Status).toBe("snapshotting");
      await expectAwsError(client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "young-rg" })), "InvalidReplicationGroupState", 400);
      await sleeping;
      await waitAvailable("rg-slow");
      await waitForReplicationGroup(client, "young-rg", (g) => g.Status === "available");
    } finally {
      primary.disconnect();
    }
  });
});

describe("final snapshots", () => {
  it("refuse a name in use and leave the cluster as it was", async () => {
    await expectAwsError(
      client.send(new DeleteCacheClusterCommand({ CacheClusterId: "src", FinalSnapshotIdentifier: "s1" })),
      "SnapshotAlreadyExistsFault",
      400,
    );
    const src = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: "src" }))).CacheClusters![0]!;
    expect(src.CacheClusterStatus).toBe("available");
    expect(await redis.get("k")).toBe("v");
  });
});

describe("SnapshotNotFoundFault", () => {
  it("is the answer for an unknown snapshot everywhere", async () => {
    await expectAwsError(client.send(new DescribeSnapshotsCommand({ SnapshotName: "nope" })), "SnapshotNotFoundFault", 404);
    await expectAwsError(client.send(new DeleteSnapshotCommand({ SnapshotName: "nope" })), "SnapshotNotFoundFault", 404);
    await expectAwsError(client.send(new CopySnapshotCommand({ SourceSnapshotName: "nope", TargetSnapshotName: "t" })), "SnapshotNotFoundFault", 404);
    await expectAwsError(client.send(new CreateCacheClusterCommand({ CacheClusterId: "r", SnapshotName: "nope" })), "SnapshotNotFoundFault", 404);
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "r", ReplicationGroupDescription: "d", SnapshotName: "nope" })),
      "SnapshotNotFoundFault",
      404,
    );
    await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: `${ARN}nope` })), "SnapshotNotFoundFault", 404);
  });

  it("refuses an RDB that is not in the bucket, and a Memcached restore", async () => {
    await expectAwsError(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: "r", Engine: "redis", CacheNodeType: "cache.t3.micro", SnapshotArns: ["arn:aws:s3:::bucket/missing.rdb"] })),
      "InvalidParameterValue",
      400,
    );
    await expectAwsError(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: "r", Engine: "memcached", CacheNodeType: "cache.t3.micro", SnapshotName: "s1" })),
      "InvalidParameterCombination",
      400,
    );
  });
});

describe("restore", () => {
  it("leaves a cluster restore-failed when the RDB is damaged", async () => {
    mkdirSync(join(exportDir, "bucket"), { recursive: true });
    writeFileSync(join(exportDir, "bucket", "damaged.rdb"), "REDIS0009 this is not an RDB file");
    await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: "damaged", Engine: "redis", CacheNodeType: "cache.t3.micro", SnapshotArns: ["arn:aws:s3:::bucket/damaged.rdb"] }),
    );
    await waitForCluster(client, "damaged", "restore-failed");
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "damaged" }));
  });

  it("refuses an export over an existing object and a bucket name S3 refuses", async () => {
    await client.send(new CopySnapshotCommand({ SourceSnapshotName: "s1", TargetSnapshotName: "exported", TargetBucket: "bucket" }));
    await expectAwsError(
      client.send(new CopySnapshotCommand({ SourceSnapshotName: "s1", TargetSnapshotName: "exported", TargetBucket: "bucket" })),
      "SnapshotAlreadyExistsFault",
      400,
    );
    await expectAwsError(client.send(new CopySnapshotCommand({ SourceSnapshotName: "s1", TargetSnapshotName: "x", TargetBucket: "../up" })), "InvalidParameterValue", 400);
  });
});

describe("DescribeSnapshots", () => {
  it("filters by cluster and by source", async () => {
    const ofSrc = await client.send(new DescribeSnapshotsCommand({ CacheClusterId: "src" }));
    expect(ofSrc.Snapshots!.map((s) => s.SnapshotName)).toEqual(["s1", "slow"]);
    expect((await client.send(new DescribeSnapshotsCommand({ SnapshotSource: "user" }))).Snapshots).toHaveLength(3);
    expect((await client.send(new DescribeSnapshotsCommand({ SnapshotSource: "system" }))).Snapshots).toEqual([]);
    await expectAwsError(client.send(new DescribeSnapshotsCommand({ CacheClusterId: "nope" })), "CacheClusterNotFound", 404);
    await expectAwsError(client.send(new DescribeSnapshotsCommand({ SnapshotSource: "robots" })), "InvalidParameterValue", 400);
  });

  it("pages with Marker and MaxRecords (20-50)", async () => {
    for (let i = 1; i <= 21; i++) {
      await client.send(new CopySnapshotCommand({ SourceSnapshotName: "s1", TargetSnapshotName: `copy-${String(i).padStart(2, "0")}` }));
    }
    const first = await client.send(new DescribeSnapshotsCommand({ MaxRecords: 20 }));
    expect(first.Snapshots).toHaveLength(20);
    expect(first.Marker).toBeDefined();
    const second = await client.send(new DescribeSnapshotsCommand({ MaxRecords: 20, Marker: first.Marker }));
    expect(second.Marker).toBeUndefined();
    const names = [...first.Snapshots!, ...second.Snapshots!].map((s) => s.SnapshotName);
    expect(names).toHaveLength(24);
    expect(new Set(names).size).toBe(24);
    await expectAwsError(client.send(new DescribeSnapshotsCommand({ MaxRecords: 10 })), "InvalidParameterValue", 400);
  });
});

describe("quota, tags and deletion", () => {
  it("refuses snapshots past the quota with SnapshotQuotaExceededFault", async () => {
    // 24 snapshots so far; the quota is 25.
    await client.send(new CopySnapshotCommand({ SourceSnapshotName: "s1", TargetSnapshotName: "copy-22" }));
    await expectAwsError(client.send(new CopySnapshotCommand({ SourceSnapshotName: "s1", TargetSnapshotName: "one-too-many" })), "SnapshotQuotaExceededFault", 400);
    await waitAvailable("copy-22");
    await expectAwsError(client.send(new CreateSnapshotCommand({ SnapshotName: "one-too-many", CacheClusterId: "src" })), "SnapshotQuotaExceededFault", 400);
  });

  it("tags a snapshot through its ARN", async () => {
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: `${ARN}s1` }))).TagList).toEqual([{ Key: "env", Value: "test" }]);
    await client.send(new AddTagsToResourceCommand({ ResourceName: `${ARN}s1`, Tags: [{ Key: "owner", Value: "me" }] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: `${ARN}s1` }))).TagList).toHaveLength(2);
  });

  it("deletes a snapshot: `deleting`, then gone, tags too", async () => {
    const out = await client.send(new DeleteSnapshotCommand({ SnapshotName: "s1" }));
    expect(out.Snapshot!.SnapshotStatus).toBe("deleting");
    await waitFor(
      async () => (await client.send(new DescribeSnapshotsCommand({ MaxRecords: 50 }))).Snapshots!.map((s) => s.SnapshotName),
      (left) => !left.includes("s1"),
      { timeoutMs: 10_000, what: "snapshot s1 to be deleted" },
    );
    await expectAwsError(client.send(new DescribeSnapshotsCommand({ SnapshotName: "s1" })), "SnapshotNotFoundFault", 404);
    await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: `${ARN}s1` })), "SnapshotNotFoundFault", 404);
    // A copy keeps the data of the deleted snapshot.
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "from-copy", SnapshotName: "copy-01" }));
    const cluster = await waitForCluster(client, "from-copy", "available");
    const restored = new Redis(cluster.CacheNodes![0]!.Endpoint!.Port!, cluster.CacheNodes![0]!.Endpoint!.Address!);
    try {
      expect(await restored.get("k")).toBe("v");
    } finally {
      restored.disconnect();
    }
  });
});

describe("reset", () => {
  it("removes every snapshot", async () => {
    await emulator.reset();
    expect((await client.send(new DescribeSnapshotsCommand({}))).Snapshots).toEqual([]);
    await expectAwsError(client.send(new DescribeSnapshotsCommand({ SnapshotName: "copy-01" })), "SnapshotNotFoundFault", 404);
  });
});
