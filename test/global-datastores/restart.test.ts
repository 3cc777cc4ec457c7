/**
 * A global datastore outlives a restart with a data dir: its record, its members' roles, and
 * the replication from the primary group to the secondary (the secondary's engines come back
 * as primaries of their own and follow the primary group again; cluster mode enabled: the
 * shard relays sync again and the secondary still refuses writes).
 */
import {
  CreateGlobalReplicationGroupCommand,
  CreateReplicationGroupCommand,
  DescribeGlobalReplicationGroupsCommand,
  type ElastiCacheClient,
  type GlobalReplicationGroup,
} from "@aws-sdk/client-elasticache";
import { Cluster } from "ioredis";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { RedisClients } from "../helpers/redis-clients.js";
import { describeReplicationGroup, waitFor, waitForReplicationGroup } from "../helpers/wait.js";

let dir: string;
const nodePorts = nodePortRange();
const running: Emulator[] = [];
const redisClients = new RedisClients();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elasticache-local-gds-"));
});
afterAll(async () => {
  redisClients.disconnectAll();
  for (const e of running) await e.stop();
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<Emulator> {
  const emulator = await startEmulator({ dataDir: dir, nodePorts });
  running.push(emulator);
  return emulator;
}

function waitGlobal(client: ElastiCacheClient, id: string): Promise<GlobalReplicationGroup> {
  return waitFor(
    async () => (await client.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: id, ShowMemberInfo: true }))).GlobalReplicationGroups![0],
    (g) => g.Status === "available",
    { timeoutMs: 60_000, what: `global datastore ${id} to be available` },
  );
}

async function clusterOf(client: ElastiCacheClient, id: string): Promise<Cluster> {
  const group = await describeReplicationGroup(client, id);
  const cluster = new Cluster([{ host: group.ConfigurationEndpoint!.Address!, port: group.ConfigurationEndpoint!.Port! }]);
  cluster.on("error", () => undefined);
  return cluster;
}

const primaryEndpoint = (g: { NodeGroups?: Array<{ PrimaryEndpoint?: { Address?: string; Port?: number } }> }) => g.NodeGroups![0].PrimaryEndpoint!;

describe("a restart with a data dir", () => {
  it("keeps the global datastore, its members and the replication between them", async () => {
    const first = await start();
    const east = sdkClient(first, { region: "us-east-1" });
    const west = sdkClient(first, { region: "us-west-2" });
    await east.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "kept-east",
        ReplicationGroupDescription: "e",
        Engine: "redis",
        CacheNodeType: "cache.m5.large",
        NumCacheClusters: 1,
      }),
    );
    await waitForReplicationGroup(east, "kept-east", (g) => g.Status === "available");
    await east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: "kept", PrimaryReplicationGroupId: "kept-east" }));
    await west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "kept-west", ReplicationGroupDescription: "w", GlobalReplicationGroupId: "ldgnf-kept" }));
    await waitGlobal(east, "ldgnf-kept");
    await redisClients.connect(primaryEndpoint(await describeReplicationGroup(east, "kept-east"))).set("before-restart", "1");
    redisClients.disconnectAll();

    // Cluster mode enabled: the shard relays come back too.
    await east.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "kept-cme-east",
        ReplicationGroupDescription: "e",
        Engine: "redis",
        CacheNodeType: "cache.m5.large",
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 0,
      }),
    );
    await waitForReplicationGroup(east, "kept-cme-east", (g) => g.Status === "available");
    await east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: "kept-cme", PrimaryReplicationGroupId: "kept-cme-east" }));
    await west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "kept-cme-west", ReplicationGroupDescription: "w", GlobalReplicationGroupId: "ldgnf-kept-cme" }));
    await waitGlobal(east, "ldgnf-kept-cme");
    const before = await clusterOf(east, "kept-cme-east");
    await before.mset({ "{a}before": "1", "{a}x": "x" });
    await before.set("{b}before", "2");
    before.disconnect();
    await first.stop();

    const second = await start();
    await second.restored;
    const east2 = sdkClient(second, { region: "us-east-1" });
    const west2 = sdkClient(second, { region: "us-west-2" });
    const grg = await waitGlobal(east2, "ldgnf-kept");
    expect(grg.Members?.map((m) => [m.ReplicationGroupId, m.ReplicationGroupRegion, m.Role, m.Status])).toEqual([
      ["kept-east", "us-east-1", "PRIMARY", "associated"],
      ["kept-west", "us-west-2", "SECONDARY", "associated"],
    ]);
    const secondary = await waitForReplicationGroup(west2, "kept-west", (g) => g.Status === "available");
    expect(secondary.GlobalReplicationGroupInfo?.GlobalReplicationGroupMemberRole).toBe("SECONDARY");

    const primary = await waitForReplicationGroup(east2, "kept-east", (g) => g.Status === "available");
    await redisClients.connect(primaryEndpoint(primary)).set("after-restart", "2");
    const reader = redisClients.connect(primaryEndpoint(secondary));
    await waitFor(() => reader.mget("before-restart", "after-restart").catch(() => []), (v) => v[0] === "1" && v[1] === "2", { timeoutMs: 20_000 });
    await expect(reader.set("refused", "x")).rejects.toThrow(/READONLY/);

    await waitGlobal(east2, "ldgnf-kept-cme");
    await waitForReplicationGroup(east2, "kept-cme-east", (g) => g.Status === "available");
    await waitForReplicationGroup(west2, "kept-cme-west", (g) => g.Status === "available");
    const writer = await clusterOf(east2, "kept-cme-east");
    await writer.set("{b}after", "3");
    const secondaryCluster = await clusterOf(west2, "kept-cme-west");
    await waitFor(
      () => Promise.all(["{a}before", "{b}before", "{b}after"].map((k) => secondaryCluster.get(k))).catch(() => []),
      (v) => v[0] === "1" && v[1] === "2" && v[2] === "3",
      { timeoutMs: 30_000, what: "the keys on the cluster mode secondary" },
    );
    await expect(secondaryCluster.set("{a}refused", "x")).rejects.toThrow(/NOPERM/);
    writer.disconnect();
    secondaryCluster.disconnect();
  });
});
