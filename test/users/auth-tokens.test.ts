/**
 * AUTH tokens, enforced by the engines: AuthToken on create (with TransitEncryptionEnabled),
 * ModifyReplicationGroup's ROTATE (old and new accepted), SET (only the new one) and
 * DELETE (moving to user groups), and AWS's errors.
 */
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  ModifyCacheClusterCommand,
  ModifyReplicationGroupCommand,
  RebootCacheClusterCommand,
  type ElastiCacheClient,
  type Endpoint,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";
import type { RedisOptions } from "ioredis";
import { Connections, waitForUserGroup } from "../helpers/users.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const connections = new Connections();
const [T1, T2, T3] = ["first-token-0123456789", "second-token-0123456789", "third-token-!&#$^<>-0123"];

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterEach(() => connections.closeAll());
afterAll(async () => {
  await emulator?.stop();
});

/** Clients of a TransitEncryptionMode `required` cluster speak TLS, trusting the emulator's CA. */
const overTls = (): RedisOptions => ({ tls: { ca: emulator.ca!.pem } });

/** What `AUTH <args>` answers on a fresh connection ("OK" or the engine's error). */
async function auth(endpoint: Endpoint, ...args: string[]): Promise<string> {
  return authWith({}, endpoint, ...args);
}

async function authWith(options: RedisOptions, endpoint: Endpoint, ...args: string[]): Promise<string> {
  const redis = await connections.connect(endpoint, options);
  return redis.call("AUTH", ...args).then(
    (r) => String(r),
    (e: Error) => e.message,
  );
}

/** What a command without AUTH gets ("PONG", or NOAUTH). */
async function anonymous(endpoint: Endpoint, options: RedisOptions = {}): Promise<string> {
  const redis = await connections.connect(endpoint, options);
  return redis.ping().then(
    (r) => String(r),
    (e: Error) => e.message,
  );
}

/** Every endpoint clients use: the primary endpoint and each member's. */
function endpointsOf(group: ReplicationGroup): Endpoint[] {
  const ng = group.NodeGroups![0];
  return [ng.PrimaryEndpoint!, ...ng.NodeGroupMembers!.map((m) => m.ReadEndpoint!)];
}

const base = { ReplicationGroupDescription: "tokens", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2 };

