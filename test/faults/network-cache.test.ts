/**
 * Network effects on a whole cache: every node of a replication group, seen through its
 * primary, reader and configuration endpoints, with the topology clients see unchanged; and
 * the nodes that cannot take an effect refused.
 */
import { CreateCacheClusterCommand, CreateReplicationGroupCommand, CreateServerlessCacheCommand, type ElastiCacheClient } from "@aws-sdk/client-elasticache";
import Redis, { Cluster } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";
import { memcachedCommand } from "../helpers/memcached.js";
import { fetchCa } from "../helpers/tls.js";
import { describeServerlessCache } from "../serverless-caches/helpers.js";
import { cacheFault, clearFault, emulatorCall, enginePid, listFaults, median, nodeFault, pingTimes, portOwner } from "./network-helpers.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const clients: Array<Redis | Cluster> = [];

function connect(endpoint: { Address?: string; Port?: number }, opts: Record<string, unknown> = {}): Redis {
  const redis = new Redis(endpoint.Port!, endpoint.Address!, { maxRetriesPerRequest: 0, ...opts });
  redis.on("error", () => undefined);
  clients.push(redis);
  return redis;
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await emulatorCall(emulator, "DELETE", "faults");
});
afterAll(async () => {
  await emulator?.stop();
});

describe("a replication group (cluster mode disabled)", () => {
  it("slows its primary and reader endpoints and every node; replication goes on; clearing restores them", async () => {
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "rgnet", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2 }),
    );
    const group = await waitForReplicationGroup(client, "rgnet", (g) => g.Status === "available");
    const primary = group.NodeGroups![0]!.PrimaryEndpoint!;
    const reader = group.NodeGroups![0]!.ReaderEndpoint!;
    const members = group.NodeGroups![0]!.NodeGroupMembers!;
    const baseline = await pingTimes(connect(primary), 10);
    const replicasOf = async () => {
      const role = (await connect(members.find((m) => m.CurrentRole === "primary")!.ReadEndpoint!).call("ROLE")) as [string, number, string[][]];
      return role[2].map(([ip, port]) => `${ip}:${port}`);
    };
    const replicasBefore = await replicasOf();
    expect(replicasBefore).toEqual([`${members.find((m) => m.CurrentRole === "replica")!.ReadEndpoint!.Address}:${members.find((m) => m.CurrentRole === "replica")!.ReadEndpoint!.Port}`]);

    const setAnswer = await cacheFault(emulator, "rgnet", { fault: "latency", latencyMs: 120 });
    expect(setAnswer.status).toBe(201);
    const set = { status: setAnswer.status, json: setAnswer.json.faults[0] };
    expect(set.status).toBe(201);
    expect(set.json.target).toEqual({ cacheId: "rgnet" });
    expect(set.json.details.nodes.map((n: { cacheClusterId: string }) => n.cacheClusterId).sort()).toEqual(members.map((m) => m.CacheClusterId).sort());

    const writer = connect(primary, { retryStrategy: () => 20, maxRetriesPerRequest: 3 });
    const read = connect(reader, { retryStrategy: () => 20, maxRetriesPerRequest: 3 });
    for (const endpoint of [writer, read]) expect(Math.min(...(await pingTimes(endpoint, 5)))).toBeGreaterThanOrEqual(120);
    for (const m of members) expect(Math.min(...(await pingTimes(connect(m.ReadEndpoint!), 3)))).toBeGreaterThanOrEqual(120);
    expect(median(baseline)).toBeLessThan(120);

    // Replication links stay, and ROLE still names the replica by its public port.
    await writer.set("replicated", "yes");
    await waitFor(() => read.get("replicated"), (v) => v === "yes", { what: "the write to reach the replica" });
    expect(await replicasOf()).toEqual(replicasBefore);

    await clearFault(emulator, set.json.id);
    for (const m of members) {
      const node = connect(m.ReadEndpoint!);
      expect(await portOwner(m.ReadEndpoint!.Port!)).toBe(await enginePid(node));
    }
    expect(Math.min(...(await pingTimes(connect(primary), 5)))).toBeLessThan(120);
  });

  it("resets the connections through its primary endpoint and blackholes them", async () => {
    const group = await waitForReplicationGroup(client, "rgnet", (g) => g.Status === "available");
    const primary = group.NodeGroups![0]!.PrimaryEndpoint!;
    const resetAnswer = await cacheFault(emulator, "rgnet", { fault: "reset" });
    expect(resetAnswer.status).toBe(201);
    const reset = { status: resetAnswer.status, json: resetAnswer.json.faults[0] };
    expect(reset.status).toBe(201);
    const fresh = connect(primary, { retryStrategy: () => null });
    await expect(fresh.ping()).rejects.toThrow();
    await clearFault(emulator, reset.json.id);

    const holeAnswer = await cacheFault(emulator, "rgnet", { fault: "blackhole" });
    expect(holeAnswer.status).toBe(201);
    const hole = { status: holeAnswer.status, json: holeAnswer.json.faults[0] };
    expect(hole.status).toBe(201);
    const lost = connect(primary, { commandTimeout: 300, retryStrategy: () => null });
    await expect(lost.ping()).rejects.toThrow(/timed out/i);
    await clearFault(emulator, hole.json.id);
    expect(await connect(primary).ping()).toBe("PONG");
  });
});

