/**
 * The Terraform AWS provider's `aws_elasticache_subnet_group`, replayed through the SDK
 * (`subnet_group.go`):
 * - Create: CreateCacheSubnetGroup(name, description, subnet ids, tags); the id is the name
 *   lowercased ("ElastiCache normalizes subnet names to lowercase"); then the read.
 * - Read: DescribeCacheSubnetGroups(name) through its paginator
 *   (CacheSubnetGroupNotFoundFault = gone): ARN, name, description, `Subnets[].SubnetIdentifier`,
 *   VpcId; then ListTagsForResource(arn).
 * - Update: one ModifyCacheSubnetGroup with the name, the description and every subnet id;
 *   tags removed, then added; then the read.
 * - Delete: DeleteCacheSubnetGroup (retried only on DependencyViolation);
 *   CacheSubnetGroupNotFoundFault counts as deleted.
 * Errors in AWS's words: subnets that do not exist, InvalidParameterValue "Some input subnets
 * in :[a, b] are invalid." (locally, a subnet exists when its id is written as EC2 writes
 * them); the `default` group, "default is reserved and cannot be modified.".
 */
import {
  AddTagsToResourceCommand,
  CreateCacheSubnetGroupCommand,
  DeleteCacheSubnetGroupCommand,
  DescribeCacheSubnetGroupsCommand,
  ListTagsForResourceCommand,
  ModifyCacheSubnetGroupCommand,
  RemoveTagsFromResourceCommand,
  paginateDescribeCacheSubnetGroups,
  type CacheSubnetGroup,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { orNotFound, type Observed } from "../helpers/terraform.js";

const SUBNET_A = "subnet-0a1b2c3d4e5f60718";
const SUBNET_B = "subnet-0bbb0bbb";
const SUBNET_C = "subnet-0c0c0c0c0c0c0c0c0";

let emulator: Emulator;
let client: ElastiCacheClient;

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

/** FindCacheSubnetGroupByName: the paginated describe, CacheSubnetGroupNotFoundFault as NotFound. */
async function findGroup(name: string): Promise<Observed<CacheSubnetGroup>> {
  return orNotFound(async () => {
    const groups: CacheSubnetGroup[] = [];
    for await (const page of paginateDescribeCacheSubnetGroups({ client }, { CacheSubnetGroupName: name })) groups.push(...(page.CacheSubnetGroups ?? []));
    expect(groups).toHaveLength(1);
    return { status: "found", value: groups[0] };
  }, ["CacheSubnetGroupNotFoundFault"]);
}

/** The provider's read: the attributes it sets, and the tags. */
async function read(id: string) {
  const found = await findGroup(id);
  if (found.status === "NotFound") return undefined;
  const g = found.value;
  const tags = (await client.send(new ListTagsForResourceCommand({ ResourceName: g.ARN! }))).TagList ?? [];
  return {
    arn: g.ARN!,
    name: g.CacheSubnetGroupName!,
    description: g.CacheSubnetGroupDescription!,
    subnetIds: g.Subnets!.map((s) => s.SubnetIdentifier!).sort(),
    vpcId: g.VpcId!,
    tags: Object.fromEntries(tags.map((t) => [t.Key!, t.Value!])),
  };
}

describe("aws_elasticache_subnet_group: create -> read -> update -> delete", () => {
  it("replays the provider's calls", async () => {
    const name = "TF-Subnets";
    await client.send(
      new CreateCacheSubnetGroupCommand({
        CacheSubnetGroupName: name,
        CacheSubnetGroupDescription: "Managed by Terraform",
        SubnetIds: [SUBNET_A, SUBNET_B],
        Tags: [
          { Key: "env", Value: "dev" },
          { Key: "team", Value: "cache" },
        ],
      }),
    );
    const id = name.toLowerCase();
    const created = (await read(id))!;
    expect(created).toEqual({
      arn: "arn:aws:elasticache:us-east-1:000000000000:subnetgroup:tf-subnets",
      name: "tf-subnets",
      description: "Managed by Terraform",
      subnetIds: [SUBNET_A, SUBNET_B].sort(),
      vpcId: expect.stringMatching(/^vpc-[0-9a-f]{17}$/),
      tags: { env: "dev", team: "cache" },
    });

    // Update: description and subnets in one call (every subnet id sent), then the tags.
    await client.send(
      new ModifyCacheSubnetGroupCommand({ CacheSubnetGroupName: name, CacheSubnetGroupDescription: "cache subnets", SubnetIds: [SUBNET_B, SUBNET_C] }),
    );
    await client.send(new RemoveTagsFromResourceCommand({ ResourceName: created.arn, TagKeys: ["team"] }));
    await client.send(new AddTagsToResourceCommand({ ResourceName: created.arn, Tags: [{ Key: "env", Value: "prod" }] }));
    const updated = (await read(id))!;
    expect(updated).toEqual({ ...created, description: "cache subnets", subnetIds: [SUBNET_B, SUBNET_C].sort(), tags: { env: "prod" } });
    // The VPC stays with the group.
    expect(updated.vpcId).toBe(created.vpcId);

    await client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: id }));
    expect(await read(id)).toBeUndefined();
    // A second delete is NotFound, which the provider takes as deleted.
    await expectAwsError(client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: id })), "CacheSubnetGroupNotFoundFault", 400);
  });
});

describe("AWS's errors for subnet groups", () => {
  it("subnets that do not exist: InvalidParameterValue quoting every input subnet; nothing is created or changed", async () => {
    const refused = /^Some input subnets in :\[subnet-0123456789abcdef0, subnet-abcdef0123456789\] are invalid\.$/;
    await expectAwsError(
      client.send(
        new CreateCacheSubnetGroupCommand({
          CacheSubnetGroupName: "tf-bad",
          CacheSubnetGroupDescription: "d",
          SubnetIds: ["subnet-0123456789abcdef0", "subnet-abcdef0123456789"],
        }),
      ),
      "InvalidParameterValue",
      400,
      refused,
    );
    expect((await findGroup("tf-bad")).status).toBe("NotFound");

    await client.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: "tf-kept", CacheSubnetGroupDescription: "d", SubnetIds: [SUBNET_A] }));
    await expectAwsError(
      client.send(new ModifyCacheSubnetGroupCommand({ CacheSubnetGroupName: "tf-kept", SubnetIds: ["subnet-0123456789abcdef0", "subnet-abcdef0123456789"] })),
      "InvalidParameterValue",
      400,
      refused,
    );
    expect((await read("tf-kept"))!.subnetIds).toEqual([SUBNET_A]);
  });

  it("the default group is reserved", async () => {
    await expectAwsError(
      client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "default" })),
      "InvalidParameterValue",
      400,
      /^default is reserved and cannot be modified\.$/,
    );
    expect((await findGroup("default")).status).toBe("found");
  });

  it("a missing group is not found by the read (the provider drops it from state)", async () => {
    await expectAwsError(
      client.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "tf-missing" })),
      "CacheSubnetGroupNotFoundFault",
      400,
      /^Cache subnet group tf-missing not found\.$/,
    );
  });
});