describe("AuthToken on create", () => {
  it("refuses a token without TransitEncryptionEnabled, a malformed token, and a token with user groups", async () => {
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: "bad", AuthToken: T1 })),
      "InvalidParameterValue",
      400,
      /The AUTH token is only supported when encryption-in-transit is enabled/,
    );
    for (const token of ["short-token", "x".repeat(129), "has/slash-0123456789", "has space-0123456789", 'quote"-0123456789ab', "at@sign-0123456789ab"]) {
      await expectAwsError(
        client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: "bad", TransitEncryptionEnabled: true, AuthToken: token })),
        "InvalidParameterValue",
        400,
      );
    }
    await client.send(new CreateUserGroupCommand({ UserGroupId: "defaults", Engine: "redis", UserIds: ["default"] }));
    await waitForUserGroup(client, "defaults");
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: "bad", TransitEncryptionEnabled: true, AuthToken: T1, UserGroupIds: ["defaults"] }),
      ),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: "bad", TransitEncryptionMode: "preferred" })),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(
      client.send(
        new CreateCacheClusterCommand({ CacheClusterId: "bad", Engine: "memcached", CacheNodeType: "cache.t3.micro", TransitEncryptionEnabled: true, AuthToken: T1 }),
      ),
      "InvalidParameterCombination",
      400,
    );
  });

  it("makes every node of a replication group require the token", async () => {
    const created = await client.send(
      new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: "locked", TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred", AuthToken: T1 }),
    );
    expect(created.ReplicationGroup).toMatchObject({ AuthTokenEnabled: true, TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" });
    expect(created.ReplicationGroup?.AuthTokenLastModifiedDate).toBeInstanceOf(Date);
    const group = await waitForReplicationGroup(client, "locked", (g) => g.Status === "available");
    for (const endpoint of endpointsOf(group)) {
      expect(await anonymous(endpoint)).toMatch(/^NOAUTH/);
      expect(await auth(endpoint, T2)).toMatch(/^WRONGPASS/);
      expect(await auth(endpoint, T1)).toBe("OK");
    }
    const redis = await connections.connect(group.NodeGroups![0].PrimaryEndpoint!, { password: T1 });
    expect(await redis.set("k", "v")).toBe("OK");
    await expect(redis.call("CONFIG", "GET", "maxmemory")).rejects.toThrow(/NOPERM/);
  });

  it("makes a single-node cluster (CreateCacheCluster) require the token", async () => {
    const created = await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: "single", Engine: "redis", CacheNodeType: "cache.t3.micro", TransitEncryptionEnabled: true, AuthToken: T1 }),
    );
    expect(created.CacheCluster).toMatchObject({ AuthTokenEnabled: true, TransitEncryptionEnabled: true });
    const cluster = await waitForCluster(client, "single", "available");
    const endpoint = cluster.CacheNodes![0].Endpoint!;
    expect(await anonymous(endpoint, overTls())).toMatch(/^NOAUTH/);
    expect(await authWith(overTls(), endpoint, T1)).toBe("OK");
  });

  it("keeps requiring the token after a reboot", async () => {
    await client.send(new RebootCacheClusterCommand({ CacheClusterId: "single", CacheNodeIdsToReboot: ["0001"] }));
    const cluster = await waitForCluster(client, "single", "available");
    const endpoint = cluster.CacheNodes![0].Endpoint!;
    expect(await anonymous(endpoint, overTls())).toMatch(/^NOAUTH/);
    expect(await authWith(overTls(), endpoint, T1)).toBe("OK");
  });

  it("rotates and sets a single-node cluster's token (ModifyCacheCluster)", async () => {
    const rotated = await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "single", AuthToken: T2, AuthTokenUpdateStrategy: "ROTATE" }));
    expect(rotated.CacheCluster?.CacheClusterStatus).toBe("modifying");
    expect(rotated.CacheCluster?.PendingModifiedValues?.AuthTokenStatus).toBe("ROTATING");
    let cluster = await waitForCluster(client, "single", "available");
    expect(cluster.PendingModifiedValues?.AuthTokenStatus).toBeUndefined();
    expect(await authWith(overTls(), cluster.CacheNodes![0].Endpoint!, T1)).toBe("OK");
    expect(await authWith(overTls(), cluster.CacheNodes![0].Endpoint!, T2)).toBe("OK");
    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "single", AuthToken: T3, AuthTokenUpdateStrategy: "SET" }));
    cluster = await waitForCluster(client, "single", "available");
    expect(await authWith(overTls(), cluster.CacheNodes![0].Endpoint!, T3)).toBe("OK");
    expect(await authWith(overTls(), cluster.CacheNodes![0].Endpoint!, T1)).toMatch(/^WRONGPASS/);
    expect(await authWith(overTls(), cluster.CacheNodes![0].Endpoint!, T2)).toMatch(/^WRONGPASS/);
    // DELETE is for moving to user groups, which a single-node cluster has not.
    await expectAwsError(client.send(new ModifyCacheClusterCommand({ CacheClusterId: "single", AuthTokenUpdateStrategy: "DELETE" })), "InvalidParameterCombination", 400);
    await expectAwsError(client.send(new ModifyCacheClusterCommand({ CacheClusterId: "locked-001", AuthToken: T1 })), "InvalidParameterCombination", 400);
  });

  it("gives a replication group's token to the cluster it is built around (PrimaryClusterId)", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "seed", Engine: "redis", CacheNodeType: "cache.t3.micro", TransitEncryptionEnabled: true }));
    const seed = await waitForCluster(client, "seed", "available");
    expect(await anonymous(seed.CacheNodes![0].Endpoint!, overTls())).toBe("PONG");
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "grown",
        ReplicationGroupDescription: "around seed",
        PrimaryClusterId: "seed",
        NumCacheClusters: 2,
        TransitEncryptionEnabled: true,
        AuthToken: T1,
      }),
    );
    const group = await waitForReplicationGroup(client, "grown", (g) => g.Status === "available");
    for (const endpoint of endpointsOf(group)) {
      expect(await anonymous(endpoint, overTls())).toMatch(/^NOAUTH/);
      expect(await authWith(overTls(), endpoint, T1)).toBe("OK");
    }
  });
});

