/**
 * Cache subnet groups through the JS SDK and the AWS CLI: create, describe, modify, delete,
 * the `default` group, AWS's errors and quotas, and clusters and replication groups placed
 * in a group (recorded, returned, and keeping the group from being deleted).
 */
import {
  CreateCacheClusterCommand,
  CreateCacheSubnetGroupCommand,
  CreateReplicationGroupCommand,
  DeleteCacheClusterCommand,
  DeleteCacheSubnetGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheSubnetGroupsCommand,
  ListTagsForResourceCommand,
  ModifyCacheSubnetGroupCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { runTool } from "../helpers/aws-tools.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForCluster, waitForClusterGone, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;

const SUBNET_A = "subnet-0a1b2c3d4e5f60718";
const SUBNET_B = "subnet-0aaa0aaa";

const create = (name: string, subnets: string[], extra: object = {}) =>
  client.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: name, CacheSubnetGroupDescription: `group ${name}`, SubnetIds: subnets, ...extra }));

async function names(c: ElastiCacheClient = client): Promise<string[]> {
  const out = await c.send(new DescribeCacheSubnetGroupsCommand({}));
  return out.CacheSubnetGroups!.map((g) => g.CacheSubnetGroupName!);
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

describe("create and describe", () => {
  it("creates a group (name lowercased) with its subnets, zones, a VPC and tags", async () => {
    const out = await create("App-Cache", [SUBNET_A, SUBNET_B, SUBNET_A], { Tags: [{ Key: "team", Value: "web" }] });
    const group = out.CacheSubnetGroup!;
    expect(group.CacheSubnetGroupName).toBe("app-cache");
    expect(group.CacheSubnetGroupDescription).toBe("group App-Cache");
    expect(group.VpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(group.ARN).toBe("arn:aws:elasticache:us-east-1:000000000000:subnetgroup:app-cache");
    expect(group.SupportedNetworkTypes).toEqual(["ipv4"]);
    expect(group.Subnets!.map((s) => s.SubnetIdentifier)).toEqual([SUBNET_A, SUBNET_B]);
    for (const subnet of group.Subnets!) {
      expect(subnet.SubnetAvailabilityZone!.Name).toMatch(/^us-east-1[abc]$/);
      expect(subnet.SubnetOutpost).toEqual({});
      expect(subnet.SupportedNetworkTypes).toEqual(["ipv4"]);
    }
    const described = await client.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "APP-CACHE" }));
    expect(described.CacheSubnetGroups).toEqual([group]);
    const tags = await client.send(new ListTagsForResourceCommand({ ResourceName: group.ARN }));
    expect(tags.TagList).toEqual([{ Key: "team", Value: "web" }]);
    expect(await names()).toEqual(["app-cache", "default"]);
  });

  it("the same subnets always get the same VPC and zones", async () => {
    const first = (await create("same-a", [SUBNET_B])).CacheSubnetGroup!;
    const second = (await create("same-b", [SUBNET_B])).CacheSubnetGroup!;
    expect(second.VpcId).toBe(first.VpcId);
    expect(second.Subnets).toEqual(first.Subnets);
    await client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "same-a" }));
    await client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "same-b" }));
  });

  it("refuses what AWS refuses", async () => {
    await expectAwsError(create("app-cache", [SUBNET_A]), "CacheSubnetGroupAlreadyExists", 400);
    await expectAwsError(create("default", [SUBNET_A]), "CacheSubnetGroupAlreadyExists", 400);
    // A subnet that does not exist (locally: one not written as EC2 writes ids) makes AWS quote the whole list.
    await expectAwsError(create("bad-subnet", [SUBNET_A, "subnet-xyz"]), "InvalidParameterValue", 400, new RegExp(`^Some input subnets in :\\[${SUBNET_A}, subnet-xyz\\] are invalid\\.$`));
    await expectAwsError(create("bad-subnet", ["vpc-12345678"]), "InvalidParameterValue", 400, /^Some input subnets in :\[vpc-12345678\] are invalid\.$/);
    await expectAwsError(create("bad_name!", [SUBNET_A]), "InvalidParameterValue", 400, /CacheSubnetGroupName/);
    await expectAwsError(create("too-many", Array.from({ length: 21 }, (_, i) => `subnet-${String(i).padStart(8, "0")}`)), "CacheSubnetQuotaExceededFault", 400);
    await expectAwsError(client.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "nope" })), "CacheSubnetGroupNotFoundFault", 400);
    await expectAwsError(client.send(new ModifyCacheSubnetGroupCommand({ CacheSubnetGroupName: "nope" })), "CacheSubnetGroupNotFoundFault", 400);
    await expectAwsError(client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "nope" })), "CacheSubnetGroupNotFoundFault", 400);
    await expectAwsError(
      client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "default" })),
      "InvalidParameterValue",
      400,
      /^default is reserved and cannot be modified\.$/,
    );
    expect(await names()).toEqual(["app-cache", "default"]);
  });

  it("groups are per region", async () => {
    const west = sdkClient(emulator, { region: "eu-west-1" });
    expect(await names(west)).toEqual(["default"]);
    const out = await west.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "default" }));
    expect(out.CacheSubnetGroups![0].Subnets!.map((s) => s.SubnetAvailabilityZone!.Name)).toEqual(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
  });

  it("answers CacheSubnetGroupQuotaExceeded past 150 groups in a region", async () => {
    const west = sdkClient(emulator, { region: "ap-south-1" });
    for (let i = 1; i < 150; i++) {
      await west.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: `g${i}`, CacheSubnetGroupDescription: "x", SubnetIds: [SUBNET_A] }));
    }
    await expectAwsError(
      west.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: "one-more", CacheSubnetGroupDescription: "x", SubnetIds: [SUBNET_A] })),
      "CacheSubnetGroupQuotaExceeded",
      400,
    );
    const page = await west.send(new DescribeCacheSubnetGroupsCommand({ MaxRecords: 100 }));
    expect(page.CacheSubnetGroups).toHaveLength(100);
    const rest = await west.send(new DescribeCacheSubnetGroupsCommand({ MaxRecords: 100, Marker: page.Marker }));
    expect(rest.CacheSubnetGroups).toHaveLength(50);
    expect(rest.Marker).toBeUndefined();
  });
});

