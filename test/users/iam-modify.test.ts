/**
 * IAM users on groups that get their first user group after creation (ModifyReplicationGroup
 * UserGroupIdsToAdd): once the group is `available` again, IAM tokens work on every endpoint
 * and the keys written before are still there, in cluster mode disabled (moving from an AUTH
 * token to RBAC) and enabled (a TLS group without access control). And the Redis OSS 7.0 rule
 * for IAM users whichever side changes: the user group, or the user.
 */
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DescribeCacheClustersCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ModifyReplicationGroupCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  type ElastiCacheClient,
  type Endpoint,
} from "@aws-sdk/client-elasticache";
import Redis, { Cluster } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateIamAuthToken } from "../../src/iam-token.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { fetchCa } from "../helpers/tls.js";
import { Connections, waitForUser, waitForUserGroup } from "../helpers/users.js";
import { waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let ca: string;
const connections = new Connections();
const clusters: Cluster[] = [];
const AUTH_TOKEN = "before-rbac-token-0123456789";
const KEYS = 40;

const token = (cacheName: string, userId = "iam-app") =>
  generateIamAuthToken({ cacheName, userId, region: "us-east-1", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret" });

const createGroup = (input: Omit<ConstructorParameters<typeof CreateReplicationGroupCommand>[0], "ReplicationGroupDescription">) =>
  client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupDescription: "iam later",
      CacheNodeType: "cache.t3.micro",
      Engine: "redis",
      TransitEncryptionEnabled: true,
      ...input,
    }),
  );

/** Every node endpoint of a group, from DescribeCacheClusters. */
async function nodeEndpoints(memberIds: string[]): Promise<Endpoint[]> {
  return Promise.all(
    memberIds.map(async (id) => (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0].CacheNodes![0].Endpoint!),
  );
}

/** What AUTH answers on a fresh TLS connection: "OK" or the engine's error. */
async function authOn(endpoint: Endpoint, user: string, password: string): Promise<string> {
  const redis = await connections.connect(endpoint, { tls: { ca } });
  return redis.call("AUTH", user, password).then(
    (r) => String(r),
    (e: Error) => e.message,
  );
}

