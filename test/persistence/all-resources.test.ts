/**
 * With a data dir, every kind of resource outlives a restart, not only clusters: parameter
 * groups (and the values nodes start with), users and user groups (and the ACLs they put
 * on the engines), subnet and security groups, snapshots (whose RDB restores after the
 * restart). Nodes of a data dir run with appendonly: a restore must still load the snapshot.
 */
import {
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  CreateCacheSecurityGroupCommand,
  CreateCacheSubnetGroupCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DescribeCacheParametersCommand,
  DescribeCacheSecurityGroupsCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ModifyCacheParameterGroupCommand,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";

let dir: string;
const nodePorts = nodePortRange();
const running: Emulator[] = [];
const clients: Redis[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elasticache-local-all-"));
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  for (const e of running) await e.stop();
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<Emulator> {
  const emulator = await startEmulator({ dataDir: dir, nodePorts });
  running.push(emulator);
  return emulator;
}

function connect(port: number, options: ConstructorParameters<typeof Redis>[2] = {}): Redis {
  const r = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, enableReadyCheck: false, ...options });
  r.on("error", () => undefined);
  clients.push(r);
  return r;
}

describe("a restart with a data dir", () => {
  it("keeps parameter groups, users, user groups, subnet and security groups and snapshots, and what they do on the engines", async () => {
    const first = await start();
    let sdk = sdkClient(first);
    await sdk.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "kept-params", CacheParameterGroupFamily: "redis7", Description: "d" }));
    await sdk.send(
      new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: "kept-params", ParameterNameValues: [{ ParameterName: "maxmemory-policy", ParameterValue: "allkeys-lfu" }] }),
    );
    await sdk.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: "kept-subnets", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-0123abcd"] }));
    await sdk.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: "kept-sg", Description: "d" }));
    await sdk.send(new CreateUserCommand({ UserId: "app", UserName: "app", Engine: "redis", AccessString: "on ~app:* +@all", Passwords: ["app-password-0123456"] }));
    await sdk.send(new CreateUserCommand({ UserId: "off-default", UserName: "default", Engine: "redis", AccessString: "off ~* +@all", NoPasswordRequired: true }));
    await sdk.send(new CreateUserGroupCommand({ UserGroupId: "kept-users", Engine: "redis", UserIds: ["off-default", "app"] }));

    await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "tuned", Engine: "redis", CacheNodeType: "cache.t3.micro", CacheParameterGroupName: "kept-params" }));
    await sdk.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "guarded",
        ReplicationGroupDescription: "users",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 1,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: "preferred",
        UserGroupIds: ["kept-users"],
      }),
    );
    const tuned = await waitForCluster(sdk, "tuned", "available");
    const tunedPort = tuned.CacheNodes![0]!.Endpoint!.Port!;
    const guarded = await waitForReplicationGroup(sdk, "guarded", (g) => g.Status === "available");
    const guardedPort = guarded.NodeGroups![0]!.PrimaryEndpoint!.Port!;
    const writer = connect(tunedPort);
    for (let i = 0; i < 100; i++) await writer.set(`k:${i}`, String(i));
    await sdk.send(new CreateSnapshotCommand({ CacheClusterId: "tuned", SnapshotName: "kept-snap" }));
    await expect.poll(async () => (await sdk.send(new DescribeSnapshotsCommand({ SnapshotName: "kept-snap" }))).Snapshots![0]!.SnapshotStatus, { timeout: 30_000 }).toBe("available");
    writer.disconnect();
    await first.stop();

    const second = await start();
    sdk = sdkClient(second);
    await second.restored;
    const params = await sdk.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: "kept-params", Source: "user" }));
    expect(params.Parameters?.map((p) => [p.ParameterName, p.ParameterValue])).toEqual([["maxmemory-policy", "allkeys-lfu"]]);
    expect((await sdk.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "kept-subnets" }))).CacheSubnetGroups![0]!.Subnets![0]!.SubnetIdentifier).toBe(
      "subnet-0123abcd",
    );
    expect((await sdk.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: "kept-sg" }))).CacheSecurityGroups).toHaveLength(1);
    expect((await sdk.send(new DescribeUsersCommand({ UserId: "app" }))).Users![0]).toMatchObject({ Status: "active", AccessString: "on ~app:* +@all" });
    expect((await sdk.send(new DescribeUserGroupsCommand({ UserGroupId: "kept-users" }))).UserGroups![0]).toMatchObject({
      Status: "active",
      ReplicationGroups: ["guarded"],
    });

    // The nodes came back with what those resources put on them.
    await waitForCluster(sdk, "tuned", "available");
    const admin = connect(tunedPort, { lazyConnect: false });
    expect(await admin.get("k:7")).toBe("7");
    await waitForReplicationGroup(sdk, "guarded", (g) => g.Status === "available");
    const anonymous = connect(guardedPort);
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    const app = connect(guardedPort, { username: "app", password: "app-password-0123456" });
    expect(await app.set("app:1", "x")).toBe("OK");
    await expect(app.set("other:1", "x")).rejects.toThrow(/NOPERM/);

    // The snapshot survived with its data, and restores into a node that runs with appendonly.
    expect((await sdk.send(new DescribeSnapshotsCommand({ SnapshotName: "kept-snap" }))).Snapshots![0]!.SnapshotStatus).toBe("available");
    await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "from-snap", SnapshotName: "kept-snap", CacheNodeType: "cache.t3.micro" }));
    const restored = await waitForCluster(sdk, "from-snap", "available");
    const reader = connect(restored.CacheNodes![0]!.Endpoint!.Port!);
    expect(await reader.dbsize()).toBe(100);
    expect(await reader.get("k:42")).toBe("42");
  });
});
