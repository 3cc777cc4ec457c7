/**
 * Cache security groups (EC2-Classic) through the JS SDK: create, describe, authorize and
 * revoke EC2 security groups, delete, AWS's errors and quota, and clusters that name them.
 */
import {
  AuthorizeCacheSecurityGroupIngressCommand,
  CreateCacheClusterCommand,
  CreateCacheSecurityGroupCommand,
  DeleteCacheClusterCommand,
  DeleteCacheSecurityGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheSecurityGroupsCommand,
  ModifyCacheClusterCommand,
  RevokeCacheSecurityGroupIngressCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForCluster, waitForClusterGone } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const OWNER = "123456789012";

const ingress = (group: string, ec2Group = "app-servers", owner = OWNER) => ({
  CacheSecurityGroupName: group,
  EC2SecurityGroupName: ec2Group,
  EC2SecurityGroupOwnerId: owner,
});

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator, { accessKeyId: "210987654321" });
});
afterAll(async () => {
  await emulator?.stop();
});

describe("cache security groups", () => {
  it("creates a group owned by the caller's account, next to `default`", async () => {
    const out = await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: "Legacy", Description: "old app" }));
    expect(out.CacheSecurityGroup).toEqual({
      OwnerId: "210987654321",
      CacheSecurityGroupName: "legacy",
      Description: "old app",
      EC2SecurityGroups: [],
      ARN: "arn:aws:elasticache:us-east-1:210987654321:securitygroup:legacy",
    });
    const all = await client.send(new DescribeCacheSecurityGroupsCommand({}));
    expect(all.CacheSecurityGroups!.map((g) => g.CacheSecurityGroupName)).toEqual(["default", "legacy"]);
  });

  it("authorizes an EC2 security group, refuses it twice, revokes it (answered as revoking) and refuses a second revoke", async () => {
    const authorized = await client.send(new AuthorizeCacheSecurityGroupIngressCommand(ingress("legacy")));
    expect(authorized.CacheSecurityGroup!.EC2SecurityGroups).toEqual([
      { Status: "authorized", EC2SecurityGroupName: "app-servers", EC2SecurityGroupOwnerId: OWNER },
    ]);
    await expectAwsError(client.send(new AuthorizeCacheSecurityGroupIngressCommand(ingress("legacy"))), "AuthorizationAlreadyExists", 400);
    await client.send(new AuthorizeCacheSecurityGroupIngressCommand(ingress("legacy", "workers")));

    const revoked = await client.send(new RevokeCacheSecurityGroupIngressCommand(ingress("legacy")));
    expect(revoked.CacheSecurityGroup!.EC2SecurityGroups).toEqual([
      { Status: "authorized", EC2SecurityGroupName: "workers", EC2SecurityGroupOwnerId: OWNER },
      { Status: "revoking", EC2SecurityGroupName: "app-servers", EC2SecurityGroupOwnerId: OWNER },
    ]);
    const after = await client.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: "legacy" }));
    expect(after.CacheSecurityGroups![0].EC2SecurityGroups!.map((g) => g.EC2SecurityGroupName)).toEqual(["workers"]);
    await expectAwsError(client.send(new RevokeCacheSecurityGroupIngressCommand(ingress("legacy"))), "AuthorizationNotFound", 404);
  });

  it("refuses what AWS refuses", async () => {
    await expectAwsError(client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: "legacy", Description: "x" })), "CacheSecurityGroupAlreadyExists", 400);
    await expectAwsError(client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: "Default", Description: "x" })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: "no spaces", Description: "x" })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: "nope" })), "CacheSecurityGroupNotFound", 404);
    await expectAwsError(client.send(new AuthorizeCacheSecurityGroupIngressCommand(ingress("nope"))), "CacheSecurityGroupNotFound", 404);
    await expectAwsError(client.send(new RevokeCacheSecurityGroupIngressCommand(ingress("nope"))), "CacheSecurityGroupNotFound", 404);
    await expectAwsError(client.send(new AuthorizeCacheSecurityGroupIngressCommand(ingress("legacy", "x", "12"))), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: "nope" })), "CacheSecurityGroupNotFound", 404);
    await expectAwsError(client.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: "default" })), "InvalidParameterValue", 400);
  });

  it("answers QuotaExceeded.CacheSecurityGroup past 50 groups in a region", async () => {
    const other = sdkClient(emulator, { region: "sa-east-1" });
    for (let i = 1; i < 50; i++) await other.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: `sg${i}`, Description: "x" }));
    await expectAwsError(other.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: "sg50", Description: "x" })), "QuotaExceeded.CacheSecurityGroup", 400);
    expect((await client.send(new DescribeCacheSecurityGroupsCommand({}))).CacheSecurityGroups).toHaveLength(2);
  });
});

describe("clusters naming cache security groups", () => {
  it("records them as CacheSecurityGroups; a group in use cannot be deleted until the cluster is gone", async () => {
    await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: "classic", Engine: "memcached", CacheNodeType: "cache.t3.micro", CacheSecurityGroupNames: ["Legacy"] }),
    );
    const cluster = await waitForCluster(client, "classic", "available");
    expect(cluster.CacheSecurityGroups).toEqual([{ CacheSecurityGroupName: "legacy", Status: "active" }]);
    expect(cluster.SecurityGroups).toEqual([]);
    await expectAwsError(client.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: "legacy" })), "InvalidCacheSecurityGroupState", 400, /classic/);
    // A group named on ModifyCacheCluster, in any case, is in use too.
    await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: "second", Description: "x" }));
    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "classic", CacheSecurityGroupNames: ["legacy", "Second"] }));
    await expectAwsError(client.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: "second" })), "InvalidCacheSecurityGroupState", 400);
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "classic", CacheSecurityGroupNames: ["nope"] })),
      "CacheSecurityGroupNotFound",
      404,
    );
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "classic" }));
    await waitForClusterGone(client, "classic");
    await client.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: "legacy" }));
    await client.send(new DeleteCacheSecurityGroupCommand({ CacheSecurityGroupName: "second" }));
    await expectAwsError(client.send(new DescribeCacheSecurityGroupsCommand({ CacheSecurityGroupName: "legacy" })), "CacheSecurityGroupNotFound", 404);
  });

  it("refuses cache security groups together with a subnet group or VPC security groups, as AWS does", async () => {
    const base = { Engine: "memcached", CacheNodeType: "cache.t3.micro", CacheSecurityGroupNames: ["default"] };
    await expectAwsError(
      client.send(new CreateCacheClusterCommand({ ...base, CacheClusterId: "mixed-1", SecurityGroupIds: ["sg-0123abcd"] })),
      "InvalidParameterCombination",
      400,
      /Use of cache security groups is not permitted along with cache subnet group and\/or security group Ids/,
    );
    await expectAwsError(
      client.send(new CreateCacheClusterCommand({ ...base, CacheClusterId: "mixed-2", CacheSubnetGroupName: "default" })),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(client.send(new CreateCacheClusterCommand({ ...base, CacheClusterId: "mixed-3", CacheSecurityGroupNames: ["missing"] })), "CacheSecurityGroupNotFound", 404);
    expect((await client.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
  });
});
