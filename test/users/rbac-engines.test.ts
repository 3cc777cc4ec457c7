/**
 * User groups become real ACLs on every node of a replication group: the engine lets
 * `app` write `app:*` and refuses `other:*` (NOPERM), through failovers, node replacement,
 * new replicas, resharding and user / user group changes.
 */
import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeCacheClustersCommand,
  DescribeUserGroupsCommand,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  TestFailoverCommand,
  type ElastiCacheClient,
  type Endpoint,
} from "@aws-sdk/client-elasticache";
import { readFileSync } from "node:fs";
import { Cluster } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { describeReplicationGroup, waitFor, waitForReplicationGroup } from "../helpers/wait.js";
import { Connections, waitForUser, waitForUserGone, waitForUserGroup } from "../helpers/users.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const connections = new Connections();
const clusters: Cluster[] = [];
const APP = { username: "app", password: "app-password-0123456789" };

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  await client.send(
    new CreateUserCommand({ UserId: "app-user", UserName: "app", Engine: "redis", AccessString: "on ~app:* +@all", Passwords: [APP.password] }),
  );
  // The group's default user lets nobody in without AUTH.
  await client.send(new CreateUserCommand({ UserId: "locked-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true }));
  await client.send(new CreateUserGroupCommand({ UserGroupId: "apps", Engine: "redis", UserIds: ["locked-default", "app-user"] }));
  await waitForUserGroup(client, "apps");
});
afterEach(() => {
  connections.closeAll();
  for (const c of clusters.splice(0)) c.disconnect();
});
afterAll(async () => {
  await emulator?.stop();
});

/** What the engine answers `app` for a write to `key` (OK or its refusal). */
async function writeAs(endpoint: Endpoint, key: string, auth: { username?: string; password?: string } = APP): Promise<string> {
  const redis = await connections.connect(endpoint, auth);
  return redis.set(key, "1").then(
    (r) => String(r),
    (e: Error) => e.message,
  );
}

/** AUTH on a fresh unauthenticated connection: "OK" or the engine's error. */
async function authAs(endpoint: Endpoint, ...args: string[]): Promise<string> {
  const redis = await connections.connect(endpoint);
  return redis.call("AUTH", ...args).then(
    (r) => String(r),
    (e: Error) => e.message,
  );
}

async function expectEnforced(endpoint: Endpoint, opts: { replica?: boolean } = {}): Promise<void> {
  if (opts.replica) {
    const redis = await connections.connect(endpoint, APP);
    expect(await redis.get("app:1")).not.toBeUndefined();
    await expect(redis.get("other:1")).rejects.toThrow(/NOPERM/);
  } else {
    expect(await writeAs(endpoint, "app:1")).toBe("OK");
    expect(await writeAs(endpoint, "other:1")).toMatch(/^NOPERM/);
  }
  expect(await authAs(endpoint, "app", "wrong-password-0123456789")).toMatch(/^WRONGPASS/);
  const anonymous = await connections.connect(endpoint);
  await expect(anonymous.get("app:1")).rejects.toThrow(/NOAUTH/);
  // ElastiCache's restricted commands stay refused to every client user.
  const app = await connections.connect(endpoint, APP);
  await expect(app.call("CONFIG", "GET", "maxmemory")).rejects.toThrow(/NOPERM/);
}

describe("cluster mode disabled", () => {
  it("creates the group with the user group attached (TransitEncryptionEnabled required)", async () => {
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({ ReplicationGroupId: "nope", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", UserGroupIds: ["apps"] }),
      ),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: "nope",
          ReplicationGroupDescription: "x",
          CacheNodeType: "cache.t3.micro",
          TransitEncryptionEnabled: true,
          UserGroupIds: ["ghost"],
        }),
      ),
      "UserGroupNotFound",
      404,
    );
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: "nope",
          ReplicationGroupDescription: "x",
          CacheNodeType: "cache.t3.micro",
          EngineVersion: "5.0.6",
          TransitEncryptionEnabled: true,
          UserGroupIds: ["apps"],
        }),
      ),
      "InvalidParameterCombination",
      400,
    );
    const created = await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "shop",
        ReplicationGroupDescription: "rbac",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: "preferred",
        UserGroupIds: ["apps"],
      }),
    );
    expect(created.ReplicationGroup).toMatchObject({ UserGroupIds: ["apps"], TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred", AuthTokenEnabled: false });
    await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    expect((await client.send(new DescribeUserGroupsCommand({ UserGroupId: "apps" }))).UserGroups![0].ReplicationGroups).toEqual(["shop"]);
    // A user group in use cannot be deleted.
    await expectAwsError(client.send(new DeleteUserGroupCommand({ UserGroupId: "apps" })), "InvalidUserGroupState", 400);
  });

  it("enforces the users on the primary endpoint and on every member", async () => {
    const group = await describeReplicationGroup(client, "shop");
    const ng = group.NodeGroups![0];
    await expectEnforced(ng.PrimaryEndpoint!);
    for (const member of ng.NodeGroupMembers!) await expectEnforced(member.ReadEndpoint!, { replica: member.CurrentRole === "replica" });
  });

  it("still enforces them after TestFailover", async () => {
    await client.send(new TestFailoverCommand({ ReplicationGroupId: "shop", NodeGroupId: "0001" }));
    const group = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    expect(group.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId).toBe("shop-002");
    await expectEnforced(group.NodeGroups![0].PrimaryEndpoint!);
  });

  it("gives the users to the node that replaces a primary whose engine died", async () => {
    const group = await describeReplicationGroup(client, "shop");
    const primary = await connections.connect(group.NodeGroups![0].PrimaryEndpoint!, APP);
    const pid = Number(/process_id:(\d+)/.exec(String(await primary.info("server")))![1]);
    const oldPrimaryId = group.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId!;
    process.kill(pid, "SIGKILL"); // an engine this test's emulator started
    // The replacement comes back as a replica; wait until the group shows both members serving.
    const healed = await waitForReplicationGroup(
      client,
      "shop",
      (g) => g.Status === "available" && g.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === oldPrimaryId)?.CurrentRole === "replica",
    );
    const replaced = healed.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === oldPrimaryId)!;
    await waitFor(
      () => authAs(replaced.ReadEndpoint!, "app", APP.password).catch((e: Error) => e.message),
      (reply) => reply === "OK",
      { intervalMs: 50, what: "app to authenticate on the replaced node" },
    );
    await expectEnforced(replaced.ReadEndpoint!, { replica: true });
    await expectEnforced(healed.NodeGroups![0].PrimaryEndpoint!);
  });

  it("gives the users to new replicas (IncreaseReplicaCount)", async () => {
    await client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: "shop", NewReplicaCount: 2, ApplyImmediately: true }));
    const group = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    const added = group.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === "shop-003")!;
    await expectEnforced(added.ReadEndpoint!, { replica: true });
  });

  it("applies a user's new access string to every node (modifying, then active)", async () => {
    const modified = await client.send(new ModifyUserCommand({ UserId: "app-user", AccessString: "on ~app:* ~other:* +@all" }));
    expect(modified.Status).toBe("modifying");
    await waitForUser(client, "app-user");
    const group = await describeReplicationGroup(client, "shop");
    const primary = await connections.connect(group.NodeGroups![0].PrimaryEndpoint!, APP);
    expect(await primary.set("other:1", "1")).toBe("OK");
    // Every replica has the write before it is read there.
    expect(await primary.call("WAIT", String(group.NodeGroups![0].NodeGroupMembers!.length - 1), "10000")).toBe(2);
    for (const member of group.NodeGroups![0].NodeGroupMembers!) {
      const redis = await connections.connect(member.ReadEndpoint!, APP);
      expect(await redis.get("other:1")).toBe("1");
    }
    await client.send(new ModifyUserCommand({ UserId: "app-user", AccessString: "on ~app:* +@all" }));
    await waitForUser(client, "app-user");
    expect(await writeAs(group.NodeGroups![0].PrimaryEndpoint!, "other:1")).toMatch(/^NOPERM/);
  });

  it("drops a user that leaves the group, closing its connections", async () => {
    await client.send(
      new CreateUserCommand({ UserId: "reporting", UserName: "reports", Engine: "redis", AccessString: "on ~report:* +@read", Passwords: ["reports-password-0123"] }),
    );
    await client.send(new ModifyUserGroupCommand({ UserGroupId: "apps", UserIdsToAdd: ["reporting"] }));
    await waitForUserGroup(client, "apps");
    const endpoint = (await describeReplicationGroup(client, "shop")).NodeGroups![0].PrimaryEndpoint!;
    const reports = await connections.connect(endpoint, { username: "reports", password: "reports-password-0123" });
    expect(await reports.get("report:1")).toBeNull();
    await expect(reports.set("report:1", "x")).rejects.toThrow(/NOPERM/);
    const closed = new Promise<void>((resolve) => reports.once("close", () => resolve()));
    await client.send(new ModifyUserGroupCommand({ UserGroupId: "apps", UserIdsToRemove: ["reporting"] }));
    await waitForUserGroup(client, "apps");
    await closed;
    expect(await authAs(endpoint, "reports", "reports-password-0123")).toMatch(/^WRONGPASS/);
    expect(await writeAs(endpoint, "app:2")).toBe("OK");
  });

  it("drops a deleted user from every node, closing its connections", async () => {
    await client.send(
      new CreateUserCommand({ UserId: "temp-user", UserName: "temp", Engine: "redis", AccessString: "on ~temp:* +@all", Passwords: ["temp-password-0123456"] }),
    );
    await client.send(new ModifyUserGroupCommand({ UserGroupId: "apps", UserIdsToAdd: ["temp-user"] }));
    await waitForUserGroup(client, "apps");
    const group = await describeReplicationGroup(client, "shop");
    const endpoint = group.NodeGroups![0].PrimaryEndpoint!;
    const temp = await connections.connect(endpoint, { username: "temp", password: "temp-password-0123456" });
    expect(await temp.set("temp:1", "x")).toBe("OK");
    const closed = new Promise<void>((resolve) => temp.once("close", () => resolve()));
    const deleting = await client.send(new DeleteUserCommand({ UserId: "temp-user" }));
    expect(deleting.Status).toBe("deleting");
    await waitForUserGone(client, "temp-user");
    await closed;
    for (const member of group.NodeGroups![0].NodeGroupMembers!) {
      expect(await authAs(member.ReadEndpoint!, "temp", "temp-password-0123456")).toMatch(/^WRONGPASS/);
    }
    expect((await client.send(new DescribeUserGroupsCommand({ UserGroupId: "apps" }))).UserGroups![0].UserIds).toEqual(["locked-default", "app-user"]);
  });

  it("detaches the user group (RemoveUserGroups): the engine is open again", async () => {
    const out = await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "shop", RemoveUserGroups: true, ApplyImmediately: true }));
    expect(out.ReplicationGroup?.Status).toBe("modifying");
    expect(out.ReplicationGroup?.PendingModifiedValues?.UserGroups).toEqual({ UserGroupIdsToAdd: [], UserGroupIdsToRemove: ["apps"] });
    const group = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    expect(group.UserGroupIds).toEqual([]);
    expect(group.PendingModifiedValues?.UserGroups).toBeUndefined();
    expect(await writeAs(group.NodeGroups![0].PrimaryEndpoint!, "other:2", {})).toBe("OK");
    expect(await authAs(group.NodeGroups![0].PrimaryEndpoint!, "app", APP.password)).toMatch(/^WRONGPASS/);
    // And attached again (UserGroupIdsToAdd).
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "shop", UserGroupIdsToAdd: ["apps"], ApplyImmediately: true }));
    const again = await waitForReplicationGroup(client, "shop", (g) => g.Status === "available");
    expect(again.UserGroupIds).toEqual(["apps"]);
    await expectEnforced(again.NodeGroups![0].PrimaryEndpoint!);
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "shop", UserGroupIdsToAdd: ["apps"], ApplyImmediately: true })),
      "InvalidParameterValue",
      400,
    );
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "shop", UserGroupIdsToRemove: ["ghost"], ApplyImmediately: true })),
      "InvalidParameterValue",
      400,
    );
  });
});

