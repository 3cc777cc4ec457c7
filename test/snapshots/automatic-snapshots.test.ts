/**
 * Automatic snapshots from SnapshotRetentionLimit and SnapshotWindow, on a snapshot clock
 * sped up so that a day passes in a second (`snapshotClockScale`).
 */
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DescribeSnapshotsCommand,
  ModifyCacheClusterCommand,
  type ElastiCacheClient,
  type Snapshot,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitFor, waitForCluster, waitForClusterGone, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;

async function snapshotsOf(filter: { CacheClusterId?: string; ReplicationGroupId?: string }): Promise<Snapshot[]> {
  return (await client.send(new DescribeSnapshotsCommand({ ...filter, SnapshotSource: "system" }))).Snapshots ?? [];
}

/** Polls until `accept` holds for the automatic snapshots of a source. */
function waitSnapshots(filter: { CacheClusterId?: string; ReplicationGroupId?: string }, accept: (s: Snapshot[]) => boolean): Promise<Snapshot[]> {
  return waitFor(() => snapshotsOf(filter), accept, {
    timeoutMs: 30_000,
    what: `the automatic snapshots of ${JSON.stringify(filter)} to match`,
    show: (found) => found.map((s) => `${s.SnapshotName} ${s.SnapshotStatus}`),
  });
}

/** Sends a delete, again while the source is busy with an automatic snapshot (a day passes each second here). */
async function deleteBetweenSnapshots(send: () => Promise<unknown>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return void (await send());
    } catch (error) {
      const code = (error as { name?: string }).name;
      if (i > 500 || (code !== "InvalidCacheClusterStateFault" && code !== "InvalidReplicationGroupStateFault")) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

beforeAll(async () => {
  emulator = await startEmulator({ snapshotClockScale: 86_400 });
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

describe("automatic snapshots", () => {
  it("are taken in the SnapshotWindow, named as AWS names them, with the data", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "auto", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "manual-only", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
    const cluster = await waitForCluster(client, "auto", "available");
    const redis = new Redis(cluster.CacheNodes![0]!.Endpoint!.Port!, cluster.CacheNodes![0]!.Endpoint!.Address!);
    await redis.set("daily", "data");
    redis.disconnect();
    // Automatic snapshots from now on: every one has the key.
    const modified = await client.send(
      new ModifyCacheClusterCommand({ CacheClusterId: "auto", SnapshotRetentionLimit: 2, SnapshotWindow: "03:00-04:00", ApplyImmediately: true }),
    );
    expect(modified.CacheCluster).toMatchObject({ SnapshotRetentionLimit: 2, SnapshotWindow: "03:00-04:00" });

    const taken = await waitSnapshots({ CacheClusterId: "auto" }, (s) => s.some((x) => x.SnapshotStatus === "available"));
    // Kept two (snapshot clock) days, two seconds here: long enough to restore from it.
    const first = taken.find((x) => x.SnapshotStatus === "available");
    expect(first!.SnapshotName).toMatch(/^automatic\.auto-\d{4}-\d{2}-\d{2}-03-00$/);
    expect(first).toMatchObject({ SnapshotSource: "automated", CacheClusterId: "auto", SnapshotRetentionLimit: 2, SnapshotWindow: "03:00-04:00" });

    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "from-auto", SnapshotName: first!.SnapshotName }));
    const restored = await waitForCluster(client, "from-auto", "available");
    const copy = new Redis(restored.CacheNodes![0]!.Endpoint!.Port!, restored.CacheNodes![0]!.Endpoint!.Address!);
    try {
      expect(await copy.get("daily")).toBe("data");
    } finally {
      copy.disconnect();
    }
  });

  it("keep SnapshotRetentionLimit days: older ones go as new ones are taken", async () => {
    const [first] = await snapshotsOf({ CacheClusterId: "auto" });
    const later = await waitSnapshots({ CacheClusterId: "auto" }, (s) => s.length > 0 && !s.some((x) => x.SnapshotName === first!.SnapshotName));
    expect(later[0]!.SnapshotName! > first!.SnapshotName!).toBe(true);
    // At most the last two days' are kept (and the one being taken).
    expect(later.filter((x) => x.SnapshotStatus === "available").length).toBeLessThanOrEqual(2);
    // SnapshotRetentionLimit 0 (the default) takes none.
    expect(await snapshotsOf({ CacheClusterId: "manual-only" })).toEqual([]);
  });

  it("of a replication group carry its id; they go with the group, a final snapshot stays", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "auto-rg",
        ReplicationGroupDescription: "d",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        SnapshotRetentionLimit: 3,
      }),
    );
    await waitForReplicationGroup(client, "auto-rg", (g) => g.Status === "available" || g.Status === "snapshotting");
    const taken = await waitSnapshots({ ReplicationGroupId: "auto-rg" }, (s) => s.filter((x) => x.SnapshotStatus === "available").length >= 2);
    expect(taken.every((s) => s.SnapshotName!.startsWith("automatic.auto-rg-"))).toBe(true);
    expect(taken[0]!.NodeSnapshots![0]!.CacheClusterId).toBe("auto-rg-002");

    await deleteBetweenSnapshots(() => client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "auto-rg", FinalSnapshotIdentifier: "auto-rg-final" })));
    await waitSnapshots({ ReplicationGroupId: "auto-rg" }, (s) => s.length === 0);
    const kept = await client.send(new DescribeSnapshotsCommand({ ReplicationGroupId: "auto-rg" }));
    expect(kept.Snapshots!.map((s) => [s.SnapshotName, s.SnapshotSource])).toEqual([["auto-rg-final", "manual"]]);
  });

  it("go with a deleted cluster", async () => {
    await deleteBetweenSnapshots(() => client.send(new DeleteCacheClusterCommand({ CacheClusterId: "auto" })));
    await waitForClusterGone(client, "auto");
    const left = (await client.send(new DescribeSnapshotsCommand({}))).Snapshots!.map((s) => s.SnapshotName);
    expect(left.filter((n) => n!.startsWith("automatic.auto-2"))).toEqual([]);
    expect(left).toContain("auto-rg-final");
  });
});