describe("AuthTokenUpdateStrategy", () => {
  it("refuses what AWS refuses, and changes nothing", async () => {
    const id = { ReplicationGroupId: "locked", ApplyImmediately: true };
    await expectAwsError(client.send(new ModifyReplicationGroupCommand({ ...id, AuthTokenUpdateStrategy: "ROTATE" })), "InvalidParameterCombination", 400);
    await expectAwsError(client.send(new ModifyReplicationGroupCommand({ ...id, AuthTokenUpdateStrategy: "SET" })), "InvalidParameterCombination", 400);
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ...id, AuthToken: T2, AuthTokenUpdateStrategy: "DELETE" })),
      "InvalidParameterCombination",
      400,
    );
    // DELETE is only for moving to user groups.
    await expectAwsError(client.send(new ModifyReplicationGroupCommand({ ...id, AuthTokenUpdateStrategy: "DELETE" })), "InvalidParameterCombination", 400);
    await expectAwsError(client.send(new ModifyReplicationGroupCommand({ ...id, UserGroupIdsToAdd: ["defaults"] })), "InvalidParameterCombination", 400);
    await expectAwsError(client.send(new ModifyReplicationGroupCommand({ ...id, AuthToken: "short" })), "InvalidParameterValue", 400);
    const group = await waitForReplicationGroup(client, "locked", (g) => g.Status === "available");
    expect(await auth(group.NodeGroups![0].PrimaryEndpoint!, T1)).toBe("OK");
  });

  it("ROTATE: the old and the new token both work", async () => {
    const out = await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "locked", AuthToken: T2, AuthTokenUpdateStrategy: "ROTATE", ApplyImmediately: true }));
    expect(out.ReplicationGroup?.Status).toBe("modifying");
    expect(out.ReplicationGroup?.PendingModifiedValues?.AuthTokenStatus).toBe("ROTATING");
    const group = await waitForReplicationGroup(client, "locked", (g) => g.Status === "available");
    expect(group.PendingModifiedValues?.AuthTokenStatus).toBeUndefined();
    for (const endpoint of endpointsOf(group)) {
      expect(await auth(endpoint, T1)).toBe("OK");
      expect(await auth(endpoint, T2)).toBe("OK");
      expect(await anonymous(endpoint)).toMatch(/^NOAUTH/);
    }
  });

  it("SET: only the new token works", async () => {
    const out = await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "locked", AuthToken: T3, AuthTokenUpdateStrategy: "SET", ApplyImmediately: true }));
    expect(out.ReplicationGroup?.PendingModifiedValues?.AuthTokenStatus).toBe("SETTING");
    const group = await waitForReplicationGroup(client, "locked", (g) => g.Status === "available");
    for (const endpoint of endpointsOf(group)) {
      expect(await auth(endpoint, T3)).toBe("OK");
      expect(await auth(endpoint, T1)).toMatch(/^WRONGPASS/);
      expect(await auth(endpoint, T2)).toMatch(/^WRONGPASS/);
    }
  });

  it("DELETE with UserGroupIdsToAdd: the token is gone and the group's users are in", async () => {
    await client.send(
      new CreateUserCommand({ UserId: "app-user", UserName: "app", Engine: "redis", AccessString: "on ~app:* +@all", Passwords: ["app-password-0123456789"] }),
    );
    await client.send(new CreateUserCommand({ UserId: "closed-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true }));
    await client.send(new CreateUserGroupCommand({ UserGroupId: "apps", Engine: "redis", UserIds: ["closed-default", "app-user"] }));
    await waitForUserGroup(client, "apps");
    const out = await client.send(
      new ModifyReplicationGroupCommand({ ReplicationGroupId: "locked", AuthTokenUpdateStrategy: "DELETE", UserGroupIdsToAdd: ["apps"], ApplyImmediately: true }),
    );
    expect(out.ReplicationGroup?.AuthTokenEnabled).toBe(false);
    expect(out.ReplicationGroup?.PendingModifiedValues?.UserGroups).toEqual({ UserGroupIdsToAdd: ["apps"], UserGroupIdsToRemove: [] });
    const group = await waitForReplicationGroup(client, "locked", (g) => g.Status === "available");
    expect(group.UserGroupIds).toEqual(["apps"]);
    for (const endpoint of endpointsOf(group)) {
      expect(await auth(endpoint, T3)).toMatch(/^WRONGPASS/);
      expect(await auth(endpoint, "app", "app-password-0123456789")).toBe("OK");
      expect(await anonymous(endpoint)).toMatch(/^NOAUTH/);
    }
    // A token cannot be added while user groups are attached.
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "locked", AuthToken: T1, AuthTokenUpdateStrategy: "ROTATE", ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
    );
  });

  it("ROTATE on a group without a token keeps it open until SET", async () => {
    await client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: "opening", TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" }));
    let group = await waitForReplicationGroup(client, "opening", (g) => g.Status === "available");
    expect(group.AuthTokenEnabled).toBe(false);
    expect(await anonymous(group.NodeGroups![0].PrimaryEndpoint!)).toBe("PONG");
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "opening", AuthToken: T1, ApplyImmediately: true }));
    group = await waitForReplicationGroup(client, "opening", (g) => g.Status === "available");
    expect(group.AuthTokenEnabled).toBe(true);
    for (const endpoint of endpointsOf(group)) {
      expect(await anonymous(endpoint)).toBe("PONG");
      // The engine's default user still needs no password: clients that send the token go on.
      expect(await auth(endpoint, T1)).toMatch(/without any password configured for the default user/);
      const withToken = await connections.connect(endpoint, { password: T1 });
      expect(await withToken.ping()).toBe("PONG");
    }
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "opening", AuthToken: T1, AuthTokenUpdateStrategy: "SET", ApplyImmediately: true }));
    group = await waitForReplicationGroup(client, "opening", (g) => g.Status === "available");
    for (const endpoint of endpointsOf(group)) {
      expect(await anonymous(endpoint)).toMatch(/^NOAUTH/);
      expect(await auth(endpoint, T1)).toBe("OK");
    }
  });

  it("refuses a token on a group without TransitEncryptionEnabled", async () => {
    await client.send(new CreateReplicationGroupCommand({ ...base, NumCacheClusters: 1, ReplicationGroupId: "plain" }));
    await waitForReplicationGroup(client, "plain", (g) => g.Status === "available");
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "plain", AuthToken: T1, AuthTokenUpdateStrategy: "ROTATE", ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "plain", UserGroupIdsToAdd: ["apps"], ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
    );
  });
});
