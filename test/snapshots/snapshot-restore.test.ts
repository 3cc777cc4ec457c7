/**
 * Snapshots hold the real data: snapshot -> restore -> the keys are back, for a single
 * node, a cluster mode disabled group and a cluster mode enabled group (also into another
 * number of shards), through exports to the folder standing in for S3, and final snapshots.
 */
import {
  CopySnapshotCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
  type ReplicationGroup,
  type Snapshot,
} from "@aws-sdk/client-elasticache";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis, { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitFor, waitForCluster, waitForClusterGone, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let exportDir: string;
const connections: Array<Redis | Cluster> = [];

function redisAt(endpoint: { Address?: string; Port?: number }): Redis {
  const redis = new Redis(endpoint.Port!, endpoint.Address!, { maxRetriesPerRequest: 3 });
  connections.push(redis);
  return redis;
}

function clusterAt(group: ReplicationGroup): Cluster {
  const { Address, Port } = group.ConfigurationEndpoint!;
  const cluster = new Cluster([{ host: Address!, port: Port! }], { redisOptions: { maxRetriesPerRequest: 5 } });
  cluster.on("error", () => undefined);
  connections.push(cluster);
  return cluster;
}

async function writeKeys(redis: Redis | Cluster, n: number, prefix = "key"): Promise<void> {
  for (let i = 0; i < n; i += 500) {
    const batch = Array.from({ length: Math.min(500, n - i) }, (_, j) => i + j);
    await Promise.all(batch.map((k) => redis.set(`${prefix}:${k}`, `value-${k}`)));
  }
}

async function countKeys(redis: Redis | Cluster, n: number, prefix = "key"): Promise<number> {
  let found = 0;
  for (let i = 0; i < n; i += 500) {
    const batch = Array.from({ length: Math.min(500, n - i) }, (_, j) => i + j);
    const values = await Promise.all(batch.map((k) => redis.get(`${prefix}:${k}`)));
    found += values.filter((v, j) => v === `value-${batch[j]}`).length;
  }
  return found;
}

async function waitSnapshot(name: string, status = "available"): Promise<Snapshot> {
  const snapshot = await waitFor(
    async () => (await client.send(new DescribeSnapshotsCommand({ SnapshotName: name, ShowNodeGroupConfig: true }))).Snapshots![0]!,
    (s) => s.SnapshotStatus === status || s.SnapshotStatus === "failed",
    { timeoutMs: 60_000, what: `snapshot ${name} to be ${status}`, show: (s) => s.SnapshotStatus },
  );
  if (snapshot.SnapshotStatus !== status) throw new Error(`snapshot ${name} failed`);
  return snapshot;
}

const available = (g: ReplicationGroup) => g.Status === "available";

beforeAll(async () => {
  exportDir = mkdtempSync(join(tmpdir(), "elasticache-local-exports-"));
  emulator = await startEmulator({ snapshotExportDir: exportDir });
  client = sdkClient(emulator);
});
afterAll(async () => {
  for (const c of connections) c.disconnect();
  await emulator?.stop();
  rmSync(exportDir, { recursive: true, force: true });
});

describe("single node", () => {
  it("snapshots the node's data and restores it into a new cluster", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "solo", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
    const solo = await waitForCluster(client, "solo", "available");
    const redis = redisAt(solo.CacheNodes![0]!.Endpoint!);
    await writeKeys(redis, 2000);
    await redis.set("with-ttl", "x", "EX", 3600);

    const created = await client.send(new CreateSnapshotCommand({ CacheClusterId: "solo", SnapshotName: "solo-snap", Tags: [{ Key: "team", Value: "a" }] }));
    expect(created.Snapshot).toMatchObject({ SnapshotName: "solo-snap", SnapshotStatus: "creating", SnapshotSource: "manual", CacheClusterId: "solo", Engine: "redis" });
    expect(created.Snapshot!.ARN).toBe("arn:aws:elasticache:us-east-1:000000000000:snapshot:solo-snap");
    const snapshot = await waitSnapshot("solo-snap");
    expect(snapshot).toMatchObject({ CacheNodeType: "cache.t3.micro", NumCacheNodes: 1, SnapshotRetentionLimit: 0 });
    expect(snapshot.NodeSnapshots).toHaveLength(1);
    expect(snapshot.NodeSnapshots![0]).toMatchObject({ CacheNodeId: "0001", CacheSize: expect.stringMatching(/^\d+ MB$/) });
    expect(snapshot.NodeSnapshots![0]!.SnapshotCreateTime).toBeInstanceOf(Date);
    await waitForCluster(client, "solo", "available");

    // Writes after the snapshot are not in it.
    await redis.set("after", "1");
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "solo-restored", SnapshotName: "solo-snap", CacheNodeType: "cache.t3.micro" }));
    const restored = await waitForCluster(client, "solo-restored", "available");
    expect(restored.Engine).toBe("redis");
    const copy = redisAt(restored.CacheNodes![0]!.Endpoint!);
    expect(await countKeys(copy, 2000)).toBe(2000);
    expect(await copy.ttl("with-ttl")).toBeGreaterThan(3000);
    expect(await copy.exists("after")).toBe(0);
    expect(await copy.dbsize()).toBe(2001);
  });

  it("exports to a bucket as an .rdb file that SnapshotArns restores from", async () => {
    await client.send(new CopySnapshotCommand({ SourceSnapshotName: "solo-snap", TargetSnapshotName: "solo-export", TargetBucket: "my-bucket" }));
    const file = join(exportDir, "my-bucket", "solo-export-0001.rdb");
    expect(statSync(file).size).toBeGreaterThan(0);
    await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: "from-s3", Engine: "redis", CacheNodeType: "cache.t3.micro", SnapshotArns: ["arn:aws:s3:::my-bucket/solo-export-0001.rdb"] }),
    );
    const cluster = await waitForCluster(client, "from-s3", "available");
    expect(await countKeys(redisAt(cluster.CacheNodes![0]!.Endpoint!), 2000)).toBe(2000);
  });

  it("copies a snapshot in the region, with its data", async () => {
    const copied = await client.send(new CopySnapshotCommand({ SourceSnapshotName: "solo-snap", TargetSnapshotName: "solo-copy" }));
    expect(copied.Snapshot).toMatchObject({ SnapshotName: "solo-copy", SnapshotSource: "manual", CacheClusterId: "solo" });
    await waitSnapshot("solo-copy");
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "from-copy", SnapshotName: "solo-copy" }));
    const cluster = await waitForCluster(client, "from-copy", "available");
    expect(await countKeys(redisAt(cluster.CacheNodes![0]!.Endpoint!), 2000)).toBe(2000);
  });

  it("takes a final snapshot on DeleteCacheCluster that outlives the cluster", async () => {
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "from-copy", FinalSnapshotIdentifier: "from-copy-final" }));
    await waitForClusterGone(client, "from-copy");
    const final = await waitSnapshot("from-copy-final");
    expect(final).toMatchObject({ SnapshotSource: "manual", CacheClusterId: "from-copy" });
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "from-final", SnapshotName: "from-copy-final" }));
    const cluster = await waitForCluster(client, "from-final", "available");
    expect(await countKeys(redisAt(cluster.CacheNodes![0]!.Endpoint!), 2000)).toBe(2000);
  });
});

