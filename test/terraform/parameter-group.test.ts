/**
 * The Terraform AWS provider's `aws_elasticache_parameter_group`, replayed through the SDK
 * (`parameter_group.go`):
 * - Create: CreateCacheParameterGroup(name, family, description, tags); the id is the name
 *   the answer gives (lowercase); then the update below, then the read.
 * - Read: DescribeCacheParameterGroups(name) (CacheParameterGroupNotFound = gone), then one
 *   DescribeCacheParameters(name, Source=user) page, then ListTagsForResource(arn).
 * - Update: parameters removed from the configuration go back with
 *   ResetCacheParameterGroup(ParameterNameValues), then new or changed ones are set with
 *   ModifyCacheParameterGroup, both in chunks of 20, because AWS refuses more than 20
 *   parameters in one request (InvalidParameterCombination "Cannot modify more than 20
 *   parameters in a single request", as it answered the provider before it chunked them).
 * - Delete: DeleteCacheParameterGroup, retried for 3 minutes on
 *   InvalidCacheParameterGroupState (a cluster still uses it); CacheParameterGroupNotFound
 *   counts as deleted.
 * A group a request acts on or names is "CacheParameterGroup not found: X" when missing;
 * Describe words it "CacheParameterGroup X not found.".
 */
import {
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  CreateReplicationGroupCommand,
  DeleteCacheClusterCommand,
  DeleteCacheParameterGroupCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeCacheParametersCommand,
  DescribeEngineDefaultParametersCommand,
  ListTagsForResourceCommand,
  ModifyCacheClusterCommand,
  ModifyCacheParameterGroupCommand,
  ResetCacheParameterGroupCommand,
  paginateDescribeCacheParameterGroups,
  type CacheParameterGroup,
  type ElastiCacheClient,
  type ParameterNameValue,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { orNotFound, type Observed } from "../helpers/terraform.js";
import { waitFor, waitForCluster } from "../helpers/wait.js";

const MAX_PARAMS = 20;

let emulator: Emulator;
let client: ElastiCacheClient;

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

/** findCacheParameterGroupByName: the paginated describe, CacheParameterGroupNotFound as NotFound. */
async function findGroup(name: string): Promise<Observed<CacheParameterGroup>> {
  return orNotFound(async () => {
    const groups: CacheParameterGroup[] = [];
    for await (const page of paginateDescribeCacheParameterGroups({ client }, { CacheParameterGroupName: name })) groups.push(...(page.CacheParameterGroups ?? []));
    expect(groups).toHaveLength(1);
    return { status: "found", value: groups[0] };
  }, ["CacheParameterGroupNotFound"]);
}

/** The provider's read: the group, its user parameters (one page), its tags. */
async function read(name: string) {
  const found = await findGroup(name);
  if (found.status === "NotFound") return undefined;
  const group = found.value;
  const params = await client.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: name, Source: "user" }));
  const parameters = Object.fromEntries((params.Parameters ?? []).filter((p) => p.ParameterValue !== undefined).map((p) => [p.ParameterName!.toLowerCase(), p.ParameterValue!]));
  const tags = (await client.send(new ListTagsForResourceCommand({ ResourceName: group.ARN! }))).TagList ?? [];
  return { group, parameters, tags: Object.fromEntries(tags.map((t) => [t.Key!, t.Value!])) };
}

const chunks = <T>(items: T[]): T[][] => Array.from({ length: Math.ceil(items.length / MAX_PARAMS) }, (_, i) => items.slice(i * MAX_PARAMS, (i + 1) * MAX_PARAMS));
const asList = (m: Record<string, string>): ParameterNameValue[] => Object.entries(m).map(([ParameterName, ParameterValue]) => ({ ParameterName, ParameterValue }));

/** resourceParameterGroupUpdate: resets for the removed, then modifies for the new or changed, 20 at a time. */
async function update(name: string, before: Record<string, string>, after: Record<string, string>): Promise<void> {
  const toRemove = asList(Object.fromEntries(Object.entries(before).filter(([k]) => !(k in after))));
  const toAdd = asList(Object.fromEntries(Object.entries(after).filter(([k, v]) => before[k] !== v)));
  for (const chunk of chunks(toRemove)) await client.send(new ResetCacheParameterGroupCommand({ CacheParameterGroupName: name, ParameterNameValues: chunk }));
  for (const chunk of chunks(toAdd)) await client.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: name, ParameterNameValues: chunk }));
}

/** deleteParameterGroup: retried while InvalidCacheParameterGroupState; NotFound is success. */
async function destroy(name: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        await client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: name }));
        return true;
      } catch (e) {
        const code = (e as { Code?: string }).Code;
        if (code === "CacheParameterGroupNotFound") return true;
        if (code === "InvalidCacheParameterGroupState") return false;
        throw e;
      }
    },
    (done) => done,
    { timeoutMs: 60_000, intervalMs: 50, what: `parameter group ${name} deleted` },
  );
}

/** 25 modifiable redis7 parameters with values AWS allows: two set apart from their defaults, the rest at them. */
async function configuredParameters(): Promise<Record<string, string>> {
  const defaults = await client.send(new DescribeEngineDefaultParametersCommand({ CacheParameterGroupFamily: "redis7", MaxRecords: 100 }));
  const chosen: Record<string, string> = { "maxmemory-policy": "allkeys-lru", timeout: "300" };
  for (const p of defaults.EngineDefaults!.Parameters!) {
    if (Object.keys(chosen).length === 25) break;
    if (!p.IsModifiable || !p.ParameterValue || p.ParameterName! in chosen || p.ParameterName === "cluster-enabled") continue;
    chosen[p.ParameterName!] = p.ParameterValue;
  }
  expect(Object.keys(chosen)).toHaveLength(25);
  return chosen;
}