describe("cluster mode enabled", () => {
  function clusterClient(endpoint: Endpoint): Cluster {
    const cluster = new Cluster([{ host: endpoint.Address!, port: endpoint.Port! }], {
      redisOptions: { ...APP, maxRetriesPerRequest: 3 },
      clusterRetryStrategy: () => 50,
    });
    cluster.on("error", () => undefined);
    clusters.push(cluster);
    return cluster;
  }

  async function expectClusterEnforced(endpoint: Endpoint, keys: number): Promise<void> {
    const cluster = clusterClient(endpoint);
    for (let i = 0; i < keys; i++) expect(await cluster.set(`app:${i}`, String(i))).toBe("OK");
    for (let i = 0; i < keys; i++) expect(await cluster.get(`app:${i}`)).toBe(String(i));
    await expect(cluster.set("other:1", "x")).rejects.toThrow(/NOPERM/);
  }

  it("enforces the users on every shard, and on the shards resharding adds", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "sharded",
        ReplicationGroupDescription: "rbac cluster",
        CacheNodeType: "cache.t3.micro",
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 0,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: "preferred",
        UserGroupIds: ["apps"],
      }),
    );
    const group = await waitForReplicationGroup(client, "sharded", (g) => g.Status === "available");
    await expectClusterEnforced(group.ConfigurationEndpoint!, 200);

    await client.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: "sharded", NodeGroupCount: 3, ApplyImmediately: true }));
    const resharded = await waitForReplicationGroup(client, "sharded", (g) => g.Status === "available");
    expect(resharded.NodeGroups).toHaveLength(3);
    await expectClusterEnforced(resharded.ConfigurationEndpoint!, 200);
    // The new shard's node itself knows the users, and nobody else.
    const newMember = resharded.NodeGroups!.find((ng) => ng.NodeGroupId === "0003")!.NodeGroupMembers![0].CacheClusterId!;
    const { CacheClusters } = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: newMember, ShowCacheNodeInfo: true }));
    const node = CacheClusters![0].CacheNodes![0].Endpoint!;
    const direct = await connections.connect(node, APP);
    expect(await direct.call("ACL", "WHOAMI")).toBe("app");
    const anonymous = await connections.connect(node);
    await expect(anonymous.get("app:1")).rejects.toThrow(/NOAUTH/);
  });

  it("keeps replicating after a TLS in transit change restarts every node; TestFailover then moves the primary", async () => {
    // The restarted nodes must authenticate to their primaries again: the default user is off.
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "sharded-tls",
        ReplicationGroupDescription: "rbac cluster, TLS migration",
        CacheNodeType: "cache.t3.micro",
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 1,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: "preferred",
        UserGroupIds: ["apps"],
      }),
    );
    const group = await waitForReplicationGroup(client, "sharded-tls", (g) => g.Status === "available");
    await expectClusterEnforced(group.ConfigurationEndpoint!, 50);
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "sharded-tls", TransitEncryptionMode: "required", ApplyImmediately: true }));
    await waitForReplicationGroup(client, "sharded-tls", (g) => g.Status === "available" && g.TransitEncryptionMode === "required");

    const ca = readFileSync(emulator.ca!.file, "utf8");
    const member = async (id: string) => {
      const { CacheClusters } = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }));
      return connections.connect(CacheClusters![0].CacheNodes![0].Endpoint!, { ...APP, tls: { ca } });
    };
    const replicaLink = async (id: string) => /master_link_status:(\w+)/.exec(String(await (await member(id)).info("replication")))?.[1];
    expect(await replicaLink("sharded-tls-0001-002")).toBe("up");
    expect(await replicaLink("sharded-tls-0002-002")).toBe("up");

    await client.send(new TestFailoverCommand({ ReplicationGroupId: "sharded-tls", NodeGroupId: "0001" }));
    await waitForReplicationGroup(client, "sharded-tls", (g) => g.Status === "available");
    expect(await (await member("sharded-tls-0001-002")).call("ROLE")).toEqual(expect.arrayContaining(["master"]));
    expect(await replicaLink("sharded-tls-0001-001")).toBe("up");
    const cluster = new Cluster([{ host: group.ConfigurationEndpoint!.Address!, port: group.ConfigurationEndpoint!.Port! }], {
      redisOptions: { ...APP, tls: { ca }, maxRetriesPerRequest: 3 },
      clusterRetryStrategy: () => 50,
    });
    cluster.on("error", () => undefined);
    clusters.push(cluster);
    for (let i = 0; i < 50; i++) expect(await cluster.get(`app:${i}`)).toBe(String(i));
  });
});

