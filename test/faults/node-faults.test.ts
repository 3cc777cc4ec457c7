/**
 * Node faults through /_emulator/: the process listing, kill and pause of a replication
 * group's primary under a writer on the primary endpoint (automatic failover, the old primary
 * back as a replica), restart and disconnect, faults on a whole cache, the active fault list
 * and clearing it, and the refusals (404, 400, 409) that change nothing.
 */
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  DescribeEventsCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { Redis } from "ioredis";
import { createConnection } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { RedisClients } from "../helpers/redis-clients.js";
import { describeReplicationGroup, eventually, waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";
import { describeServerlessCache } from "../serverless-caches/helpers.js";
import { activeFaults, emulatorCall, listNodes, Writer } from "./helpers.js";

let emulator: Emulator;
let client: ElastiCacheClient;
/** Socket destroy (a Memcached disconnect) needs root or CAP_NET_ADMIN. */
const privileged = process.getuid?.() === 0;
const redisClients = new RedisClients();

/** A client that fails a command after 500 ms without an answer (a paused node), so the writer goes on trying. */
function writerClient(endpoint: { Address?: string; Port?: number }): Redis {
  const redis = new Redis(endpoint.Port!, endpoint.Address!, { commandTimeout: 500, maxRetriesPerRequest: 1, retryStrategy: () => 20 });
  redis.on("error", () => undefined);
  return redis;
}

async function roleOf(endpoint: { Address?: string; Port?: number }): Promise<string | undefined> {
  const redis = new Redis(endpoint.Port!, endpoint.Address!, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return ((await redis.call("ROLE")) as unknown[])[0] as string;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

async function events(id: string): Promise<string[]> {
  return (await client.send(new DescribeEventsCommand({ SourceIdentifier: id, SourceType: "cache-cluster", Duration: 60 }))).Events!.map((e) => e.Message!);
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: "shop",
      ReplicationGroupDescription: "faults",
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumCacheClusters: 3,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    }),
  );
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: "solo", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: "mc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
  await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
  await waitForCluster(client, "solo", "available");
  await waitForCluster(client, "mc", "available");
}, 120_000);
afterAll(async () => {
  redisClients.disconnectAll();
  await emulator?.stop();
});

describe("GET /_emulator/nodes", () => {
  it("lists every engine process with its group, role, zone, port and the pid that answers there", async () => {
    const nodes = await listNodes(emulator);
    expect(nodes.map((n) => `${n.cacheClusterId}/${n.cacheNodeId}`).sort()).toEqual(["mc/0001", "mc/0002", "shop-001/0001", "shop-002/0001", "shop-003/0001", "solo/0001"]);
    const group = await describeReplicationGroup(client, "shop");
    const primaryId = group.NodeGroups![0].PrimaryEndpoint && group.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId;
    for (const node of nodes.filter((n) => n.replicationGroupId === "shop")) {
      expect(node.role).toBe(node.cacheClusterId === primaryId ? "primary" : "replica");
      expect(node).toMatchObject({ accountId: "000000000000", region: "us-east-1", engine: "redis", status: "available" });
      expect(node.availabilityZone).toMatch(/^us-east-1[a-z]$/);
      const redis = redisClients.connect({ Address: "127.0.0.1", Port: node.port });
      expect(Number(/process_id:(\d+)/.exec(await redis.info("server"))![1])).toBe(node.pid);
    }
    expect(nodes.find((n) => n.cacheClusterId === "mc")).toMatchObject({ engine: "memcached", status: "available" });
  });
});

