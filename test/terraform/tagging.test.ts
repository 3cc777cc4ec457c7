/**
 * The Terraform AWS provider's tag path (`tags_gen.go`), replayed through the SDK. Every
 * ElastiCache resource is `@Tags(identifierAttribute="arn")`: the read lists the tags of its
 * ARN, an update removes the keys that went away and then adds the ones that are new or
 * changed, and all three calls are retried for 15 minutes while they fail with
 * InvalidReplicationGroupStateFault whose message contains "not in available state".
 *
 * AWS tags a replication group only while it is `available` (otherwise 400
 * InvalidReplicationGroupState "Cluster not in available state to perform tagging
 * operations.") and a cache cluster only while it is `available` (otherwise, as when it is
 * missing, 404 CacheClusterNotFound "<id> is either not present or not available.").
 * Transitional statuses are held by the configured lifecycle delays, so nothing depends on
 * timing.
 */
import {
  AddTagsToResourceCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ListTagsForResourceCommand,
  ModifyCacheClusterCommand,
  ModifyReplicationGroupCommand,
  ModifyUserCommand,
  RebootCacheClusterCommand,
  RemoveTagsFromResourceCommand,
  type ElastiCacheClient,
  type Tag,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { orNotFound, stateChange } from "../helpers/terraform.js";
import { waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";

const ACCOUNT = "000000000000";
const arn = (type: string, id: string) => `arn:aws:elasticache:us-east-1:${ACCOUNT}:${type}:${id}`;
const HELD = 600_000;

const GROUP_NOT_AVAILABLE = /^Cluster not in available state to perform tagging operations\.$/;
const clusterNotAvailable = (id: string) => new RegExp(`^${id} is either not present or not available\\.$`);

/** The provider's retry predicate (RetryWhenIsAErrorMessageContains[InvalidReplicationGroupStateFault]("not in available state")). */
function providerRetries(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === "InvalidReplicationGroupStateFault" && (e.message ?? "").includes("not in available state");
}

/** One tag call as the provider makes it: retried while providerRetries holds, any other error ends it. */
async function withProviderRetry<T>(call: () => Promise<T>): Promise<{ value: T; retried: number }> {
  let retried = 0;
  const outcome = await waitFor(
    async () => {
      try {
        return { done: true as const, value: await call() };
      } catch (error) {
        if (!providerRetries(error)) throw error;
        retried++;
        return { done: false as const };
      }
    },
    (o) => o.done,
    { timeoutMs: 120_000, intervalMs: 50, what: "a tag call the provider retries" },
  );
  return { value: (outcome as { value: T }).value, retried };
}

/** listTags: the tags of an ARN as a map. */
async function listTags(client: ElastiCacheClient, resource: string): Promise<Record<string, string>> {
  const { value } = await withProviderRetry(() => client.send(new ListTagsForResourceCommand({ ResourceName: resource })));
  return Object.fromEntries((value.TagList ?? []).map((t) => [t.Key!, t.Value ?? ""]));
}

/** updateTagsBase: RemoveTagsFromResource for the keys gone, then AddTagsToResource for those new or changed. */
async function updateTags(client: ElastiCacheClient, resource: string, before: Record<string, string>, after: Record<string, string>): Promise<void> {
  const removed = Object.keys(before).filter((k) => !(k in after));
  if (removed.length) await withProviderRetry(() => client.send(new RemoveTagsFromResourceCommand({ ResourceName: resource, TagKeys: removed })));
  const updated: Tag[] = Object.entries(after)
    .filter(([k, v]) => before[k] !== v)
    .map(([Key, Value]) => ({ Key, Value }));
  if (updated.length) await withProviderRetry(() => client.send(new AddTagsToResourceCommand({ ResourceName: resource, Tags: updated })));
}

/** The three tag actions on an ARN, each expected to fail with the same code, status and message. */
async function expectTaggingRefused(client: ElastiCacheClient, resource: string, code: string, status: number, message: RegExp): Promise<void> {
  await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: resource })), code, status, message);
  await expectAwsError(client.send(new AddTagsToResourceCommand({ ResourceName: resource, Tags: [{ Key: "k", Value: "v" }] })), code, status, message);
  await expectAwsError(client.send(new RemoveTagsFromResourceCommand({ ResourceName: resource, TagKeys: ["k"] })), code, status, message);
}

async function groupStatus(client: ElastiCacheClient, id: string) {
  return orNotFound(async () => {
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0];
    return { status: group.Status!, value: group };
  }, ["ReplicationGroupNotFoundFault"]);
}

async function clusterStatus(client: ElastiCacheClient, id: string) {
  return orNotFound(async () => {
    const cluster = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0];
    return { status: cluster.CacheClusterStatus!, value: cluster };
  }, ["CacheClusterNotFound"]);
}

