/**
 * Serverless cache snapshots with real data: create, describe (filters, paging), copy,
 * export to the folder standing in for S3, delete; restores into a new serverless cache
 * from a serverless snapshot, a cluster mode node-based snapshot and an exported RDB, and
 * into a replication group; the final snapshot of a delete; daily snapshots with retention.
 */
import {
  CopyServerlessCacheSnapshotCommand,
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  CreateServerlessCacheSnapshotCommand,
  CreateSnapshotCommand,
  DeleteServerlessCacheCommand,
  DeleteServerlessCacheSnapshotCommand,
  DescribeEventsCommand,
  DescribeServerlessCacheSnapshotsCommand,
  DescribeSnapshotsCommand,
  ExportServerlessCacheSnapshotCommand,
  type ElastiCacheClient,
  type ServerlessCache,
  type ServerlessCacheSnapshot,
} from "@aws-sdk/client-elasticache";
import Redis, { type Cluster } from "ioredis";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { fetchCa } from "../helpers/tls.js";
import { waitFor, waitForReplicationGroup } from "../helpers/wait.js";
import { describeServerlessCache } from "./helpers.js";

let emulator: Emulator;
let sdk: ElastiCacheClient;
let ca: string;
let exportDir: string;
const clients: Array<Redis | Cluster> = [];

beforeAll(async () => {
  exportDir = mkdtempSync(join(tmpdir(), "serverless-exports-"));
  emulator = await startEmulator({ snapshotExportDir: exportDir });
  sdk = sdkClient(emulator);
  ca = await fetchCa(emulator);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await emulator?.stop();
  rmSync(exportDir, { recursive: true, force: true });
});

async function cache(name: string, input: object = {}): Promise<ServerlessCache> {
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: "valkey", ...input }));
  return describeServerlessCache(sdk, name, (c) => c.Status === "available" || c.Status === "create-failed");
}

function clusterOf(c: ServerlessCache): Cluster {
  const client = new Redis.Cluster([{ host: c.Endpoint!.Address!, port: c.Endpoint!.Port! }], { redisOptions: { tls: { ca } } });
  clients.push(client);
  return client;
}

async function countKeys(client: Cluster, prefix: string, n: number): Promise<number> {
  const values = await Promise.all(Array.from({ length: n }, (_, i) => client.get(`${prefix}:${i}`)));
  return values.filter((v, i) => v === String(i)).length;
}

const snapshotNamed = (name: string) =>
  waitFor(
    async () => (await sdk.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: name }))).ServerlessCacheSnapshots![0]!,
    (s) => s.Status === "available" || s.Status === "failed",
    { what: `serverless snapshot ${name}`, show: (s) => s.Status },
  );

let source: ServerlessCache;
let first: ServerlessCacheSnapshot;