describe("kill", () => {
  it("a killed primary: the writer on the primary endpoint goes on after the failover, the node comes back as a replica", async () => {
    const before = await describeReplicationGroup(client, "shop");
    const ng = before.NodeGroups![0];
    const primary = ng.NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!;
    const writer = new Writer(writerClient(ng.PrimaryEndpoint!));
    await writer.acknowledgedMore(20);
    const killedPid = (await listNodes(emulator)).find((n) => n.cacheClusterId === primary.CacheClusterId)!.pid;

    const injected = await emulatorCall(emulator, "POST", `nodes/${primary.CacheClusterId}/0001/faults`, { fault: "kill" });
    expect(injected.status).toBe(201);
    expect(injected.json).toMatchObject({ id: expect.stringMatching(/^node-\d+$/), kind: "kill", target: { cacheClusterId: primary.CacheClusterId, cacheNodeId: "0001", replicationGroupId: "shop" } });
    // The process is gone (reaped by the emulator) at once.
    await eventually(() => {
      try {
        process.kill(killedPid!, 0);
        return false;
      } catch {
        return true;
      }
    });

    await writer.acknowledgedMore(50);
    await writer.stop();
    console.log(`kill: the writer's longest wait between two acknowledged writes was ${writer.longestGapMs} ms (${writer.failed} failed writes)`);

    const after = await waitForReplicationGroup(client, "shop", (g) => {
      const members = g.NodeGroups![0].NodeGroupMembers!;
      return g.Status === "available" && members.find((m) => m.CacheClusterId === primary.CacheClusterId)?.CurrentRole === "replica";
    });
    expect(after.NodeGroups![0].NodeGroupMembers!.filter((m) => m.CurrentRole === "primary")).toHaveLength(1);
    // Active while the node is down; gone once it answers again, as a replica.
    await waitFor(() => activeFaults(emulator), (faults) => !faults.some((f) => f.id === injected.json.id), { what: "the kill fault to end" });
    await eventually(async () => (await roleOf(primary.ReadEndpoint!)) === "slave", { timeoutMs: 20_000 });
    await waitFor(() => events(primary.CacheClusterId!), (m) => m.includes("Finished recovery for cache nodes 0001"), { what: "the recovery event" });
    const messages = [
      ...(await events(primary.CacheClusterId!)),
      ...(await client.send(new DescribeEventsCommand({ SourceIdentifier: "shop", SourceType: "replication-group", Duration: 60 }))).Events!.map((e) => e.Message!),
    ];
    expect(messages).toContain("Recovering cache nodes 0001");
    expect(messages).toContain("Finished recovery for cache nodes 0001");
    expect(messages.some((m) => m.startsWith(`Failover from master node ${primary.CacheClusterId} to replica node`))).toBe(true);
  }, 60_000);
});