/** SETs `during:N` with the AUTH token until `state.done`, reconnecting after errors; records the keys the engine acknowledged. */
async function keepWriting(endpoint: Endpoint, state: { done: boolean; acknowledged: string[] }): Promise<void> {
  let redis: Redis | undefined;
  for (let i = 0; !state.done; i++) {
    try {
      redis ??= await connections.connect(endpoint, { tls: { ca }, password: AUTH_TOKEN });
      if ((await redis.set(`during:${i}`, "1")) === "OK") state.acknowledged.push(`during:${i}`);
    } catch {
      redis?.disconnect();
      redis = undefined;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  redis?.disconnect();
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  ca = await fetchCa(emulator);
  const user = (input: ConstructorParameters<typeof CreateUserCommand>[0]) => client.send(new CreateUserCommand(input));
  await user({ UserId: "iam-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true });
  await user({ UserId: "iam-app", UserName: "iam-app", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } });
  await client.send(new CreateUserGroupCommand({ UserGroupId: "iam-users", Engine: "redis", UserIds: ["iam-default", "iam-app"] }));
  await waitForUserGroup(client, "iam-users");
}, 120_000);
afterEach(() => {
  connections.closeAll();
  for (const c of clusters.splice(0)) c.disconnect();
});
afterAll(async () => {
  await emulator?.stop();
});

describe("a group's first user group makes IAM tokens work once it is available again", () => {
  it("cluster mode disabled, moving from an AUTH token to RBAC: every endpoint, keys kept", async () => {
    await createGroup({ ReplicationGroupId: "iam-migrate", EngineVersion: "7.0", NumCacheClusters: 3, AuthToken: AUTH_TOKEN });
    const group = await waitForReplicationGroup(client, "iam-migrate", (g) => g.Status === "available");
    const { PrimaryEndpoint: primary, ReaderEndpoint: reader } = group.NodeGroups![0];
    const writer = await connections.connect(primary!, { tls: { ca }, password: AUTH_TOKEN });
    for (let i = 0; i < KEYS; i++) await writer.set(`before:${i}`, String(i));
    connections.closeAll();

    const modified = await client.send(
      new ModifyReplicationGroupCommand({ ReplicationGroupId: "iam-migrate", UserGroupIdsToAdd: ["iam-users"], AuthTokenUpdateStrategy: "DELETE", ApplyImmediately: true }),
    );
    expect(modified.ReplicationGroup!.Status).toBe("modifying");
    // A client keeps writing with the old token while the group is modifying: every write the
    // primary acknowledged must be there afterwards.
    const writing = { done: false, acknowledged: [] as string[] };
    const writes = keepWriting(primary!, writing);
    const after = await waitForReplicationGroup(client, "iam-migrate", (g) => g.Status === "available");
    writing.done = true;
    await writes;
    expect(after.UserGroupIds).toEqual(["iam-users"]);
    expect(after.MemberClusters!.sort()).toEqual(group.MemberClusters!.sort());

    const nodes = await nodeEndpoints(after.MemberClusters!);
    for (const endpoint of [primary!, reader!, ...nodes]) {
      const redis = await connections.connect(endpoint, { tls: { ca }, username: "iam-app", password: token("iam-migrate") });
      expect(await redis.acl("WHOAMI")).toBe("iam-app");
      // Every member kept the keys (replicas included: they serve reads here).
      expect(await redis.mget(Array.from({ length: KEYS }, (_, i) => `before:${i}`))).toEqual(Array.from({ length: KEYS }, (_, i) => String(i)));
      expect(await authOn(endpoint, "iam-app", "total-garbage")).toMatch(/^WRONGPASS invalid username-password pair or user is disabled/);
      expect(await authOn(endpoint, "default", AUTH_TOKEN)).toMatch(/^WRONGPASS/);
    }
    const primaryClient = await connections.connect(primary!, { tls: { ca }, username: "iam-app", password: token("iam-migrate") });
    expect(await primaryClient.set("after", "1")).toBe("OK");
    expect(writing.acknowledged.length).toBeGreaterThan(0);
    const kept = await primaryClient.mget(writing.acknowledged);
    expect(writing.acknowledged.filter((_, i) => kept[i] !== "1")).toEqual([]);
  });

  it("restarts that keep the data, again and again under writes (TLS mode changes, then the first user group): no acknowledged write lost, writes never left paused", async () => {
    await createGroup({ ReplicationGroupId: "iam-flips", EngineVersion: "7.0", NumCacheClusters: 2, AuthToken: AUTH_TOKEN });
    const group = await waitForReplicationGroup(client, "iam-flips", (g) => g.Status === "available");
    const primary = group.NodeGroups![0].PrimaryEndpoint!;
    const replica = group.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "replica")!.ReadEndpoint!;
    const writing = { done: false, acknowledged: [] as string[] };
    const writes = keepWriting(primary, writing);
    // Writes sent straight to the replica's node are never acknowledged, even while it restarts.
    const onReplica = { done: false, acknowledged: [] as string[] };
    const replicaWrites = keepWriting(replica, onReplica);
    const changes = [
      { TransitEncryptionMode: "preferred" as const },
      { TransitEncryptionMode: "required" as const },
      { TransitEncryptionMode: "preferred" as const },
      { TransitEncryptionMode: "required" as const },
      { UserGroupIdsToAdd: ["iam-users"], AuthTokenUpdateStrategy: "DELETE" as const },
    ];
    for (const change of changes) {
      const seen = writing.acknowledged.length;
      await waitFor(async () => writing.acknowledged.length, (n) => n > seen, { what: "a write acknowledged before the change" });
      const modified = await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "iam-flips", ApplyImmediately: true, ...change }));
      expect(modified.ReplicationGroup!.Status).toBe("modifying");
      await waitForReplicationGroup(client, "iam-flips", (g) => g.Status === "available");
      if (change.UserGroupIdsToAdd) break;
      // Available again: the restarted primary acknowledges writes (none left waiting on a pause).
      const after = writing.acknowledged.length;
      await waitFor(async () => writing.acknowledged.length, (n) => n > after, { what: `writes acknowledged after ${JSON.stringify(change)}` });
    }
    writing.done = true;
    onReplica.done = true;
    await Promise.all([writes, replicaWrites]);
    expect(onReplica.acknowledged).toEqual([]);
    const iam = await connections.connect(primary, { tls: { ca }, username: "iam-app", password: token("iam-flips") });
    expect(await iam.set("after", "1")).toBe("OK");
    const kept = await iam.mget(writing.acknowledged);
    expect(writing.acknowledged.filter((_, i) => kept[i] !== "1")).toEqual([]);
  });

  it("cluster mode enabled, a TLS group without access control: every node, keys kept", async () => {
    await createGroup({
      ReplicationGroupId: "iam-shards-late",
      EngineVersion: "7.0",
      NumNodeGroups: 2,
      ReplicasPerNodeGroup: 1,
      CacheParameterGroupName: "default.redis7.cluster.on",
    });
    const group = await waitForReplicationGroup(client, "iam-shards-late", (g) => g.Status === "available");
    const configuration = group.ConfigurationEndpoint!;
    const clusterClient = (redisOptions: object) => {
      const cluster = new Cluster([{ host: configuration.Address!, port: configuration.Port! }], {
        redisOptions: { tls: { ca }, ...redisOptions },
        dnsLookup: (address, callback) => callback(null, address),
        clusterRetryStrategy: () => null,
      });
      clusters.push(cluster);
      return cluster;
    };
    const open = clusterClient({});
    for (let i = 0; i < KEYS; i++) await open.set(`before:${i}`, String(i));
    open.disconnect();

    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "iam-shards-late", UserGroupIdsToAdd: ["iam-users"], ApplyImmediately: true }));
    await waitForReplicationGroup(client, "iam-shards-late", (g) => g.Status === "available");

    const iam = clusterClient({ username: "iam-app", password: token("iam-shards-late") });
    for (let i = 0; i < KEYS; i++) expect(await iam.get(`before:${i}`)).toBe(String(i));
    expect(await iam.set("after", "1")).toBe("OK");
    for (const endpoint of [configuration, ...(await nodeEndpoints(group.MemberClusters!))]) {
      expect(await authOn(endpoint, "iam-app", token("iam-shards-late"))).toBe("OK");
      expect(await authOn(endpoint, "iam-app", "total-garbage")).toMatch(/^WRONGPASS/);
    }
  });

  it("a running cluster that becomes the primary of a group with IAM users (PrimaryClusterId): keys kept", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "iam-seed", Engine: "redis", EngineVersion: "7.0", CacheNodeType: "cache.t3.micro", TransitEncryptionEnabled: true }));
    const seed = await waitForCluster(client, "iam-seed", "available");
    const open = await connections.connect(seed.CacheNodes![0].Endpoint!, { tls: { ca } });
    expect(await open.set("seeded", "yes")).toBe("OK");
    connections.closeAll();
    await createGroup({ ReplicationGroupId: "iam-grown", PrimaryClusterId: "iam-seed", Engine: undefined, CacheNodeType: undefined, NumCacheClusters: 2, UserGroupIds: ["iam-users"] });
    const group = await waitForReplicationGroup(client, "iam-grown", (g) => g.Status === "available");
    for (const endpoint of [group.NodeGroups![0].PrimaryEndpoint!, ...(await nodeEndpoints(group.MemberClusters!))]) {
      const redis = await connections.connect(endpoint, { tls: { ca }, username: "iam-app", password: token("iam-grown") });
      expect(await redis.get("seeded")).toBe("yes");
      expect(await authOn(endpoint, "iam-app", "total-garbage")).toMatch(/^WRONGPASS/);
    }
  });
});

