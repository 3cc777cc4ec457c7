/**
 * Availability Zone power interruption (POST /_emulator/faults/az-power-interruption), as AWS
 * FIS does it to a replication group: every node in the zone goes down for the duration, every
 * primary there moves to another zone, nothing in the zone is replaced until power is back, and
 * then the zone's nodes return as replicas with the data.
 */
import { CreateReplicationGroupCommand, DescribeEventsCommand, type ElastiCacheClient, type ReplicationGroup } from "@aws-sdk/client-elasticache";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { RedisClients } from "../helpers/redis-clients.js";
import { describeReplicationGroup, eventually, waitFor, waitForReplicationGroup } from "../helpers/wait.js";
import { activeFaults, emulatorCall, listNodes } from "./helpers.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const redisClients = new RedisClients();

/** Each member's zone, from the emulator's node listing. */
async function zones(groupId: string): Promise<Map<string, string>> {
  return new Map((await listNodes(emulator)).filter((n) => n.replicationGroupId === groupId).map((n) => [n.cacheClusterId, n.availabilityZone!]));
}

/** A member cluster's event messages (the last hour). */
function memberEvents(id: string): () => Promise<string[]> {
  return async () => (await client.send(new DescribeEventsCommand({ SourceIdentifier: id, SourceType: "cache-cluster", Duration: 60 }))).Events!.map((e) => e.Message!);
}

function primaries(group: ReplicationGroup): string[] {
  return group.NodeGroups!.map((ng) => ng.NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId!);
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: "zonal",
      ReplicationGroupDescription: "az",
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumCacheClusters: 3,
      PreferredCacheClusterAZs: ["us-east-1a", "us-east-1b", "us-east-1c"],
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    }),
  );
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: "sharded",
      ReplicationGroupDescription: "az",
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumNodeGroups: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      NodeGroupConfiguration: [
        { NodeGroupId: "0001", PrimaryAvailabilityZone: "us-east-1a", ReplicaAvailabilityZones: ["us-east-1b"], ReplicaCount: 1 },
        { NodeGroupId: "0002", PrimaryAvailabilityZone: "us-east-1a", ReplicaAvailabilityZones: ["us-east-1c"], ReplicaCount: 1 },
      ],
    }),
  );
  await waitForReplicationGroup(client, "zonal", (g) => g.Status === "available", 90_000);
  await waitForReplicationGroup(client, "sharded", (g) => g.Status === "available", 90_000);
}, 180_000);
afterAll(async () => {
  redisClients.disconnectAll();
  await emulator?.stop();
});

describe("cluster mode disabled", () => {
  it("the primary leaves the zone without power; the zone's node stays down until the end, then returns as a replica", async () => {
    const group = await describeReplicationGroup(client, "zonal");
    const byZone = await zones("zonal");
    const [primary] = primaries(group);
    const zone = byZone.get(primary!)!;
    const writer = redisClients.connect(group.NodeGroups![0].PrimaryEndpoint!);
    await writer.set("before", "1");
    // Replication is asynchronous, on AWS too: a write only the primary holds may go with it.
    expect(await writer.call("WAIT", "2", "5000")).toBe(2);

    const started = await emulatorCall(emulator, "POST", "faults/az-power-interruption", { replicationGroupId: "zonal", availabilityZone: zone, durationMs: 5000 });
    expect(started.status).toBe(201);
    expect(started.json).toMatchObject({ id: expect.stringMatching(/^az-\d+$/), kind: "az-power-interruption", target: { replicationGroupId: "zonal", availabilityZone: zone }, details: { cacheClusterIds: [primary] } });

    const moved = await waitForReplicationGroup(client, "zonal", (g) => primaries(g)[0] !== primary);
    expect(byZone.get(primaries(moved)[0]!)).not.toBe(zone);
    // The primary endpoint takes writes in the new zone while the old one has no power.
    await eventually(async () => (await writer.set("during", "1").catch(() => null)) === "OK", { timeoutMs: 20_000 });
    expect(await writer.get("before")).toBe("1");
    // Not replaced while the interruption lasts.
    const during = await listNodes(emulator);
    expect((await activeFaults(emulator)).map((f) => f.id)).toContain(started.json.id);
    expect(during.find((n) => n.cacheClusterId === primary)!.pid).toBeUndefined();

    await waitFor(() => activeFaults(emulator), (faults) => faults.length === 0, { timeoutMs: 30_000, what: "power back" });
    const back = await waitForReplicationGroup(client, "zonal", (g) => g.Status === "available" && g.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === primary)?.CurrentRole === "replica");
    const returned = redisClients.connect(back.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === primary)!.ReadEndpoint!);
    await eventually(async () => (await returned.get("during").catch(() => null)) === "1", { timeoutMs: 20_000 });
    const messages = await waitFor(memberEvents(primary!), (m) => m.includes("Finished recovery for cache nodes 0001"), { what: "the recovery event" });
    expect(messages).toContain("Recovering cache nodes 0001");
  }, 90_000);
});