describe("pause", () => {
  it("a primary paused longer than failure detection is failed over; the writer goes on; the resumed node rejoins as a replica", async () => {
    const before = await describeReplicationGroup(client, "shop");
    const ng = before.NodeGroups![0];
    const primary = ng.NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!;
    const recoveriesBefore = (await events(primary.CacheClusterId!)).filter((x) => x === "Finished recovery for cache nodes 0001").length;
    const writer = new Writer(writerClient(ng.PrimaryEndpoint!));
    await writer.acknowledgedMore(20);

    const injected = await emulatorCall(emulator, "POST", `nodes/${primary.CacheClusterId}/0001/faults`, { fault: "pause", durationMs: 6000 });
    expect(injected.status).toBe(201);
    expect(injected.json).toMatchObject({ kind: "pause", endsAt: expect.any(String), details: { durationMs: 6000 } });
    expect((await listNodes(emulator)).find((n) => n.cacheClusterId === primary.CacheClusterId)!.status).toBe("paused");
    expect((await activeFaults(emulator)).map((f) => f.id)).toContain(injected.json.id);

    // Another member takes over while the old primary is still paused.
    const failedOver = await waitForReplicationGroup(client, "shop", (g) => g.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId !== primary.CacheClusterId);
    expect((await activeFaults(emulator)).map((f) => f.id)).toContain(injected.json.id);
    await writer.acknowledgedMore(50);
    await writer.stop();
    console.log(`pause: the writer's longest wait between two acknowledged writes was ${writer.longestGapMs} ms (${writer.failed} failed writes)`);
    const newPrimary = failedOver.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!;

    // Once resumed, the old primary follows the new one and has what was written meanwhile.
    await waitFor(() => activeFaults(emulator), (faults) => !faults.some((f) => f.id === injected.json.id), { timeoutMs: 30_000, what: "the pause to end" });
    const old = redisClients.connect(primary.ReadEndpoint!);
    await eventually(async () => ((await old.call("ROLE").catch(() => [])) as unknown[])[0] === "slave", { timeoutMs: 20_000 });
    const fresh = redisClients.connect(newPrimary.ReadEndpoint!);
    await fresh.set("after-pause", "yes");
    await eventually(async () => (await old.get("after-pause").catch(() => null)) === "yes", { timeoutMs: 20_000 });
    await waitFor(() => events(primary.CacheClusterId!), (m) => m.filter((x) => x === "Finished recovery for cache nodes 0001").length > recoveriesBefore, { what: "the recovery event after the pause" });
  }, 60_000);

  it("a replica paused past failure detection leaves the reader endpoint until it resumes", async () => {
    const group = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    const ng = group.NodeGroups![0];
    const replica = ng.NodeGroupMembers!.find((m) => m.CurrentRole === "replica")!;
    const injected = await emulatorCall(emulator, "POST", `nodes/${replica.CacheClusterId}/0001/faults`, { fault: "pause", durationMs: 600_000 });
    expect(injected.status).toBe(201);
    await waitFor(() => activeFaults(emulator), (faults) => faults.find((f) => f.id === injected.json.id)?.details?.unresponsive === true, { what: "failure detection" });
    // Every new connection through the reader endpoint reaches a node that answers.
    for (let i = 0; i < 6; i++) {
      const reader = new Redis(ng.ReaderEndpoint!.Port!, ng.ReaderEndpoint!.Address!, { commandTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
      reader.on("error", () => undefined);
      try {
        expect(await reader.ping()).toBe("PONG");
      } finally {
        reader.disconnect();
      }
    }
    await emulatorCall(emulator, "DELETE", `faults/${injected.json.id}`);
    // Back in the reader endpoint once it answers: some new connection reaches it again.
    await eventually(async () => {
      const reader = new Redis(ng.ReaderEndpoint!.Port!, ng.ReaderEndpoint!.Address!, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      reader.on("error", () => undefined);
      try {
        return Number(/tcp_port:(\d+)/.exec(await reader.info("server"))![1]) === replica.ReadEndpoint!.Port;
      } finally {
        reader.disconnect();
      }
    }, { timeoutMs: 20_000 });
  }, 60_000);

  it("a pause cleared early resumes the node at once", async () => {
    const node = (await listNodes(emulator)).find((n) => n.cacheClusterId === "solo")!;
    const injected = await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "pause", durationMs: 600_000 });
    expect(injected.status).toBe(201);
    const redis = new Redis(node.port!, "127.0.0.1", { commandTimeout: 300, maxRetriesPerRequest: 0 });
    redis.on("error", () => undefined);
    await expect(redis.ping()).rejects.toThrow(/timed out/i);
    const cleared = await emulatorCall(emulator, "DELETE", `faults/${injected.json.id}`);
    expect(cleared).toEqual({ status: 200, json: { cleared: [injected.json.id] } });
    const again = new Redis(node.port!, "127.0.0.1", { maxRetriesPerRequest: 0 });
    expect(await again.ping()).toBe("PONG");
    again.disconnect();
    redis.disconnect();
    expect((await listNodes(emulator)).find((n) => n.cacheClusterId === "solo")!.status).toBe("available");
  });
});

describe("restart and disconnect", () => {
  it("restart: a standalone node's process ends and a new one answers on the same port", async () => {
    const node = (await listNodes(emulator)).find((n) => n.cacheClusterId === "solo")!;
    const injected = await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "restart" });
    expect(injected.status).toBe(201);
    expect(injected.json).toMatchObject({ kind: "restart", details: { signal: "SIGTERM", pid: node.pid } });
    const back = await waitFor(() => listNodes(emulator), (nodes) => {
      const n = nodes.find((x) => x.cacheClusterId === "solo")!;
      return n.pid !== undefined && n.pid !== node.pid && n.status === "available";
    });
    expect(back.find((n) => n.cacheClusterId === "solo")!.port).toBe(node.port);
    const redis = redisClients.connect({ Address: "127.0.0.1", Port: node.port });
    expect(await redis.ping()).toBe("PONG");
    expect(await events("solo")).toContain("Recovering cache nodes 0001");
  });

  it("disconnect: every Redis client connection is closed, the node keeps running", async () => {
    const node = (await listNodes(emulator)).find((n) => n.cacheClusterId === "solo")!;
    const a = new Redis(node.port!, "127.0.0.1", { retryStrategy: () => null });
    const sub = new Redis(node.port!, "127.0.0.1", { retryStrategy: () => null });
    a.on("error", () => undefined);
    sub.on("error", () => undefined);
    await a.ping();
    await sub.subscribe("news");
    const closed = Promise.all([new Promise((r) => a.once("end", r)), new Promise((r) => sub.once("end", r))]);
    const injected = await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "disconnect" });
    expect(injected.status).toBe(201);
    expect(injected.json.details.connectionsClosed).toBeGreaterThanOrEqual(2);
    await closed;
    expect((await listNodes(emulator)).find((n) => n.cacheClusterId === "solo")!.pid).toBe(node.pid);
  });

  it("disconnect: a Memcached client's connection is reset", async () => {
    const node = (await listNodes(emulator)).find((n) => n.cacheClusterId === "mc" && n.cacheNodeId === "0001")!;
    const socket = createConnection(node.port!, "127.0.0.1");
    socket.on("error", () => undefined);
    await new Promise<void>((resolve) => {
      socket.once("data", () => resolve());
      socket.write("version\r\n");
    });
    const closed = new Promise((r) => socket.once("close", r));
    const injected = await emulatorCall(emulator, "POST", "nodes/mc/0001/faults", { fault: "disconnect" });
    if (!privileged) {
      // Without CAP_NET_ADMIN the kernel keeps the sockets: refused, nothing closed.
      expect(injected.status).toBe(501);
      expect(injected.json.error).toMatch(/CAP_NET_ADMIN/);
      expect(socket.destroyed).toBe(false);
      socket.destroy();
      return;
    }
    expect(injected.status).toBe(201);
    expect(injected.json.details.connectionsClosed).toBeGreaterThanOrEqual(1);
    await closed;
  });

  it("a fault on a whole cache applies to every node of it", async () => {
    const nodes = (await listNodes(emulator)).filter((n) => n.replicationGroupId === "shop");
    const ended = nodes.map((n) => {
      const redis = new Redis(n.port!, "127.0.0.1", { retryStrategy: () => null });
      redis.on("error", () => undefined);
      return { ready: redis.ping(), end: new Promise((r) => redis.once("end", r)) };
    });
    await Promise.all(ended.map((e) => e.ready));
    const injected = await emulatorCall(emulator, "POST", "caches/shop/faults", { fault: "disconnect" });
    expect(injected.status).toBe(201);
    expect(injected.json.faults.map((f: { target: { cacheClusterId: string } }) => f.target.cacheClusterId).sort()).toEqual(["shop-001", "shop-002", "shop-003"]);
    await Promise.all(ended.map((e) => e.end));
    // Replication is not a client connection: it goes on.
    const group = await describeReplicationGroup(client, "shop");
    const writer = redisClients.connect(group.NodeGroups![0].PrimaryEndpoint!);
    await writer.set("after-disconnect", "1");
    for (const member of group.NodeGroups![0].NodeGroupMembers!.filter((m) => m.CurrentRole === "replica")) {
      const replica = redisClients.connect(member.ReadEndpoint!);
      await eventually(async () => (await replica.get("after-disconnect").catch(() => null)) === "1");
    }
  });
});