describe("serverless cache snapshots", () => {
  it("take the cache's data: `creating`, then `available` with its size, and AWS's event", async () => {
    source = await cache("source");
    const c = clusterOf(source);
    for (let i = 0; i < 200; i++) await c.set(`s:${i}`, String(i));
    await c.set("ttl-key", "v", "EX", 3600);
    const out = await sdk.send(new CreateServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "Snap1", ServerlessCacheName: "source", Tags: [{ Key: "a", Value: "b" }] }));
    expect(out.ServerlessCacheSnapshot).toMatchObject({
      ServerlessCacheSnapshotName: "snap1",
      ARN: "arn:aws:elasticache:us-east-1:000000000000:serverlesscachesnapshot:snap1",
      SnapshotType: "manual",
      Status: "creating",
      ServerlessCacheConfiguration: { ServerlessCacheName: "source", Engine: "valkey", MajorEngineVersion: "8" },
    });
    first = await snapshotNamed("snap1");
    expect(first.Status).toBe("available");
    expect(Number(first.BytesUsedForCache)).toBeGreaterThan(1000);
    const events = await sdk.send(new DescribeEventsCommand({ SourceType: "serverless-cache-snapshot", SourceIdentifier: "snap1" }));
    expect(events.Events!.map((e) => e.Message)).toContain("Snapshot snap1 created for cache source.");
  });

  it("refuse what AWS refuses", async () => {
    await expectAwsError(sdk.send(new CreateServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "snap1", ServerlessCacheName: "source" })), "ServerlessCacheSnapshotAlreadyExistsFault", 400);
    await expectAwsError(sdk.send(new CreateServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "x", ServerlessCacheName: "nope" })), "ServerlessCacheNotFoundFault", 404);
    await expectAwsError(sdk.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: "nope" })), "ServerlessCacheSnapshotNotFoundFault", 404);
    await expectAwsError(sdk.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "nope" })), "ServerlessCacheSnapshotNotFoundFault", 404);
    await expectAwsError(
      sdk.send(new CopyServerlessCacheSnapshotCommand({ SourceServerlessCacheSnapshotName: "snap1", TargetServerlessCacheSnapshotName: "automatic.x" })),
      "InvalidParameterValue",
      400,
    );
    await expectAwsError(
      sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "bad", Engine: "valkey", SnapshotArnsToRestore: ["arn:aws:elasticache:us-east-1:000000000000:serverlesscachesnapshot:nope"] })),
      "ServerlessCacheSnapshotNotFoundFault",
      404,
    );
  });

  it("copy, export (never over an object) and delete", async () => {
    await sdk.send(new CopyServerlessCacheSnapshotCommand({ SourceServerlessCacheSnapshotName: "snap1", TargetServerlessCacheSnapshotName: "snap2" }));
    const copy = await snapshotNamed("snap2");
    expect(copy).toMatchObject({ Status: "available", SnapshotType: "manual", BytesUsedForCache: first.BytesUsedForCache });

    const exported = await sdk.send(new ExportServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "snap1", S3BucketName: "my-bucket" }));
    expect(exported.ServerlessCacheSnapshot!.Status).toBe("exporting");
    await snapshotNamed("snap1");
    expect(existsSync(join(exportDir, "my-bucket", "snap1-0001.rdb"))).toBe(true);
    await sdk.send(new ExportServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "snap1", S3BucketName: "my-bucket" }));
    await waitFor(
      async () => (await sdk.send(new DescribeEventsCommand({ SourceType: "serverless-cache-snapshot", SourceIdentifier: "snap1" }))).Events!.map((e) => e.Message),
      (messages) => messages.includes("Failed to export snapshot snap1 because there is already an object with the same name in the bucket."),
    );

    const page = await sdk.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: "source", MaxResults: 1 }));
    expect(page.ServerlessCacheSnapshots!.map((s) => s.ServerlessCacheSnapshotName)).toEqual(["snap1"]);
    const next = await sdk.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: "source", MaxResults: 1, NextToken: page.NextToken }));
    expect(next.ServerlessCacheSnapshots!.map((s) => s.ServerlessCacheSnapshotName)).toEqual(["snap2"]);
    expect((await sdk.send(new DescribeServerlessCacheSnapshotsCommand({ SnapshotType: "automated" }))).ServerlessCacheSnapshots).toEqual([]);

    const deleted = await sdk.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "snap2" }));
    expect(deleted.ServerlessCacheSnapshot!.Status).toBe("deleting");
    await waitFor(
      () => sdk.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: "snap2" })).then(() => "there", (e: { name?: string }) => e.name),
      (r) => r === "ServerlessCacheSnapshotNotFoundFault",
    );
  });
});