describe("cluster mode enabled", () => {
  /** The members that are primaries now, by the emulator's node listing (AWS shows no CurrentRole in cluster mode). */
  async function clusterPrimaries(): Promise<string[]> {
    return (await listNodes(emulator)).filter((n) => n.replicationGroupId === "sharded" && n.role === "primary").map((n) => n.cacheClusterId).sort();
  }

  it("every primary of the zone moves out of it; the cluster serves every slot; the nodes come back as replicas", async () => {
    const group = await describeReplicationGroup(client, "sharded");
    const byZone = await zones("sharded");
    const before = await clusterPrimaries();
    expect(before.map((id) => byZone.get(id))).toEqual(["us-east-1a", "us-east-1a"]);

    const started = await emulatorCall(emulator, "POST", "faults/az-power-interruption", { replicationGroupId: "sharded", availabilityZone: "us-east-1a", durationMs: 5000 });
    expect(started.status).toBe(201);
    expect(started.json.details.cacheClusterIds.sort()).toEqual(before);

    const moved = await waitFor(clusterPrimaries, (ids) => ids.length === 2 && ids.every((id) => byZone.get(id) !== "us-east-1a"), { timeoutMs: 30_000, what: "primaries out of the zone" });
    expect(moved.map((id) => byZone.get(id)).sort()).toEqual(["us-east-1b", "us-east-1c"]);
    const cluster = new Cluster([{ host: group.ConfigurationEndpoint!.Address!, port: group.ConfigurationEndpoint!.Port! }], { clusterRetryStrategy: () => 50 });
    cluster.on("error", () => undefined);
    try {
      for (const key of ["a", "b", "c", "d", "e", "f"]) await eventually(async () => (await cluster.set(key, key).catch(() => null)) === "OK", { timeoutMs: 20_000 });
    } finally {
      cluster.disconnect();
    }

    await waitFor(() => activeFaults(emulator), (faults) => faults.length === 0, { timeoutMs: 30_000, what: "power back" });
    await waitForReplicationGroup(client, "sharded", (g) => g.Status === "available");
    const nodes = await waitFor(() => listNodes(emulator), (list) => list.filter((n) => n.replicationGroupId === "sharded").every((n) => n.status === "available" && n.pid !== undefined), { what: "every node back" });
    for (const id of before) {
      const node = nodes.find((n) => n.cacheClusterId === id)!;
      expect(node.role).toBe("replica");
      const redis = new Redis(node.port!, "127.0.0.1", { maxRetriesPerRequest: 1 });
      redis.on("error", () => undefined);
      await eventually(async () => ((await redis.call("ROLE").catch(() => [])) as unknown[])[0] === "slave", { timeoutMs: 20_000 });
      redis.disconnect();
    }
    expect(await clusterPrimaries()).toEqual(moved);
  }, 120_000);
});