describe("valkey", () => {
  it("runs a valkey group without a default user: only its users get in", async () => {
    await client.send(
      new CreateUserCommand({ UserId: "valkey-app", UserName: "vapp", Engine: "valkey", AccessString: "on ~app:* +@all", Passwords: [APP.password] }),
    );
    await client.send(new CreateUserGroupCommand({ UserGroupId: "valkey-apps", Engine: "valkey", UserIds: ["valkey-app", "app-user"] }));
    await waitForUserGroup(client, "valkey-apps");
    // A redis replication group takes only redis user groups.
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: "wrong-engine",
          ReplicationGroupDescription: "x",
          CacheNodeType: "cache.t3.micro",
          TransitEncryptionEnabled: true,
          UserGroupIds: ["valkey-apps"],
        }),
      ),
      "InvalidParameterValue",
      400,
    );
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "vk",
        ReplicationGroupDescription: "valkey rbac",
        Engine: "valkey",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 1,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: "preferred",
        UserGroupIds: ["valkey-apps"],
      }),
    );
    const group = await waitForReplicationGroup(client, "vk", (g) => g.Status === "available");
    const endpoint = group.NodeGroups![0].PrimaryEndpoint!;
    expect(await writeAs(endpoint, "app:1", { username: "vapp", password: APP.password })).toBe("OK");
    expect(await writeAs(endpoint, "other:1", { username: "vapp", password: APP.password })).toMatch(/^NOPERM/);
    expect(await writeAs(endpoint, "app:2")).toBe("OK");
    const anonymous = await connections.connect(endpoint);
    await expect(anonymous.get("app:1")).rejects.toThrow(/NOAUTH/);
    expect(await authAs(endpoint, "anything-at-all-0123")).toMatch(/^WRONGPASS/);
  });
});