describe("cluster mode disabled", () => {
  it("snapshots from the replica and restores into a new group, replicas included", async () => {
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "rg", ReplicationGroupDescription: "d", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2 }),
    );
    const group = await waitForReplicationGroup(client, "rg", available);
    const primary = redisAt(group.NodeGroups![0]!.PrimaryEndpoint!);
    await writeKeys(primary, 3000);

    const created = await client.send(new CreateSnapshotCommand({ ReplicationGroupId: "rg", SnapshotName: "rg-snap" }));
    expect(created.Snapshot).toMatchObject({ ReplicationGroupId: "rg", ReplicationGroupDescription: "d", NumNodeGroups: 1, AutomaticFailover: "disabled" });
    const snapshot = await waitSnapshot("rg-snap");
    // AWS takes a group's snapshot from a replica when there is one.
    expect(snapshot.NodeSnapshots).toEqual([expect.objectContaining({ CacheClusterId: "rg-002", NodeGroupId: "0001", CacheNodeId: "0001" })]);
    await waitForReplicationGroup(client, "rg", available);

    await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "rg-restored", ReplicationGroupDescription: "r", SnapshotName: "rg-snap", NumCacheClusters: 2 }));
    const restored = await waitForReplicationGroup(client, "rg-restored", available);
    expect(restored.CacheNodeType).toBe("cache.t3.micro");
    expect(await countKeys(redisAt(restored.NodeGroups![0]!.PrimaryEndpoint!), 3000)).toBe(3000);
    const replica = restored.NodeGroups![0]!.NodeGroupMembers!.find((m) => m.CurrentRole === "replica")!;
    expect(await countKeys(redisAt(replica.ReadEndpoint!), 3000)).toBe(3000);
  });

  it("takes a final snapshot on DeleteReplicationGroup", async () => {
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "rg-restored", FinalSnapshotIdentifier: "rg-final" }));
    const final = await waitSnapshot("rg-final");
    expect(final).toMatchObject({ ReplicationGroupId: "rg-restored", SnapshotSource: "manual" });
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "rg-final-solo", SnapshotName: "rg-final" }));
    const cluster = await waitForCluster(client, "rg-final-solo", "available");
    expect(await countKeys(redisAt(cluster.CacheNodes![0]!.Endpoint!), 3000)).toBe(3000);
  });
});