describe("tags as the provider reads and updates them, on a replication group and a cluster", () => {
  let emulator: Emulator;
  let client: ElastiCacheClient;
  beforeAll(async () => {
    emulator = await startEmulator();
    client = sdkClient(emulator);
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("create with tags -> waiter -> read lists them -> update removes then adds -> delete -> not found", async () => {
    const resource = arn("replicationgroup", "tf-tags-rg");
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "tf-tags-rg",
        ReplicationGroupDescription: "Managed by Terraform",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        Tags: [
          { Key: "env", Value: "dev" },
          { Key: "team", Value: "cache" },
        ],
      }),
    );
    // A read during creation (terraform refresh of a half-made group) is retried by the provider until the group is available.
    expect(await listTags(client, resource)).toEqual({ env: "dev", team: "cache" });
    expect((await groupStatus(client, "tf-tags-rg")).status).toBe("available");

    await stateChange({
      what: "replication group tf-tags-rg available",
      pending: ["creating", "modifying", "snapshotting"],
      target: ["available"],
      refresh: () => groupStatus(client, "tf-tags-rg"),
    });
    expect(await listTags(client, resource)).toEqual({ env: "dev", team: "cache" });

    // tags = { env = "prod", owner = "me" }: team removed, env changed, owner added.
    await updateTags(client, resource, { env: "dev", team: "cache" }, { env: "prod", owner: "me" });
    expect(await listTags(client, resource)).toEqual({ env: "prod", owner: "me" });
    // The member clusters keep their own tags (none were given to them).
    expect(await listTags(client, arn("cluster", "tf-tags-rg-001"))).toEqual({});

    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "tf-tags-rg" }));
    await stateChange({
      what: "replication group tf-tags-rg deleted",
      pending: ["creating", "available", "deleting"],
      target: ["NotFound"],
      refresh: () => groupStatus(client, "tf-tags-rg"),
    });
    await expectTaggingRefused(client, resource, "ReplicationGroupNotFoundFault", 404, /tf-tags-rg/);
  });

  it("a cluster: tags given at create are read after the waiter, updated, and gone with the cluster", async () => {
    const resource = arn("cluster", "tf-tags-cluster");
    await client.send(
      new CreateCacheClusterCommand({
        CacheClusterId: "tf-tags-cluster",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumCacheNodes: 1,
        Tags: [{ Key: "env", Value: "dev" }],
      }),
    );
    await stateChange({
      what: "cluster tf-tags-cluster available",
      pending: ["creating", "modifying", "snapshotting", "rebooting cache cluster nodes"],
      target: ["available"],
      refresh: () => clusterStatus(client, "tf-tags-cluster"),
    });
    expect(await listTags(client, resource)).toEqual({ env: "dev" });
    await updateTags(client, resource, { env: "dev" }, { env: "dev", owner: "me" });
    expect(await listTags(client, resource)).toEqual({ env: "dev", owner: "me" });

    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "tf-tags-cluster" }));
    await stateChange({
      what: "cluster tf-tags-cluster deleted",
      pending: ["creating", "available", "modifying", "deleting", "incompatible-network", "restore-failed", "snapshotting"],
      target: ["NotFound"],
      refresh: () => clusterStatus(client, "tf-tags-cluster"),
    });
    await expectTaggingRefused(client, resource, "CacheClusterNotFound", 404, clusterNotAvailable("tf-tags-cluster"));
  });

  it("a malformed ARN: InvalidARN as AWS words it", async () => {
    await expectAwsError(
      client.send(new ListTagsForResourceCommand({ ResourceName: `arn:aws:elasticache:us-east-1:${ACCOUNT}:replicationgroup` })),
      "InvalidARN",
      400,
      /^Input ARN string does not have 7 components\.$/,
    );
  });
});

describe("tag actions on a resource that is being created (held by the create delay)", () => {
  let emulator: Emulator;
  let client: ElastiCacheClient;
  beforeAll(async () => {
    emulator = await startEmulator({ delays: { createMs: HELD, modifyMs: 0, deleteMs: 0, rebootMs: 0 } });
    client = sdkClient(emulator);
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("a replication group that is creating: InvalidReplicationGroupState (400), which the provider retries", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "held-rg",
        ReplicationGroupDescription: "d",
        CacheNodeType: "cache.t3.micro",
        Tags: [{ Key: "k", Value: "v" }],
      }),
    );
    expect((await groupStatus(client, "held-rg")).status).toBe("creating");
    await expectTaggingRefused(client, arn("replicationgroup", "held-rg"), "InvalidReplicationGroupState", 400, GROUP_NOT_AVAILABLE);
    const refusal = await client.send(new ListTagsForResourceCommand({ ResourceName: arn("replicationgroup", "held-rg") })).catch((e: unknown) => e);
    expect(providerRetries(refusal)).toBe(true);
  });

  it("a cache cluster that is creating: CacheClusterNotFound (404) '<id> is either not present or not available.'", async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "held-cluster", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
    expect((await clusterStatus(client, "held-cluster")).status).toBe("creating");
    await expectTaggingRefused(client, arn("cluster", "held-cluster"), "CacheClusterNotFound", 404, clusterNotAvailable("held-cluster"));
    const refusal = await client.send(new ListTagsForResourceCommand({ ResourceName: arn("cluster", "held-cluster") })).catch((e: unknown) => e);
    expect(providerRetries(refusal)).toBe(false);
  });

  it("a missing cache cluster answers the same words", async () => {
    await expectTaggingRefused(client, arn("cluster", "no-such-cluster"), "CacheClusterNotFound", 404, clusterNotAvailable("no-such-cluster"));
  });
});

