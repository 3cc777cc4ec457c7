/**
 * Tags through the JS SDK, kind by kind: for every taggable resource AddTagsToResource,
 * ListTagsForResource and RemoveTagsFromResource on its ARN; a missing resource answers its
 * own kind's not-found error (also for the ARN types whose families do not exist yet); a
 * resource of another region or account is not found; a malformed ARN is InvalidARN.
 *
 * The embedded engines serve every kind but snapshots, which need an engine that writes
 * RDB files: those are taken on a real redis-server.
 */
import {
  AddTagsToResourceCommand,
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  CreateCacheSecurityGroupCommand,
  CreateCacheSubnetGroupCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  ListTagsForResourceCommand,
  RemoveTagsFromResourceCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";

const ACCOUNT = "000000000000";
const arn = (type: string, id: string, region = "us-east-1", account = ACCOUNT) => `arn:aws:elasticache:${region}:${account}:${type}:${id}`;

/** Every taggable kind: how to create one, and AWS's error (code, status) for a missing one. */
const KINDS: Array<{ type: string; id: string; create: (client: ElastiCacheClient) => Promise<unknown>; code: string; status: number }> = [
  {
    type: "cluster",
    id: "tagged-cluster",
    create: (c) => c.send(new CreateCacheClusterCommand({ CacheClusterId: "tagged-cluster", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 })),
    code: "CacheClusterNotFound",
    status: 404,
  },
  {
    type: "replicationgroup",
    id: "tagged-group",
    create: (c) =>
      c.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "tagged-group", ReplicationGroupDescription: "tags", CacheNodeType: "cache.t3.micro" })),
    code: "ReplicationGroupNotFoundFault",
    status: 404,
  },
  {
    type: "user",
    id: "tagged-user",
    create: (c) =>
      c.send(new CreateUserCommand({ UserId: "tagged-user", UserName: "tagged", Engine: "redis", AccessString: "on ~* +@all", NoPasswordRequired: true })),
    code: "UserNotFound",
    status: 404,
  },
  {
    type: "usergroup",
    id: "tagged-users",
    create: (c) => c.send(new CreateUserGroupCommand({ UserGroupId: "tagged-users", Engine: "redis", UserIds: ["default"] })),
    code: "UserGroupNotFound",
    status: 404,
  },
  {
    type: "parametergroup",
    id: "tagged-params",
    create: (c) =>
      c.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "tagged-params", CacheParameterGroupFamily: "redis7", Description: "tags" })),
    code: "CacheParameterGroupNotFound",
    status: 404,
  },
  {
    type: "subnetgroup",
    id: "tagged-subnets",
    create: (c) =>
      c.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: "tagged-subnets", CacheSubnetGroupDescription: "tags", SubnetIds: ["subnet-0123456789abcdef0"] })),
    code: "CacheSubnetGroupNotFoundFault",
    status: 400,
  },
  {
    type: "securitygroup",
    id: "tagged-secgroup",
    create: (c) => c.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: "tagged-secgroup", Description: "tags" })),
    code: "CacheSecurityGroupNotFound",
    status: 404,
  },
];

/** ARN types AWS has whose families the emulator does not offer yet: each names nothing, with its own error. */
const FUTURE_KINDS = [
  { arn: arn("serverlesscache", "nope"), code: "ServerlessCacheNotFoundFault" },
  { arn: arn("serverlesscachesnapshot", "nope"), code: "ServerlessCacheSnapshotNotFoundFault" },
  { arn: arn("reserved-instance", "nope"), code: "ReservedCacheNodeNotFound" },
  // Global datastores span regions: their ARNs have no region.
  { arn: `arn:aws:elasticache::${ACCOUNT}:globalreplicationgroup:nope`, code: "GlobalReplicationGroupNotFoundFault" },
];

async function listTags(client: ElastiCacheClient, resource: string) {
  return (await client.send(new ListTagsForResourceCommand({ ResourceName: resource }))).TagList ?? [];
}

/** Add -> List shows them -> Remove -> List shows what is left. */
async function tagRoundTrip(client: ElastiCacheClient, resource: string): Promise<void> {
  const added = await client.send(
    new AddTagsToResourceCommand({ ResourceName: resource, Tags: [{ Key: "team", Value: "cache" }, { Key: "env", Value: "test" }] }),
  );
  expect(added.TagList).toEqual(expect.arrayContaining([{ Key: "team", Value: "cache" }, { Key: "env", Value: "test" }]));
  expect(await listTags(client, resource)).toEqual(expect.arrayContaining([{ Key: "team", Value: "cache" }, { Key: "env", Value: "test" }]));
  expect(await listTags(client, resource)).toHaveLength(2);

  const removed = await client.send(new RemoveTagsFromResourceCommand({ ResourceName: resource, TagKeys: ["team"] }));
  expect(removed.TagList).toEqual([{ Key: "env", Value: "test" }]);
  expect(await listTags(client, resource)).toEqual([{ Key: "env", Value: "test" }]);
}