describe("a replication group (cluster mode enabled)", () => {
  it("slows a cluster client through the configuration endpoint, and CLUSTER SLOTS keeps the public ports", async () => {
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "cmnet", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumNodeGroups: 2, ReplicasPerNodeGroup: 1 }),
    );
    const group = await waitForReplicationGroup(client, "cmnet", (g) => g.Status === "available");
    const config = group.ConfigurationEndpoint!;
    const slotsBefore = await connect(config).call("CLUSTER", "SLOTS");

    const setAnswer = await cacheFault(emulator, "cmnet", { fault: "latency", latencyMs: 100 });
    expect(setAnswer.status).toBe(201);
    const set = { status: setAnswer.status, json: setAnswer.json.faults[0] };
    expect(set.status).toBe(201);
    expect(set.json.details.nodes).toHaveLength(4);
    const cluster = new Cluster([{ host: config.Address!, port: config.Port! }]);
    clients.push(cluster);
    const t0 = performance.now();
    await cluster.set("{a}k", "1");
    await cluster.set("{b}k", "2");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200);
    expect(await cluster.get("{b}k")).toBe("2");
    // The nodes still announce their public ports (MOVED and CLUSTER SLOTS point where the effect is).
    expect(await connect(config).call("CLUSTER", "SLOTS")).toEqual(slotsBefore);
    await clearFault(emulator, set.json.id);
    expect(await connect(config).call("CLUSTER", "SLOTS")).toEqual(slotsBefore);
  });
});

describe("a serverless cache", () => {
  it("slows its endpoint and reader endpoint over TLS, clearing gives the engines their ports back, and a reset reaches the client", async () => {
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "slnet", Engine: "valkey" }));
    const cache = await describeServerlessCache(client, "slnet", (c) => c.Status === "available");
    const ca = await fetchCa(emulator);
    const endpoints = [cache.Endpoint!, cache.ReaderEndpoint!];
    const setAnswer = await cacheFault(emulator, "slnet", { fault: "latency", latencyMs: 100 });
    expect(setAnswer.status).toBe(201);
    const set = { status: setAnswer.status, json: setAnswer.json.faults[0] };
    expect(set.status).toBe(201);
    expect(set.json.details.nodes).toHaveLength(2);
    for (const endpoint of endpoints) {
      const redis = connect(endpoint, { tls: { ca } });
      expect(Math.min(...(await pingTimes(redis, 3)))).toBeGreaterThanOrEqual(100);
    }
    await clearFault(emulator, set.json.id);
    // Without an ECPU limit or an IAM user its ports are the engines' own listeners: back on them, no effect.
    for (const endpoint of endpoints) {
      const redis = connect(endpoint, { tls: { ca } });
      expect(Math.min(...(await pingTimes(redis, 3)))).toBeLessThan(100);
    }

    // Through the front, a reset reaches the client as a reset.
    const resetAnswer = await cacheFault(emulator, "slnet", { fault: "reset" });
    expect(resetAnswer.status).toBe(201);
    const reset = { status: resetAnswer.status, json: resetAnswer.json.faults[0] };
    expect(reset.status).toBe(201);
    const fresh = connect(cache.Endpoint!, { tls: { ca }, retryStrategy: () => null, lazyConnect: true });
    const error = new Promise<string>((resolve) => fresh.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message)));
    await fresh.connect().catch(() => undefined);
    expect(await error).toBe("ECONNRESET");
  });

  it("with an ECPU limit (its ports are the IAM fronts), slows both endpoints and is fast again once cleared", async () => {
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "slnet-limited", Engine: "valkey", CacheUsageLimits: { ECPUPerSecond: { Maximum: 100_000 } } }));
    const cache = await describeServerlessCache(client, "slnet-limited", (c) => c.Status === "available");
    const ca = await fetchCa(emulator);
    const endpoints = [cache.Endpoint!, cache.ReaderEndpoint!];
    const answer = await cacheFault(emulator, "slnet-limited", { fault: "latency", latencyMs: 100 });
    expect(answer.status).toBe(201);
    for (const endpoint of endpoints) {
      const redis = connect(endpoint, { tls: { ca } });
      expect(Math.min(...(await pingTimes(redis, 3)))).toBeGreaterThanOrEqual(100);
    }
    await clearFault(emulator, answer.json.faults[0].id);
    for (const endpoint of endpoints) {
      const redis = connect(endpoint, { tls: { ca } });
      expect(Math.min(...(await pingTimes(redis, 3)))).toBeLessThan(100);
    }
  });
});