describe("aws_elasticache_parameter_group: create -> read -> update -> delete", () => {
  it("replays the provider's calls with 25 parameters and tags", async () => {
    const configured = await configuredParameters();

    // Create: name as configured (mixed case); the id is the name AWS answers with.
    const created = await client.send(
      new CreateCacheParameterGroupCommand({
        CacheParameterGroupName: "TF-Params",
        CacheParameterGroupFamily: "redis7",
        Description: "Managed by Terraform",
        Tags: [{ Key: "env", Value: "dev" }],
      }),
    );
    const id = created.CacheParameterGroup!.CacheParameterGroupName!;
    expect(id).toBe("tf-params");
    expect(created.CacheParameterGroup!.ARN).toBe("arn:aws:elasticache:us-east-1:000000000000:parametergroup:tf-params");

    // One request with all 25 is refused whole, with AWS's words; nothing is set.
    await expectAwsError(
      client.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: id, ParameterNameValues: asList(configured) })),
      "InvalidParameterCombination",
      400,
      /^Cannot modify more than 20 parameters in a single request$/,
    );
    expect((await read(id))!.parameters).toEqual({});

    // The provider's update after create: 20, then 5.
    await update(id, {}, configured);
    const afterCreate = (await read(id))!;
    expect(afterCreate.group).toMatchObject({
      CacheParameterGroupName: "tf-params",
      CacheParameterGroupFamily: "redis7",
      Description: "Managed by Terraform",
      ARN: created.CacheParameterGroup!.ARN,
      IsGlobal: false,
    });
    expect(afterCreate.parameters).toEqual(configured);
    expect(afterCreate.tags).toEqual({ env: "dev" });

    // Update: three parameters leave the configuration, two change value.
    const [gone1, gone2, gone3] = Object.keys(configured).slice(5, 8);
    const next: Record<string, string> = { ...configured, "maxmemory-policy": "volatile-ttl", timeout: "600" };
    for (const k of [gone1, gone2, gone3]) delete next[k];
    await update(id, configured, next);
    expect((await read(id))!.parameters).toEqual(next);

    // More than 20 in one reset is refused too.
    await expectAwsError(
      client.send(new ResetCacheParameterGroupCommand({ CacheParameterGroupName: id, ParameterNameValues: asList(next).slice(0, 21) })),
      "InvalidParameterCombination",
      400,
      /^Cannot modify more than 20 parameters in a single request$/,
    );

    // Delete, then the read finds nothing; a second delete is NotFound (success for the provider).
    await destroy(id);
    expect(await read(id)).toBeUndefined();
    await expectAwsError(client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: id })), "CacheParameterGroupNotFound", 404);
  });

  it("delete waits, retrying, while a cluster uses the group", async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "tf-in-use", CacheParameterGroupFamily: "redis7", Description: "Managed by Terraform" }));
    await update("tf-in-use", {}, { "maxmemory-policy": "allkeys-lfu" });
    await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: "tf-pg-user", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1, CacheParameterGroupName: "tf-in-use" }),
    );
    const cluster = await waitForCluster(client, "tf-pg-user", "available");
    expect(cluster.CacheParameterGroup?.CacheParameterGroupName).toBe("tf-in-use");
    // The attempt the provider retries on.
    await expectAwsError(client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: "tf-in-use" })), "InvalidCacheParameterGroupState", 400);
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "tf-pg-user" }));
    await destroy("tf-in-use");
    expect(await read("tf-in-use")).toBeUndefined();
  });
});

describe("a missing parameter group, in AWS's words", () => {
  it("Describe: 'CacheParameterGroup X not found.'", async () => {
    for (const call of [
      client.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: "tf-nope" })),
      client.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: "tf-nope" })),
    ]) {
      await expectAwsError(call, "CacheParameterGroupNotFound", 404, /^CacheParameterGroup tf-nope not found\.$/);
    }
  });

  it("Modify, Reset, Delete, and a cluster or replication group naming it: 'CacheParameterGroup not found: X'", async () => {
    const notFound = /^CacheParameterGroup not found: tf-nope$/;
    await expectAwsError(
      client.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: "tf-nope", ParameterNameValues: [{ ParameterName: "timeout", ParameterValue: "0" }] })),
      "CacheParameterGroupNotFound",
      404,
      notFound,
    );
    await expectAwsError(
      client.send(new ResetCacheParameterGroupCommand({ CacheParameterGroupName: "tf-nope", ResetAllParameters: true })),
      "CacheParameterGroupNotFound",
      404,
      notFound,
    );
    await expectAwsError(client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: "tf-nope" })), "CacheParameterGroupNotFound", 404, notFound);
    await expectAwsError(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: "tf-pg-missing", Engine: "redis", CacheNodeType: "cache.t3.micro", CacheParameterGroupName: "tf-nope" })),
      "CacheParameterGroupNotFound",
      404,
      notFound,
    );
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: "tf-pg-missing",
          ReplicationGroupDescription: "d",
          CacheNodeType: "cache.t3.micro",
          CacheParameterGroupName: "tf-nope",
        }),
      ),
      "CacheParameterGroupNotFound",
      404,
      notFound,
    );
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: "tf-pg-switch", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
    await waitForCluster(client, "tf-pg-switch", "available");
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "tf-pg-switch", CacheParameterGroupName: "tf-nope", ApplyImmediately: true })),
      "CacheParameterGroupNotFound",
      404,
      notFound,
    );
  });
});