describe("tags on every kind of resource (embedded engines)", () => {
  let emulator: Emulator;
  let client: ElastiCacheClient;

  beforeAll(async () => {
    emulator = await startEmulator({ engineMode: "embedded" });
    client = sdkClient(emulator);
    for (const kind of KINDS) await kind.create(client);
    // AWS tags a cluster or a replication group only once it is available.
    await waitForCluster(client, "tagged-cluster", "available");
    await waitForReplicationGroup(client, "tagged-group", (g) => g.Status === "available");
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  describe.each(KINDS)("a $type", (kind) => {
    it("is tagged, listed and untagged through its ARN", async () => {
      await tagRoundTrip(client, arn(kind.type, kind.id));
    });

    it(`is ${kind.code} (${kind.status}) when missing`, async () => {
      const missing = arn(kind.type, "missing-one");
      await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: missing })), kind.code, kind.status);
      await expectAwsError(client.send(new AddTagsToResourceCommand({ ResourceName: missing, Tags: [{ Key: "k", Value: "v" }] })), kind.code, kind.status);
      await expectAwsError(client.send(new RemoveTagsFromResourceCommand({ ResourceName: missing, TagKeys: ["k"] })), kind.code, kind.status);
    });

    it("is not found through an ARN of another region or another account", async () => {
      await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: arn(kind.type, kind.id, "eu-west-1") })), kind.code, kind.status);
      await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: arn(kind.type, kind.id, "us-east-1", "111122223333") })), kind.code, kind.status);
    });

    it("is not found by a caller of another region or another account", async () => {
      const west = sdkClient(emulator, { region: "eu-west-1" });
      await expectAwsError(west.send(new ListTagsForResourceCommand({ ResourceName: arn(kind.type, kind.id) })), kind.code, kind.status);
      const other = sdkClient(emulator, { accessKeyId: "111122223333" });
      await expectAwsError(other.send(new ListTagsForResourceCommand({ ResourceName: arn(kind.type, kind.id) })), kind.code, kind.status);
    });
  });

  it("tags AWS's built-in parameter groups and the region's default groups and user", async () => {
    for (const resource of [arn("parametergroup", "default.redis7"), arn("subnetgroup", "default"), arn("securitygroup", "default"), arn("user", "default")]) {
      await tagRoundTrip(client, resource);
    }
  });

  it("keeps the tags a Create request gives", async () => {
    await client.send(
      new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: "born-tagged", Description: "tags", Tags: [{ Key: "origin", Value: "create" }] }),
    );
    expect(await listTags(client, arn("securitygroup", "born-tagged"))).toEqual([{ Key: "origin", Value: "create" }]);
  });

  it.each(FUTURE_KINDS)("answers $code for $arn (a kind not offered yet)", async ({ arn: resource, code }) => {
    await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: resource })), code, 404);
    await expectAwsError(client.send(new AddTagsToResourceCommand({ ResourceName: resource, Tags: [{ Key: "k", Value: "v" }] })), code, 404);
  });

  it.each([
    "not-an-arn",
    "arn:aws:s3:::bucket/key",
    `arn:aws:elasticache:us-east-1:${ACCOUNT}:no-such-type:x`,
    "arn:aws:elasticache:us-east-1:12345:cluster:short-account",
  ])("answers InvalidARN for %s", async (resource) => {
    await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: resource })), "InvalidARN", 400);
  });

  it.each(["not-an-arn", "arn:aws:s3:::bucket/key", `arn:aws:elasticache:us-east-1:${ACCOUNT}:cluster`])(
    "words an ARN of fewer than seven components as AWS does (%s)",
    async (resource) => {
      await expectAwsError(
        client.send(new ListTagsForResourceCommand({ ResourceName: resource })),
        "InvalidARN",
        400,
        /^Input ARN string does not have 7 components\.$/,
      );
    },
  );

  it("answers TagNotFound for a key the resource does not have, and changes nothing", async () => {
    const resource = arn("cluster", "tagged-cluster");
    await client.send(new AddTagsToResourceCommand({ ResourceName: resource, Tags: [{ Key: "keep", Value: "1" }] }));
    await expectAwsError(client.send(new RemoveTagsFromResourceCommand({ ResourceName: resource, TagKeys: ["keep", "absent"] })), "TagNotFound", 404);
    expect(await listTags(client, resource)).toEqual(expect.arrayContaining([{ Key: "keep", Value: "1" }]));
  });
});

describe("tags on a snapshot (a real redis-server writes it)", () => {
  let emulator: Emulator;
  let client: ElastiCacheClient;

  beforeAll(async () => {
    emulator = await startEmulator();
    client = sdkClient(emulator);
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "snap-src", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
    await waitForCluster(client, "snap-src", "available");
    await client.send(new CreateSnapshotCommand({ CacheClusterId: "snap-src", SnapshotName: "tagged-snapshot" }));
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("is tagged, listed and untagged through its ARN", async () => {
    await tagRoundTrip(client, arn("snapshot", "tagged-snapshot"));
  });

  it("is SnapshotNotFoundFault when missing, or in another region or account", async () => {
    for (const resource of [arn("snapshot", "missing-one"), arn("snapshot", "tagged-snapshot", "eu-west-1"), arn("snapshot", "tagged-snapshot", "us-east-1", "111122223333")]) {
      await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: resource })), "SnapshotNotFoundFault", 404);
    }
  });
});