describe("tag actions on a resource that is changing (held by the modify, reboot and delete delays)", () => {
  let emulator: Emulator;
  let client: ElastiCacheClient;
  beforeAll(async () => {
    emulator = await startEmulator({ delays: { createMs: 0, modifyMs: HELD, deleteMs: HELD, rebootMs: HELD } });
    client = sdkClient(emulator);
    const cluster = (id: string) => new CreateCacheClusterCommand({ CacheClusterId: id, Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 });
    for (const id of ["c-reboot", "c-modify", "c-delete"]) await client.send(cluster(id));
    for (const id of ["rg-modify", "rg-delete"]) {
      await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: id, ReplicationGroupDescription: "d", CacheNodeType: "cache.t3.micro" }));
    }
    for (const id of ["c-reboot", "c-modify", "c-delete"]) await waitForCluster(client, id, "available");
    for (const id of ["rg-modify", "rg-delete"]) await waitForReplicationGroup(client, id, (g) => g.Status === "available");
    // A user changes (`modifying`) while the engines of a group using it take the change.
    const user = (id: string, name: string) =>
      new CreateUserCommand({ UserId: id, UserName: name, Engine: "redis", AccessString: "on ~* +@all", Passwords: ["a-password-of-16+chars"] });
    await client.send(user("u-default", "default"));
    await client.send(user("u-modify", "u-modify"));
    await client.send(new CreateUserGroupCommand({ UserGroupId: "ug-tags", Engine: "redis", UserIds: ["u-default", "u-modify"] }));
    await waitFor(() => client.send(new DescribeUserGroupsCommand({ UserGroupId: "ug-tags" })), (r) => r.UserGroups?.[0]?.Status === "active", { what: "user group ug-tags active" });
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "rg-users", ReplicationGroupDescription: "d", CacheNodeType: "cache.t3.micro", TransitEncryptionEnabled: true, UserGroupIds: ["ug-tags"] }),
    );
    await waitForReplicationGroup(client, "rg-users", (g) => g.Status === "available");
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("an available cluster and group are tagged", async () => {
    await client.send(new AddTagsToResourceCommand({ ResourceName: arn("cluster", "c-modify"), Tags: [{ Key: "k", Value: "v" }] }));
    await client.send(new AddTagsToResourceCommand({ ResourceName: arn("replicationgroup", "rg-modify"), Tags: [{ Key: "k", Value: "v" }] }));
    expect(await listTags(client, arn("cluster", "c-modify"))).toEqual({ k: "v" });
    expect(await listTags(client, arn("replicationgroup", "rg-modify"))).toEqual({ k: "v" });
  });

  it("a cluster rebooting, modifying or deleting: CacheClusterNotFound (404)", async () => {
    await client.send(new RebootCacheClusterCommand({ CacheClusterId: "c-reboot", CacheNodeIdsToReboot: ["0001"] }));
    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "c-modify", CacheNodeType: "cache.t3.small", ApplyImmediately: true }));
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "c-delete" }));
    for (const [id, status] of [
      ["c-reboot", "rebooting cache cluster nodes"],
      ["c-modify", "modifying"],
      ["c-delete", "deleting"],
    ]) {
      expect((await clusterStatus(client, id)).status).toBe(status);
      await expectTaggingRefused(client, arn("cluster", id), "CacheClusterNotFound", 404, clusterNotAvailable(id));
    }
  });

  it("a replication group modifying or deleting: InvalidReplicationGroupState (400)", async () => {
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "rg-modify", CacheNodeType: "cache.t3.small", ApplyImmediately: true }));
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "rg-delete" }));
    for (const [id, status] of [
      ["rg-modify", "modifying"],
      ["rg-delete", "deleting"],
    ]) {
      expect((await groupStatus(client, id)).status).toBe(status);
      await expectTaggingRefused(client, arn("replicationgroup", id), "InvalidReplicationGroupState", 400, GROUP_NOT_AVAILABLE);
    }
  });

  it("a user modifying: UserNotFound (404) '<id> is not available for tagging'; active again, tagged", async () => {
    const userArn = arn("user", "u-modify");
    await client.send(new AddTagsToResourceCommand({ ResourceName: userArn, Tags: [{ Key: "k", Value: "v" }] }));
    await client.send(new ModifyUserCommand({ UserId: "u-modify", AccessString: "on ~app:* +@read" }));
    const { Users } = await client.send(new DescribeUsersCommand({ UserId: "u-modify" }));
    expect(Users?.[0]?.Status).toBe("modifying");
    await expectTaggingRefused(client, userArn, "UserNotFound", 404, /^u-modify is not available for tagging$/);
  });
});
