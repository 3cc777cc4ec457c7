/**
 * Cluster clients other than ioredis through the ConfigurationEndpoint (redis-cli -c,
 * redis-py's RedisCluster), botocore's replication group waiters, a group built around
 * an existing cluster, and node replacement without automatic failover.
 */
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { RedisClients } from "../helpers/redis-clients.js";
import { describeReplicationGroup, waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";

const run = promisify(execFile);
let emulator: Emulator;
let client: ElastiCacheClient;
const redisClients = new RedisClients();
const connect = (endpoint: { Address?: string; Port?: number }) => redisClients.connect(endpoint);

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterAll(async () => {
  redisClients.disconnectAll();
  await emulator?.stop();
});

describe("cluster clients through the ConfigurationEndpoint", () => {
  it("redis-cli -c and redis-py's RedisCluster follow MOVED to reachable nodes", async () => {
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "multi", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", NumNodeGroups: 3 }),
    );
    const group = await waitForReplicationGroup(client, "multi", (g) => g.Status === "available");
    const { Address, Port } = group.ConfigurationEndpoint!;
    for (const key of ["alpha", "beta", "gamma", "delta"]) {
      await run("redis-cli", ["-c", "-h", Address!, "-p", String(Port), "SET", key, `v-${key}`]);
    }
    const got = await run("redis-cli", ["-c", "-h", Address!, "-p", String(Port), "GET", "gamma"]);
    expect(got.stdout.trim()).toBe("v-gamma");

    const script = [
      "import sys",
      "from redis.cluster import RedisCluster",
      "rc = RedisCluster(host=sys.argv[1], port=int(sys.argv[2]))",
      "for i in range(200): rc.set(f'py:{i}', str(i))",
      "print(sum(1 for i in range(200) if rc.get(f'py:{i}') == str(i).encode()), rc.get('alpha').decode())",
    ].join("\n");
    const py = await run("/usr/bin/python3", ["-c", script, Address!, String(Port)]);
    expect(py.stdout.trim()).toBe("200 v-alpha");
  });
});

describe("botocore's waiters", () => {
  it("replication_group_available and replication_group_deleted succeed", async () => {
    const script = [
      "import sys, boto3",
      "c = boto3.client('elasticache', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')",
      "c.create_replication_group(ReplicationGroupId='boto', ReplicationGroupDescription='x', Engine='redis', CacheNodeType='cache.t3.micro', NumCacheClusters=2)",
      "c.get_waiter('replication_group_available').wait(ReplicationGroupId='boto', WaiterConfig={'Delay': 1, 'MaxAttempts': 60})",
      "g = c.describe_replication_groups(ReplicationGroupId='boto')['ReplicationGroups'][0]",
      "c.delete_replication_group(ReplicationGroupId='boto')",
      "c.get_waiter('replication_group_deleted').wait(ReplicationGroupId='boto', WaiterConfig={'Delay': 1, 'MaxAttempts': 60})",
      "print(g['Status'], g['NodeGroups'][0]['PrimaryEndpoint']['Address'], len(g['MemberClusters']))",
    ].join("\n");
    const out = await run("python3", ["-c", script, emulator.url], { env: { ...process.env, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" } });
    expect(out.stdout.trim()).toBe("available 127.0.0.1 2");
  });
});

describe("PrimaryClusterId", () => {
  it("turns an existing cluster into the primary, keeping its data, with new replicas", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "legacy", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
    const legacy = await waitForCluster(client, "legacy", "available");
    const direct = connect(legacy.CacheNodes![0].Endpoint!);
    await direct.set("old-data", "kept");
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "grown", ReplicationGroupDescription: "x", PrimaryClusterId: "legacy", NumCacheClusters: 2 }),
    );
    const group = await waitForReplicationGroup(client, "grown", (g) => g.Status === "available");
    expect(group.MemberClusters).toEqual(["legacy", "grown-002"]);
    const members = group.NodeGroups![0].NodeGroupMembers!;
    expect(members.find((m) => m.CacheClusterId === "legacy")!.CurrentRole).toBe("primary");
    const replica = connect(members.find((m) => m.CacheClusterId === "grown-002")!.ReadEndpoint!);
    await waitFor(() => replica.get("old-data"), (v) => v === "kept", { timeoutMs: 10_000, what: "the existing data on the new replica" });
  });
});

describe("without automatic failover", () => {
  it("replaces a dead primary in place, empty, as AWS does; the endpoint still leads to it", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "manual",
        ReplicationGroupDescription: "x",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: false,
      }),
    );
    const group = await waitForReplicationGroup(client, "manual", (g) => g.Status === "available");
    const ng = group.NodeGroups![0];
    const writer = connect(ng.PrimaryEndpoint!);
    await writer.set("volatile", "1");
    const primaryMember = ng.NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!;
    const pid = Number(/process_id:(\d+)/.exec(await connect(primaryMember.ReadEndpoint!).info("server"))![1]);
    process.kill(pid, "SIGKILL"); // an engine this test's emulator started

    const fresh = connect(ng.PrimaryEndpoint!);
    await waitFor(() => fresh.ping().catch(() => ""), (pong) => pong === "PONG", { timeoutMs: 20_000, what: "the replaced primary to answer" });
    const after = await waitForReplicationGroup(client, "manual", () => true);
    expect(after.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId).toBe(primaryMember.CacheClusterId);
    expect(Number(/process_id:(\d+)/.exec(await fresh.info("server"))![1])).not.toBe(pid);
    expect(await fresh.get("volatile")).toBeNull();
  });
});