describe("restores carry the data", () => {
  it("into a new serverless cache from its snapshot, TTLs kept", async () => {
    const restored = await cache("from-serverless", {
      SnapshotArnsToRestore: [first.ARN!],
    });
    expect(restored.Status).toBe("available");
    const c = clusterOf(restored);
    expect(await countKeys(c, "s", 200)).toBe(200);
    expect(await c.ttl("ttl-key")).toBeGreaterThan(3000);
    expect((await snapshotNamed("snap1")).Status).toBe("available");
  });

  it("from a cluster mode node-based snapshot and an exported RDB together", async () => {
    await sdk.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "sharded", ReplicationGroupDescription: "s", Engine: "redis", CacheNodeType: "cache.t3.micro", NumNodeGroups: 2, ReplicasPerNodeGroup: 0 }),
    );
    const group = await waitForReplicationGroup(sdk, "sharded", (g) => g.Status === "available");
    const rg = new Redis.Cluster([{ host: group.ConfigurationEndpoint!.Address!, port: group.ConfigurationEndpoint!.Port! }]);
    clients.push(rg);
    for (let i = 0; i < 300; i++) await rg.set(`n:${i}`, String(i));
    const snap = await sdk.send(new CreateSnapshotCommand({ ReplicationGroupId: "sharded", SnapshotName: "sharded-snap" }));
    await waitFor(async () => (await sdk.send(new DescribeSnapshotsCommand({ SnapshotName: "sharded-snap" }))).Snapshots![0]!, (s) => s.SnapshotStatus === "available");
    const restored = await cache("from-nodes", {
      Engine: "redis",
      SnapshotArnsToRestore: [snap.Snapshot!.ARN!, "arn:aws:s3:::my-bucket/snap1-0001.rdb"],
    });
    expect(restored.Status).toBe("available");
    const c = clusterOf(restored);
    expect(await countKeys(c, "n", 300)).toBe(300);
    expect(await countKeys(c, "s", 200)).toBe(200);
  });

  it("into a replication group with ServerlessCacheSnapshotName", async () => {
    await sdk.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "from-sl", ReplicationGroupDescription: "r", CacheNodeType: "cache.t3.micro", ServerlessCacheSnapshotName: "snap1" }));
    const group = await waitForReplicationGroup(sdk, "from-sl", (g) => g.Status === "available");
    expect(group.Status).toBe("available");
    const r = new Redis(group.NodeGroups![0]!.PrimaryEndpoint!.Port!, group.NodeGroups![0]!.PrimaryEndpoint!.Address!);
    clients.push(r);
    expect(await r.dbsize()).toBe(201);
    expect(await r.get("s:150")).toBe("150");
  });

  it("and a delete takes its final snapshot first", async () => {
    await sdk.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: "source", FinalSnapshotName: "source-final" }));
    const final = await snapshotNamed("source-final");
    expect(final).toMatchObject({ Status: "available", SnapshotType: "manual" });
    const restored = await cache("from-final", { SnapshotArnsToRestore: [final.ARN!] });
    expect(await countKeys(clusterOf(restored), "s", 200)).toBe(200);
  });
});

describe("daily snapshots", () => {
  it("are taken at DailySnapshotTime and kept SnapshotRetentionLimit days (a day a second here)", async () => {
    const fast = await startEmulator({ snapshotClockScale: 86_400 });
    try {
      const client = sdkClient(fast);
      await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "daily", Engine: "redis", SnapshotRetentionLimit: 1, DailySnapshotTime: "03:00" }));
      await describeServerlessCache(client, "daily", (c) => c.Status === "available");
      const automated = () => client.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: "daily", SnapshotType: "automated" })).then((o) => o.ServerlessCacheSnapshots!);
      const firstSeen = await waitFor(automated, (list) => list.some((s) => s.Status === "available"), { what: "an automatic snapshot" });
      const one = firstSeen.find((s) => s.Status === "available")!;
      expect(one.ServerlessCacheSnapshotName).toMatch(/^automatic\.daily-\d{4}-\d\d-\d\d-03-00$/);
      expect(one.ExpiryTime).toBeInstanceOf(Date);
      // A day later (a second) it is past its retention and gone, while newer ones come.
      await waitFor(automated, (list) => !list.some((s) => s.ServerlessCacheSnapshotName === one.ServerlessCacheSnapshotName) && list.length > 0, {
        what: "the first automatic snapshot to expire",
      });
      await client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: "daily" }));
      await waitFor(automated, (list) => list.length === 0, { what: "automatic snapshots to go with their cache" });
    } finally {
      await fast.stop();
    }
  });
});