describe("serverless caches", () => {
  it("lists a serverless cache's primary and replica, and a killed primary comes back on its port", async () => {
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "sls", Engine: "valkey" }));
    await describeServerlessCache(client, "sls", (c) => c.Status === "available");
    const nodes = (await listNodes(emulator)).filter((n) => n.serverlessCacheName === "sls");
    expect(nodes.map((n) => `${n.cacheClusterId}/${n.cacheNodeId}/${n.role}`)).toEqual(["sls/primary/primary", "sls/replica/replica"]);
    const primary = nodes[0]!;
    expect(primary.pid).toEqual(expect.any(Number));
    const injected = await emulatorCall(emulator, "POST", "nodes/sls/primary/faults", { fault: "kill" });
    expect(injected.status).toBe(201);
    expect(injected.json.target).toMatchObject({ serverlessCacheName: "sls", cacheNodeId: "primary" });
    await waitFor(() => activeFaults(emulator), (faults) => !faults.some((f) => f.id === injected.json.id), { what: "the serverless primary back" });
    const back = (await listNodes(emulator)).find((n) => n.serverlessCacheName === "sls" && n.cacheNodeId === "primary")!;
    expect(back.pid).not.toBe(primary.pid);
    expect(back.port).toBe(primary.port);
    expect((await emulatorCall(emulator, "POST", "nodes/sls/other/faults", { fault: "kill" })).status).toBe(404);
  }, 60_000);
});

