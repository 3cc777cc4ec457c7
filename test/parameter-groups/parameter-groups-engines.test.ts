/**
 * Parameter groups on real engines: nodes start with their group's values, a change to the
 * group reaches every node using it at once (immediate parameters) or at the next reboot
 * (requires-reboot, shown as pending-reboot), and a cluster can move to another group.
 * CONFIG is restricted to clients as on ElastiCache, so this emulator lifts the restriction
 * to read the engines' configuration.
 */
import {
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  CreateReplicationGroupCommand,
  DeleteCacheParameterGroupCommand,
  ModifyCacheClusterCommand,
  ModifyCacheParameterGroupCommand,
  ModifyReplicationGroupCommand,
  RebootCacheClusterCommand,
  ResetCacheParameterGroupCommand,
  type CacheCluster,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { memcachedCommand } from "../helpers/memcached.js";
import { RedisClients } from "../helpers/redis-clients.js";
import { describeCluster, waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const redisClients = new RedisClients();

beforeAll(async () => {
  emulator = await startEmulator({ engineMode: "process", allowRestrictedCommands: true });
  client = sdkClient(emulator);
});
afterAll(async () => {
  redisClients.disconnectAll();
  await emulator?.stop();
});

async function config(redis: Redis, name: string): Promise<string> {
  const [, value] = (await redis.config("GET", name)) as string[];
  return value;
}

function setParams(name: string, values: Record<string, string>) {
  return client.send(
    new ModifyCacheParameterGroupCommand({
      CacheParameterGroupName: name,
      ParameterNameValues: Object.entries(values).map(([ParameterName, ParameterValue]) => ({ ParameterName, ParameterValue })),
    }),
  );
}

function waitForApplyStatus(id: string, status: string): Promise<CacheCluster> {
  return waitFor(() => describeCluster(client, id), (c) => c.CacheParameterGroup?.ParameterApplyStatus === status, {
    timeoutMs: 10_000,
    what: `cluster ${id} to show ParameterApplyStatus ${status}`,
    show: (c) => c.CacheParameterGroup,
  });
}

describe("Redis OSS nodes", () => {
  let standalone: Redis;
  let primary: Redis;
  let replica: Redis;

  beforeAll(async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "web", CacheParameterGroupFamily: "redis7", Description: "web" }));
    await setParams("web", { "maxmemory-policy": "allkeys-lru", databases: "32", "client-output-buffer-limit-pubsub-soft-seconds": "90" });
    await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: "pg-single", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1, CacheParameterGroupName: "web" }),
    );
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "pg-group",
        ReplicationGroupDescription: "pg",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        CacheParameterGroupName: "web",
      }),
    );
    const single = await waitForCluster(client, "pg-single", "available");
    await waitForReplicationGroup(client, "pg-group", (g) => g.Status === "available");
    const [member1, member2] = [await describeCluster(client, "pg-group-001"), await describeCluster(client, "pg-group-002")];
    standalone = redisClients.connect(single.CacheNodes![0].Endpoint!);
    primary = redisClients.connect(member1.CacheNodes![0].Endpoint!);
    replica = redisClients.connect(member2.CacheNodes![0].Endpoint!);
  });

  it("start with the group's values, and AWS's defaults for the rest", async () => {
    for (const redis of [standalone, primary, replica]) {
      expect(await config(redis, "maxmemory-policy")).toBe("allkeys-lru");
      expect(await config(redis, "databases")).toBe("32");
      expect(await config(redis, "maxmemory-samples")).toBe("3"); // AWS's default; redis's own is 5
    }
    expect(await config(standalone, "client-output-buffer-limit")).toMatch(/pubsub 33554432 8388608 90/);
    const cluster = await describeCluster(client, "pg-single");
    expect(cluster.CacheParameterGroup).toEqual({ CacheParameterGroupName: "web", ParameterApplyStatus: "in-sync", CacheNodeIdsToReboot: [] });
  });

  it("a cluster on a default group runs AWS's defaults (volatile-lru)", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "pg-default", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
    const cluster = await waitForCluster(client, "pg-default", "available");
    const redis = redisClients.connect(cluster.CacheNodes![0].Endpoint!);
    expect(await config(redis, "maxmemory-policy")).toBe("volatile-lru");
    expect(await config(redis, "databases")).toBe("16");
  });

  it("take an immediate change at once on every node that uses the group", async () => {
    await setParams("web", { "maxmemory-policy": "allkeys-lfu", "notify-keyspace-events": "Ex", timeout: "300" });
    for (const redis of [standalone, primary, replica]) {
      expect(await config(redis, "maxmemory-policy")).toBe("allkeys-lfu");
      expect(await config(redis, "notify-keyspace-events")).toBe("xE");
      expect(await config(redis, "timeout")).toBe("300");
    }
    expect((await describeCluster(client, "pg-group-002")).CacheParameterGroup?.ParameterApplyStatus).toBe("in-sync");
  });

  it("go back to the defaults on reset, named or all", async () => {
    await client.send(new ResetCacheParameterGroupCommand({ CacheParameterGroupName: "web", ParameterNameValues: [{ ParameterName: "timeout" }] }));
    expect(await config(standalone, "timeout")).toBe("0");
    expect(await config(standalone, "maxmemory-policy")).toBe("allkeys-lfu");
    await expectAwsError(
      client.send(new ResetCacheParameterGroupCommand({ CacheParameterGroupName: "web", ResetAllParameters: true })),
      "InvalidCacheParameterGroupState", // databases cannot change while clusters use the group
      400,
    );
    await client.send(
      new ResetCacheParameterGroupCommand({
        CacheParameterGroupName: "web",
        ParameterNameValues: [{ ParameterName: "maxmemory-policy" }, { ParameterName: "notify-keyspace-events" }],
      }),
    );
    for (const redis of [standalone, replica]) {
      expect(await config(redis, "maxmemory-policy")).toBe("volatile-lru");
      expect(await config(redis, "notify-keyspace-events")).toBe("");
    }
  });

  it("refuse what AWS refuses for a group in use", async () => {
    await expectAwsError(setParams("web", { databases: "64" }), "InvalidCacheParameterGroupState", 400);
    await expectAwsError(client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: "web" })), "InvalidCacheParameterGroupState", 400);
    await expectAwsError(setParams("web", { "maxmemory-policy": "lru" }), "InvalidParameterValue", 400);
    expect(await config(standalone, "maxmemory-policy")).toBe("volatile-lru");
  });

  it("follow a cluster that moves to another group: applying, then in-sync", async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "web-2", CacheParameterGroupFamily: "redis7", Description: "w2" }));
    await setParams("web-2", { databases: "32", "maxmemory-policy": "volatile-ttl" });
    const modified = await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "pg-single", CacheParameterGroupName: "web-2", ApplyImmediately: true }));
    expect(modified.CacheCluster?.CacheParameterGroup?.CacheParameterGroupName).toBe("web-2");
    expect(modified.CacheCluster?.CacheParameterGroup?.ParameterApplyStatus).toBe("applying");
    await waitForApplyStatus("pg-single", "in-sync");
    expect(await config(standalone, "maxmemory-policy")).toBe("volatile-ttl");
    // The old group can go once no cluster uses it; the replication group still does.
    await expectAwsError(client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: "web" })), "InvalidCacheParameterGroupState", 400);

    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "pg-group", CacheParameterGroupName: "web-2", ApplyImmediately: true }));
    await waitForApplyStatus("pg-group-002", "in-sync");
    expect(await config(replica, "maxmemory-policy")).toBe("volatile-ttl");
    expect((await describeCluster(client, "pg-group-001")).CacheParameterGroup?.CacheParameterGroupName).toBe("web-2");
    await client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: "web" }));
  });

  it("refuse a group of another family, another cluster mode, or other conditional values", async () => {
    const to = (CacheParameterGroupName: string) =>
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "pg-single", CacheParameterGroupName, ApplyImmediately: true }));
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "old-family", CacheParameterGroupFamily: "redis6.x", Description: "o" }));
    await expectAwsError(to("old-family"), "InvalidParameterCombination", 400);
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "sharded", CacheParameterGroupFamily: "redis7", Description: "s" }));
    await setParams("sharded", { "cluster-enabled": "yes" });
    await expectAwsError(to("sharded"), "InvalidParameterCombination", 400);
    await expectAwsError(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: "pg-sharded", Engine: "redis", CacheNodeType: "cache.t3.micro", CacheParameterGroupName: "sharded" })),
      "InvalidParameterCombination",
      400,
    );
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "dbs-16", CacheParameterGroupFamily: "redis7", Description: "d" }));
    await expectAwsError(to("dbs-16"), "InvalidParameterCombination", 400); // databases 32 -> 16
    await expectAwsError(to("no-such-group"), "CacheParameterGroupNotFound", 404);
    expect((await describeCluster(client, "pg-single")).CacheParameterGroup?.CacheParameterGroupName).toBe("web-2");
  });
});