describe("IAM users need Redis OSS 7.0 or later on every group their user group is attached to", () => {
  beforeAll(async () => {
    await client.send(new CreateUserCommand({ UserId: "old-default", UserName: "default", Engine: "redis", AccessString: "on ~* +@all", NoPasswordRequired: true }));
    await client.send(new CreateUserCommand({ UserId: "pw-later-iam", UserName: "pw-later-iam", Engine: "redis", AccessString: "on ~* +@all", Passwords: ["a-password-0123456789"] }));
    await client.send(new CreateUserCommand({ UserId: "iam-new", UserName: "iam-new", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } }));
    await client.send(new CreateUserGroupCommand({ UserGroupId: "old-users", Engine: "redis", UserIds: ["old-default", "pw-later-iam"] }));
    await waitForUserGroup(client, "old-users");
    await createGroup({ ReplicationGroupId: "old-redis", EngineVersion: "6.2", NumCacheClusters: 1, UserGroupIds: ["old-users"] });
    await waitForReplicationGroup(client, "old-redis", (g) => g.Status === "available");
  }, 120_000);

  it("ModifyUserGroup adding an IAM user is refused, and the group keeps its users", async () => {
    await expectAwsError(
      client.send(new ModifyUserGroupCommand({ UserGroupId: "old-users", UserIdsToAdd: ["iam-new"] })),
      "InvalidParameterCombination",
      400,
      /IAM authentication requires Redis OSS 7.0 or later; the engine version of replication group old-redis is 6.2/,
    );
    const group = (await client.send(new DescribeUserGroupsCommand({ UserGroupId: "old-users" }))).UserGroups![0];
    expect(group.Status).toBe("active");
    expect(group.UserIds!.sort()).toEqual(["old-default", "pw-later-iam"]);
  });

  it("ModifyUser switching a user of that group to iam is refused, and the user keeps its password", async () => {
    await expectAwsError(
      client.send(new ModifyUserCommand({ UserId: "pw-later-iam", AuthenticationMode: { Type: "iam" } })),
      "InvalidParameterCombination",
      400,
      /User group old-users has an IAM user \(pw-later-iam\): IAM authentication requires Redis OSS 7.0 or later/,
    );
    const user = (await client.send(new DescribeUsersCommand({ UserId: "pw-later-iam" }))).Users![0];
    expect(user.Authentication).toEqual({ Type: "password", PasswordCount: 1 });
    const endpoint = (await waitForReplicationGroup(client, "old-redis", (g) => g.Status === "available")).NodeGroups![0].PrimaryEndpoint!;
    expect(await authOn(endpoint, "pw-later-iam", "a-password-0123456789")).toBe("OK");
  });

  it("the same changes pass once the user group is attached to no older group", async () => {
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "old-redis", RemoveUserGroups: true, ApplyImmediately: true }));
    await waitForReplicationGroup(client, "old-redis", (g) => g.Status === "available");
    await client.send(new ModifyUserCommand({ UserId: "pw-later-iam", AuthenticationMode: { Type: "iam" } }));
    expect((await waitForUser(client, "pw-later-iam")).Authentication!.Type).toBe("iam");
    await client.send(new ModifyUserGroupCommand({ UserGroupId: "old-users", UserIdsToAdd: ["iam-new"] }));
    expect((await waitForUserGroup(client, "old-users")).UserIds!.sort()).toEqual(["iam-new", "old-default", "pw-later-iam"]);
    // And the group cannot take the user group back.
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "old-redis", UserGroupIdsToAdd: ["old-users"], ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
      /IAM authentication requires Redis OSS 7.0 or later/,
    );
  });
});