describe("cluster mode enabled", () => {
  const KEYS = 6000;

  it("snapshots every shard with its slots", async () => {
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "sharded", ReplicationGroupDescription: "s", Engine: "redis", CacheNodeType: "cache.t3.micro", NumNodeGroups: 3, ReplicasPerNodeGroup: 1 }),
    );
    const group = await waitForReplicationGroup(client, "sharded", available);
    await writeKeys(clusterAt(group), KEYS);
    await client.send(new CreateSnapshotCommand({ ReplicationGroupId: "sharded", SnapshotName: "sharded-snap" }));
    const snapshot = await waitSnapshot("sharded-snap");
    expect(snapshot.NumNodeGroups).toBe(3);
    expect(snapshot.CacheClusterId).toBeUndefined();
    expect(snapshot.NodeSnapshots!.map((n) => [n.NodeGroupId, n.CacheClusterId])).toEqual([
      ["0001", "sharded-0001-002"],
      ["0002", "sharded-0002-002"],
      ["0003", "sharded-0003-002"],
    ]);
    expect(snapshot.NodeSnapshots!.map((n) => n.NodeGroupConfiguration?.Slots)).toEqual(group.NodeGroups!.map((ng) => ng.Slots));
    expect(snapshot.NodeSnapshots![0]!.NodeGroupConfiguration).toMatchObject({ ReplicaCount: 1 });
  });

  it("restores into the same number of shards", async () => {
    await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "sharded-same", ReplicationGroupDescription: "s", SnapshotName: "sharded-snap" }));
    const group = await waitForReplicationGroup(client, "sharded-same", available);
    expect(group.ClusterEnabled).toBe(true);
    expect(group.NodeGroups).toHaveLength(3);
    expect(await countKeys(clusterAt(group), KEYS)).toBe(KEYS);
  });

  it("restores into another number of shards, keys spread by slot", async () => {
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "sharded-two", ReplicationGroupDescription: "s", SnapshotName: "sharded-snap", NumNodeGroups: 2, ReplicasPerNodeGroup: 1 }),
    );
    const group = await waitForReplicationGroup(client, "sharded-two", available);
    expect(group.NodeGroups).toHaveLength(2);
    const cluster = clusterAt(group);
    expect(await countKeys(cluster, KEYS)).toBe(KEYS);
    const sizes = await Promise.all(cluster.nodes("master").map((n) => n.dbsize()));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(KEYS);
  });

  it("restores a group from the exported RDB of every shard (SnapshotArns)", async () => {
    await client.send(new CopySnapshotCommand({ SourceSnapshotName: "sharded-snap", TargetSnapshotName: "sharded-export", TargetBucket: "shards" }));
    const arns = ["0001", "0002", "0003"].map((ng) => `arn:aws:s3:::shards/sharded-export-${ng}.rdb`);
    for (const ng of ["0001", "0002", "0003"]) expect(statSync(join(exportDir, "shards", `sharded-export-${ng}.rdb`)).size).toBeGreaterThan(0);
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "from-exports",
        ReplicationGroupDescription: "s",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumNodeGroups: 3,
        SnapshotArns: arns,
      }),
    );
    const group = await waitForReplicationGroup(client, "from-exports", available);
    expect(await countKeys(clusterAt(group), KEYS)).toBe(KEYS);
  });

  it("seeds a sharded group from a single-node snapshot", async () => {
    await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "solo-sharded", ReplicationGroupDescription: "s", SnapshotName: "solo-snap", NumNodeGroups: 2 }));
    const group = await waitForReplicationGroup(client, "solo-sharded", available);
    expect(await countKeys(clusterAt(group), 2000)).toBe(2000);
  });
});