describe("a custom group with cluster-enabled yes", () => {
  it("makes CreateReplicationGroup build a cluster mode enabled group, as default.redis7.cluster.on does", async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "sharded-2", CacheParameterGroupFamily: "redis7", Description: "s" }));
    await setParams("sharded-2", { "cluster-enabled": "yes", "maxmemory-policy": "allkeys-lru" });
    const created = await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "pg-sharded",
        ReplicationGroupDescription: "s",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        CacheParameterGroupName: "sharded-2",
      }),
    );
    expect(created.ReplicationGroup?.ClusterEnabled).toBe(true);
    await waitForReplicationGroup(client, "pg-sharded", (g) => g.Status === "available");
    const node = (await describeCluster(client, "pg-sharded-0001-001")).CacheNodes![0].Endpoint!;
    const redis = redisClients.connect(node);
    expect(await config(redis, "cluster-enabled")).toBe("yes");
    expect(await config(redis, "maxmemory-policy")).toBe("allkeys-lru");
  });
});

describe("Memcached nodes", () => {
  let ports: number[];

  beforeAll(async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "items", CacheParameterGroupFamily: "memcached1.6", Description: "i" }));
    await setParams("items", { max_item_size: "2097152" });
    await client.send(
      new CreateCacheClusterCommand({
        CacheClusterId: "pg-mc",
        Engine: "memcached",
        CacheNodeType: "cache.t3.micro",
        NumCacheNodes: 2,
        CacheParameterGroupName: "items",
      }),
    );
    const cluster = await waitForCluster(client, "pg-mc", "available");
    ports = cluster.CacheNodes!.map((n) => n.Endpoint!.Port!);
  });

  async function itemSizeMax(port: number): Promise<string> {
    const stats = await memcachedCommand(port, "stats settings\r\n");
    return /STAT item_size_max (\d+)/.exec(stats)![1];
  }

  it("start with the group's values on the command line", async () => {
    for (const port of ports) expect(await itemSizeMax(port)).toBe("2097152");
  });

  it("keep a requires-reboot change pending until each node restarts", async () => {
    await setParams("items", { max_item_size: "4194304" });
    const pending = await describeCluster(client, "pg-mc");
    expect(pending.CacheParameterGroup).toEqual({
      CacheParameterGroupName: "items",
      ParameterApplyStatus: "pending-reboot",
      CacheNodeIdsToReboot: ["0001", "0002"],
    });
    expect(pending.CacheNodes!.map((n) => n.ParameterGroupStatus)).toEqual(["pending-reboot", "pending-reboot"]);
    for (const port of ports) expect(await itemSizeMax(port)).toBe("2097152");

    await client.send(new RebootCacheClusterCommand({ CacheClusterId: "pg-mc", CacheNodeIdsToReboot: ["0001"] }));
    const half = await waitForCluster(client, "pg-mc", "available");
    expect(half.CacheParameterGroup?.CacheNodeIdsToReboot).toEqual(["0002"]);
    expect(half.CacheParameterGroup?.ParameterApplyStatus).toBe("pending-reboot");
    expect(await itemSizeMax(ports[0])).toBe("4194304");
    expect(await itemSizeMax(ports[1])).toBe("2097152");

    await client.send(new RebootCacheClusterCommand({ CacheClusterId: "pg-mc", CacheNodeIdsToReboot: ["0002"] }));
    const done = await waitForCluster(client, "pg-mc", "available");
    expect(done.CacheParameterGroup).toEqual({ CacheParameterGroupName: "items", ParameterApplyStatus: "in-sync", CacheNodeIdsToReboot: [] });
    expect(await itemSizeMax(ports[1])).toBe("4194304");
  });

  it("going back to the value the nodes run with clears the pending reboot", async () => {
    await setParams("items", { max_item_size: "8388608" });
    expect((await describeCluster(client, "pg-mc")).CacheParameterGroup?.ParameterApplyStatus).toBe("pending-reboot");
    await setParams("items", { max_item_size: "4194304" });
    expect((await describeCluster(client, "pg-mc")).CacheParameterGroup?.ParameterApplyStatus).toBe("in-sync");
  });
});