describe("refusals change nothing", () => {
  it("answers 404 for unknown ids, 400 for bad bodies, 409 for a node that cannot take the fault now", async () => {
    const before = await listNodes(emulator);
    const node = before.find((n) => n.cacheClusterId === "solo")!;
    const refusals = [
      [await emulatorCall(emulator, "POST", "nodes/nope/0001/faults", { fault: "kill" }), 404, /cache cluster nope/],
      [await emulatorCall(emulator, "POST", "nodes/solo/0009/faults", { fault: "kill" }), 404, /0009/],
      [await emulatorCall(emulator, "POST", "caches/nope/faults", { fault: "kill" }), 404, /nope/],
      [await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", "{not json"), 400, /not valid JSON/],
      [await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", {}), 400, /fault is required/],
      [await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "melt" }), 400, /unknown fault "melt"/],
      [await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "pause" }), 400, /durationMs/],
      [await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "pause", durationMs: -5 }), 400, /durationMs/],
      [await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "kill", durationMs: 100 }), 400, /durationMs is for pause/],
      [await emulatorCall(emulator, "DELETE", "faults/node-999999"), 404, /node-999999/],
    ] as const;
    for (const [answer, status, error] of refusals) {
      expect(answer.status).toBe(status);
      expect(answer.json.error).toMatch(error);
    }
    // A paused node takes no other fault until the pause is cleared.
    const paused = await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "pause", durationMs: 600_000 });
    const busy = await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "kill" });
    expect(busy.status).toBe(409);
    expect(busy.json.error).toMatch(/paused/);
    await emulatorCall(emulator, "DELETE", `faults/${paused.json.id}`);
    const after = await listNodes(emulator);
    expect(after.find((n) => n.cacheClusterId === "solo")).toEqual(node);
    expect(await activeFaults(emulator)).toEqual([]);
  });
});

describe("clearing and reset", () => {
  it("DELETE /_emulator/faults clears every fault, and /_emulator/reset does too", async () => {
    await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "pause", durationMs: 600_000 });
    await emulatorCall(emulator, "POST", "chaos/faults", [{ service: "elasticache", operation: "DescribeEvents" }]);
    expect((await activeFaults(emulator)).map((f) => f.kind).sort()).toEqual(["api-error", "pause"]);
    const cleared = await emulatorCall(emulator, "DELETE", "faults");
    expect(cleared.status).toBe(200);
    expect(cleared.json.cleared).toHaveLength(2);
    expect(await activeFaults(emulator)).toEqual([]);
    const node = (await listNodes(emulator)).find((n) => n.cacheClusterId === "solo")!;
    const redis = redisClients.connect({ Address: "127.0.0.1", Port: node.port });
    expect(await redis.ping()).toBe("PONG");

    await emulatorCall(emulator, "POST", "nodes/solo/0001/faults", { fault: "pause", durationMs: 600_000 });
    await emulatorCall(emulator, "POST", "chaos/effects", { latency: 10 });
    expect(await activeFaults(emulator)).toHaveLength(2);
    expect((await emulatorCall(emulator, "POST", "reset")).status).toBe(200);
    expect(await activeFaults(emulator)).toEqual([]);
    expect((await emulatorCall(emulator, "GET", "chaos/effects")).json).toEqual({ latency: 0 });
    expect(await listNodes(emulator)).toEqual([]);
  }, 60_000);
});