describe("refusals", () => {
  it("404 for an unknown group, 400 for bad bodies and a zone without nodes, 409 for a second zone at once; nothing changes", async () => {
    const nodesBefore = await listNodes(emulator);
    const answers = [
      [await emulatorCall(emulator, "POST", "faults/az-power-interruption", { replicationGroupId: "nope", availabilityZone: "us-east-1a", durationMs: 1000 }), 404],
      [await emulatorCall(emulator, "POST", "faults/az-power-interruption", { replicationGroupId: "zonal", availabilityZone: "us-east-1a" }), 400],
      [await emulatorCall(emulator, "POST", "faults/az-power-interruption", { replicationGroupId: "zonal", durationMs: 1000 }), 400],
      [await emulatorCall(emulator, "POST", "faults/az-power-interruption", { replicationGroupId: "zonal", availabilityZone: "us-east-1a", durationMs: 1000, extra: 1 }), 400],
      [await emulatorCall(emulator, "POST", "faults/az-power-interruption", { replicationGroupId: "zonal", availabilityZone: "us-east-1f", durationMs: 1000 }), 400],
    ] as const;
    for (const [answer, status] of answers) {
      expect(answer.status).toBe(status);
      expect(answer.json.error).toEqual(expect.any(String));
    }
    expect(await listNodes(emulator)).toEqual(nodesBefore);
    expect(await activeFaults(emulator)).toEqual([]);

    const byZone = await zones("zonal");
    const replicaZone = byZone.get(primaries(await describeReplicationGroup(client, "zonal")).includes("zonal-002") ? "zonal-003" : "zonal-002")!;
    const first = await emulatorCall(emulator, "POST", "faults/az-power-interruption", { replicationGroupId: "zonal", availabilityZone: replicaZone, durationMs: 600_000 });
    expect(first.status).toBe(201);
    const second = await emulatorCall(emulator, "POST", "faults/az-power-interruption", { replicationGroupId: "zonal", availabilityZone: "us-east-1b", durationMs: 1000 });
    expect(second.status).toBe(409);
    expect(second.json.error).toContain(first.json.id);
    // Cleared early: power is back at once and the replica returns.
    expect((await emulatorCall(emulator, "DELETE", `faults/${first.json.id}`)).status).toBe(200);
    await waitFor(() => listNodes(emulator), (nodes) => nodes.filter((n) => n.replicationGroupId === "zonal").every((n) => n.pid !== undefined && n.status === "available"), { what: "every node back" });
  }, 60_000);
});

describe("a paused primary in cluster mode", () => {
  it("is failed over while paused; once resumed, Redis Cluster makes it a replica and every slot is served", async () => {
    const nodes = await waitFor(() => listNodes(emulator), (list) => list.filter((n) => n.replicationGroupId === "sharded").every((n) => n.status === "available" && n.pid !== undefined), { what: "every node running" });
    const primary = nodes.find((n) => n.replicationGroupId === "sharded" && n.role === "primary")!;
    const recoveriesBefore = (await memberEvents(primary.cacheClusterId)()).filter((m) => m === "Finished recovery for cache nodes 0001").length;
    const injected = await emulatorCall(emulator, "POST", `nodes/${primary.cacheClusterId}/0001/faults`, { fault: "pause", durationMs: 5000 });
    expect(injected.status).toBe(201);
    await waitFor(() => listNodes(emulator), (list) => list.find((n) => n.cacheClusterId === primary.cacheClusterId)!.role === "replica", { what: "the failover" });
    const group = await describeReplicationGroup(client, "sharded");
    const cluster = new Cluster([{ host: group.ConfigurationEndpoint!.Address!, port: group.ConfigurationEndpoint!.Port! }], { clusterRetryStrategy: () => 50 });
    cluster.on("error", () => undefined);
    try {
      for (const key of ["p", "q", "r", "s"]) await eventually(async () => (await cluster.set(key, key).catch(() => null)) === "OK", { timeoutMs: 20_000 });
    } finally {
      cluster.disconnect();
    }
    await waitFor(() => activeFaults(emulator), (faults) => faults.length === 0, { timeoutMs: 30_000, what: "the pause to end" });
    const resumed = new Redis(primary.port!, "127.0.0.1", { maxRetriesPerRequest: 1 });
    resumed.on("error", () => undefined);
    try {
      await eventually(async () => ((await resumed.call("ROLE").catch(() => [])) as unknown[])[0] === "slave", { timeoutMs: 20_000 });
    } finally {
      resumed.disconnect();
    }
    // The recovery events of the earlier zone interruption are older: this one's pair comes after them.
    const messages = await waitFor(memberEvents(primary.cacheClusterId), (m) => m.filter((x) => x === "Finished recovery for cache nodes 0001").length >= recoveriesBefore + 1, { what: "the recovery event" });
    expect(messages.filter((m) => m === "Recovering cache nodes 0001").length).toBe(recoveriesBefore + 1);
  }, 90_000);
});