describe("clusters in a subnet group", () => {
  it("records the group and SecurityGroupIds on the cluster, places nodes in the group's zones, and keeps the group from deletion", async () => {
    await create("placed", [SUBNET_A, SUBNET_B]);
    const zones = (await client.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "placed" }))).CacheSubnetGroups![0].Subnets!.map(
      (s) => s.SubnetAvailabilityZone!.Name,
    );
    await client.send(
      new CreateCacheClusterCommand({
        CacheClusterId: "in-group",
        Engine: "memcached",
        CacheNodeType: "cache.t3.micro",
        NumCacheNodes: 1,
        CacheSubnetGroupName: "Placed",
        SecurityGroupIds: ["sg-0123456789abcdef0", "sg-0fedcba9"],
      }),
    );
    const cluster = await waitForCluster(client, "in-group", "available");
    expect(cluster.CacheSubnetGroupName).toBe("placed");
    expect(cluster.SecurityGroups).toEqual([
      { SecurityGroupId: "sg-0123456789abcdef0", Status: "active" },
      { SecurityGroupId: "sg-0fedcba9", Status: "active" },
    ]);
    // Without a preferred zone, the node goes to the zone of the group's first subnet.
    const nodeZone = cluster.CacheNodes![0].CustomerAvailabilityZone!;
    expect(nodeZone).toBe(zones[0]);
    expect(zones[1]).not.toBe(zones[0]);

    await expectAwsError(client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "placed" })), "CacheSubnetGroupInUse", 400, /in-group/);
    // Removing the only subnet in the node's zone is refused; changing the description is not.
    await expectAwsError(
      client.send(new ModifyCacheSubnetGroupCommand({ CacheSubnetGroupName: "placed", SubnetIds: [SUBNET_B] })),
      "SubnetInUse",
      400,
      new RegExp(SUBNET_A),
    );
    const modified = await client.send(
      new ModifyCacheSubnetGroupCommand({ CacheSubnetGroupName: "placed", CacheSubnetGroupDescription: "new words", SubnetIds: [SUBNET_B, SUBNET_A, "subnet-0000aaaa"] }),
    );
    expect(modified.CacheSubnetGroup!.CacheSubnetGroupDescription).toBe("new words");
    expect(modified.CacheSubnetGroup!.Subnets).toHaveLength(3);
    expect((await client.send(new DescribeCacheClustersCommand({ CacheClusterId: "in-group" }))).CacheClusters![0].CacheClusterStatus).toBe("available");

    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "in-group" }));
    await waitForClusterGone(client, "in-group");
    await client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "placed" }));
    await expectAwsError(client.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "placed" })), "CacheSubnetGroupNotFoundFault", 400);
  });

  it("refuses a cluster or replication group in an unknown group, creating nothing", async () => {
    await expectAwsError(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: "lost", Engine: "redis", CacheNodeType: "cache.t3.micro", CacheSubnetGroupName: "nowhere" })),
      "CacheSubnetGroupNotFoundFault",
      400,
    );
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({ ReplicationGroupId: "lost-rg", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", CacheSubnetGroupName: "nowhere" }),
      ),
      "CacheSubnetGroupNotFoundFault",
      400,
    );
    expect((await client.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
  });

  it("a replication group's members are placed in its group, which it keeps from deletion", async () => {
    await create("rg-subnets", [SUBNET_A]);
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "rg-in-group",
        ReplicationGroupDescription: "x",
        CacheNodeType: "cache.t3.micro",
        Engine: "redis",
        CacheSubnetGroupName: "rg-subnets",
        SecurityGroupIds: ["sg-0bbb0bbb"],
      }),
    );
    await waitForReplicationGroup(client, "rg-in-group", (g) => g.Status === "available");
    const member = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: "rg-in-group-001" }))).CacheClusters![0];
    expect(member.CacheSubnetGroupName).toBe("rg-subnets");
    expect(member.SecurityGroups).toEqual([{ SecurityGroupId: "sg-0bbb0bbb", Status: "active" }]);
    await expectAwsError(client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "rg-subnets" })), "CacheSubnetGroupInUse", 400);
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "rg-in-group" }));
    await waitForClusterGone(client, "rg-in-group-001");
  });
});

describe("with the AWS CLI", () => {
  it("create-cache-subnet-group and describe-cache-subnet-groups", async () => {
    const aws = (args: string[]) => runTool("aws", ["--endpoint-url", emulator.url, "--region", "us-east-1", "elasticache", ...args]);
    const created = await aws(["create-cache-subnet-group", "--cache-subnet-group-name", "from-cli", "--cache-subnet-group-description", "cli", "--subnet-ids", SUBNET_A, SUBNET_B]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout).CacheSubnetGroup.Subnets).toHaveLength(2);
    const missing = await aws(["describe-cache-subnet-groups", "--cache-subnet-group-name", "not-there"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("An error occurred (CacheSubnetGroupNotFoundFault)");
    const deleted = await aws(["delete-cache-subnet-group", "--cache-subnet-group-name", "from-cli"]);
    expect(deleted.code, deleted.stderr).toBe(0);
  });
});