describe("a memcached node", () => {
  it("answering Auto Discovery, keeps its process and items behind the effect, slows its answers, and is direct again once cleared", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "mcnet", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
    const cluster = await waitForCluster(client, "mcnet", "available");
    const node = cluster.CacheNodes![0]!.Endpoint!;
    const other = cluster.CacheNodes![1]!.Endpoint!;
    const pidOf = async (port: number) => Number(/STAT pid (\d+)/.exec(await memcachedCommand(port, "stats\r\n"))![1]);
    await memcachedCommand(node.Port!, "set k 0 0 1\r\nv\r\n");
    await memcachedCommand(other.Port!, "set k 0 0 1\r\nw\r\n");
    const before = await pidOf(node.Port!);
    const baseline = performance.now();
    await memcachedCommand(node.Port!, "get k\r\n");
    const direct = performance.now() - baseline;

    const set = await nodeFault(emulator, "mcnet", "0001", { fault: "latency", latencyMs: 150 });
    expect(set.status).toBe(201);
    const t0 = performance.now();
    expect(await memcachedCommand(node.Port!, "get k\r\n")).toContain("VALUE k 0 1\r\nv"); // the same process, its items kept
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    expect(performance.now() - t0).toBeGreaterThan(direct);
    expect(await pidOf(node.Port!)).toBe(before);
    // Auto Discovery still answers on the node behind the effect.
    expect(await memcachedCommand(node.Port!, "config get cluster\r\n")).toContain("CONFIG cluster");
    // The other node has no effect and keeps its items.
    expect(await memcachedCommand(other.Port!, "get k\r\n")).toContain("VALUE k 0 1\r\nw");

    await clearFault(emulator, set.json.id);
    const t1 = performance.now();
    expect(await memcachedCommand(node.Port!, "get k\r\n")).toContain("VALUE k 0 1\r\nv");
    expect(performance.now() - t1).toBeLessThan(150);
    expect(await pidOf(node.Port!)).toBe(before);
  });

  it("without Auto Discovery on its node (the port is memcached's own), starts again behind the effect (empty) and is back on its port once cleared", async () => {
    const bare = await startEmulator({ memcachedNodeDiscovery: false });
    try {
      const sdk = sdkClient(bare);
      await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "mcbare", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
      const cluster = await waitForCluster(sdk, "mcbare", "available");
      const node = cluster.CacheNodes![0]!.Endpoint!;
      const other = cluster.CacheNodes![1]!.Endpoint!;
      const pidOf = async (port: number) => Number(/STAT pid (\d+)/.exec(await memcachedCommand(port, "stats\r\n"))![1]);
      await memcachedCommand(node.Port!, "set k 0 0 1\r\nv\r\n");
      await memcachedCommand(other.Port!, "set k 0 0 1\r\nw\r\n");
      const before = await pidOf(node.Port!);
      expect(await portOwner(node.Port!)).toBe(before);

      const set = await nodeFault(bare, "mcbare", "0001", { fault: "latency", latencyMs: 150 });
      expect(set.status).toBe(201);
      expect(set.json.details.nodes).toEqual([{ cacheClusterId: "mcbare", cacheNodeId: "0001", port: node.Port, engineRestarted: true }]);
      expect(await portOwner(node.Port!)).toBe(process.pid);
      const t0 = performance.now();
      expect(await memcachedCommand(node.Port!, "get k\r\n")).toBe("END\r\n"); // a new, empty process
      expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
      expect(await pidOf(node.Port!)).not.toBe(before);
      expect(await memcachedCommand(other.Port!, "get k\r\n")).toContain("VALUE k 0 1\r\nw");

      await clearFault(bare, set.json.id);
      const after = await pidOf(node.Port!);
      expect(await portOwner(node.Port!)).toBe(after);
      expect((await waitForCluster(sdk, "mcbare", "available")).CacheNodes!.map((n) => n.CacheNodeStatus)).toEqual(["available", "available"]);
    } finally {
      await bare.stop();
    }
  });
});

describe("refusals on a whole cache", () => {
  it("refuses an effect a node of the cache already has, and changes nothing", async () => {
    const firstAnswer = await cacheFault(emulator, "mcnet", { fault: "blackhole" });
    expect(firstAnswer.status).toBe(201);
    const first = { status: firstAnswer.status, json: firstAnswer.json.faults[0] };
    expect(first.status).toBe(201);
    const again = await nodeFault(emulator, "mcnet", "0002", { fault: "blackhole" });
    expect(again.status).toBe(409);
    expect(await listFaults(emulator)).toEqual([first.json]);
  });
});
