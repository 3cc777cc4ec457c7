/**
 * Cache parameter groups through the JS SDK: the catalogue of every family the emulator
 * offers, custom groups from create to delete, describe with Source filter and paging,
 * and every error AWS answers with.
 */
import {
  AddTagsToResourceCommand,
  CreateCacheParameterGroupCommand,
  DeleteCacheParameterGroupCommand,
  DescribeCacheEngineVersionsCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeCacheParametersCommand,
  DescribeEngineDefaultParametersCommand,
  ListTagsForResourceCommand,
  ModifyCacheParameterGroupCommand,
  ResetCacheParameterGroupCommand,
  paginateDescribeCacheParameters,
  paginateDescribeEngineDefaultParameters,
  type ElastiCacheClient,
  type Parameter,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";

let emulator: Emulator;
let client: ElastiCacheClient;

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

async function allParameters(name: string, source?: string): Promise<Parameter[]> {
  const all: Parameter[] = [];
  for await (const page of paginateDescribeCacheParameters({ client, pageSize: 20 }, { CacheParameterGroupName: name, Source: source })) {
    all.push(...(page.Parameters ?? []));
  }
  return all;
}

describe("engine default parameters", () => {
  it("has a catalogue for every family DescribeCacheEngineVersions offers", async () => {
    const versions = await client.send(new DescribeCacheEngineVersionsCommand({}));
    const families = [...new Set(versions.CacheEngineVersions!.map((v) => v.CacheParameterGroupFamily!))];
    expect(families).toEqual(expect.arrayContaining(["memcached1.6", "redis6.x", "redis7", "valkey7", "valkey8"]));
    for (const family of families) {
      const out = await client.send(new DescribeEngineDefaultParametersCommand({ CacheParameterGroupFamily: family }));
      expect(out.EngineDefaults?.CacheParameterGroupFamily).toBe(family);
      expect(out.EngineDefaults?.Parameters?.length, family).toBeGreaterThan(10);
    }
  });

  it("describes redis7's parameters as AWS does", async () => {
    const params: Parameter[] = [];
    for await (const page of paginateDescribeEngineDefaultParameters({ client, pageSize: 20 }, { CacheParameterGroupFamily: "redis7" })) {
      params.push(...(page.EngineDefaults?.Parameters ?? []));
    }
    const byName = new Map(params.map((p) => [p.ParameterName, p]));
    expect(byName.size).toBe(params.length);
    expect(byName.get("maxmemory-policy")).toEqual({
      ParameterName: "maxmemory-policy",
      ParameterValue: "volatile-lru",
      Description: "Max memory policy.",
      Source: "system",
      DataType: "string",
      AllowedValues: "volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,volatile-random,allkeys-random,volatile-ttl,noeviction",
      IsModifiable: true,
      MinimumEngineVersion: "7.0.0",
      ChangeType: "immediate",
    });
    expect(byName.get("databases")).toMatchObject({ ParameterValue: "16", ChangeType: "requires-reboot", DataType: "integer" });
    expect(byName.get("maxclients")).toMatchObject({ IsModifiable: false });
    // redis7 renamed the small-encoding parameters to listpack.
    expect(byName.has("hash-max-listpack-entries")).toBe(true);
    expect(byName.has("hash-max-ziplist-entries")).toBe(false);
    expect(byName.get("acl-pubsub-default")?.MinimumEngineVersion).toBe("7.0.0");
  });

  it("keeps each family's own names, defaults and node-type specific values", async () => {
    const redis5 = await client.send(new DescribeEngineDefaultParametersCommand({ CacheParameterGroupFamily: "redis5.0", MaxRecords: 100 }));
    const names5 = redis5.EngineDefaults!.Parameters!.map((p) => p.ParameterName);
    expect(names5).toEqual(expect.arrayContaining(["min-replicas-to-write", "lua-replicate-commands", "rename-commands"]));
    expect(names5).not.toContain("min-slaves-to-write");
    expect(redis5.EngineDefaults!.Parameters!.find((p) => p.ParameterName === "rename-commands")?.MinimumEngineVersion).toBe("5.0.3");
    const maxmemory = redis5.EngineDefaults!.CacheNodeTypeSpecificParameters!.find((p) => p.ParameterName === "maxmemory");
    expect(maxmemory?.CacheNodeTypeSpecificValues).toContainEqual({ CacheNodeType: "cache.r6g.large", Value: "14037181030" });

    const cycleMin = async (family: string) =>
      (await client.send(new DescribeEngineDefaultParametersCommand({ CacheParameterGroupFamily: family, MaxRecords: 100 })))
        .EngineDefaults!.Parameters!.find((p) => p.ParameterName === "active-defrag-cycle-min")?.ParameterValue;
    expect(await cycleMin("redis4.0")).toBe("25");
    expect(await cycleMin("redis7")).toBe("5");

    const valkey8 = await client.send(new DescribeEngineDefaultParametersCommand({ CacheParameterGroupFamily: "valkey8", MaxRecords: 100 }));
    const v8 = new Map(valkey8.EngineDefaults!.Parameters!.map((p) => [p.ParameterName, p]));
    expect(v8.get("repl-backlog-size")?.ParameterValue).toBe("10485760");
    expect(v8.has("extended-redis-compatibility")).toBe(true);
    expect(v8.has("lazyfree-lazy-eviction")).toBe(false);

    const memcached = await client.send(new DescribeEngineDefaultParametersCommand({ CacheParameterGroupFamily: "memcached1.6", MaxRecords: 100 }));
    const mc = new Map(memcached.EngineDefaults!.Parameters!.map((p) => [p.ParameterName, p]));
    expect(mc.get("max_item_size")).toMatchObject({ ParameterValue: "1048576", ChangeType: "requires-reboot", IsModifiable: true });
    const threads = memcached.EngineDefaults!.CacheNodeTypeSpecificParameters!.find((p) => p.ParameterName === "num_threads");
    expect(threads?.CacheNodeTypeSpecificValues).toContainEqual({ CacheNodeType: "cache.m5.large", Value: "2" });
  });

  it("refuses an unknown family", async () => {
    await expectAwsError(client.send(new DescribeEngineDefaultParametersCommand({ CacheParameterGroupFamily: "redis9.9" })), "InvalidParameterValue", 400);
  });
});

describe("a custom parameter group", () => {
  it("is created from its family's defaults, listed, and shows the caller's values as Source user", async () => {
    const created = await client.send(
      new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "App-Params", CacheParameterGroupFamily: "redis7", Description: "app" }),
    );
    expect(created.CacheParameterGroup).toEqual({
      CacheParameterGroupName: "app-params",
      CacheParameterGroupFamily: "redis7",
      Description: "app",
      IsGlobal: false,
      ARN: "arn:aws:elasticache:us-east-1:000000000000:parametergroup:app-params",
    });
    const listed = await client.send(new DescribeCacheParameterGroupsCommand({}));
    expect(listed.CacheParameterGroups!.map((g) => g.CacheParameterGroupName)).toContain("app-params");
    expect(await allParameters("app-params", "user")).toEqual([]);

    const modified = await client.send(
      new ModifyCacheParameterGroupCommand({
        CacheParameterGroupName: "app-params",
        ParameterNameValues: [
          { ParameterName: "maxmemory-policy", ParameterValue: "allkeys-lru" },
          { ParameterName: "timeout", ParameterValue: "300" },
        ],
      }),
    );
    expect(modified.CacheParameterGroupName).toBe("app-params");
    const user = await allParameters("app-params", "user");
    expect(user.map((p) => [p.ParameterName, p.ParameterValue, p.Source])).toEqual([
      ["maxmemory-policy", "allkeys-lru", "user"],
      ["timeout", "300", "user"],
    ]);
    const system = await allParameters("app-params", "system");
    const all = await allParameters("app-params");
    expect(system.length + user.length).toBe(all.length);
    expect(all.length).toBeGreaterThan(40); // more than two pages of 20

    await client.send(
      new ResetCacheParameterGroupCommand({ CacheParameterGroupName: "app-params", ParameterNameValues: [{ ParameterName: "timeout" }] }),
    );
    expect((await allParameters("app-params", "user")).map((p) => p.ParameterName)).toEqual(["maxmemory-policy"]);
    await client.send(new ResetCacheParameterGroupCommand({ CacheParameterGroupName: "app-params", ResetAllParameters: true }));
    expect(await allParameters("app-params", "user")).toEqual([]);
    const policy = (await allParameters("app-params")).find((p) => p.ParameterName === "maxmemory-policy");
    expect(policy).toMatchObject({ ParameterValue: "volatile-lru", Source: "system" });

    await client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: "app-params" }));
    await expectAwsError(client.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: "app-params" })), "CacheParameterGroupNotFound", 404);
  });

  it("carries tags that the tag actions read and change", async () => {
    const arn = (
      await client.send(
        new CreateCacheParameterGroupCommand({
          CacheParameterGroupName: "tagged",
          CacheParameterGroupFamily: "memcached1.6",
          Description: "t",
          Tags: [{ Key: "team", Value: "a" }],
        }),
      )
    ).CacheParameterGroup!.ARN!;
    await client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "env", Value: "dev" }] }));
    const tags = await client.send(new ListTagsForResourceCommand({ ResourceName: arn }));
    expect(tags.TagList).toEqual([{ Key: "team", Value: "a" }, { Key: "env", Value: "dev" }]);
    await client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: "tagged" }));
    await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: arn })), "CacheParameterGroupNotFound", 404);
  });
});

describe("errors", () => {
  beforeAll(async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "errs", CacheParameterGroupFamily: "redis7", Description: "e" }));
  });
  const modify = (ParameterName: string, ParameterValue?: string) =>
    client.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: "errs", ParameterNameValues: [{ ParameterName, ParameterValue }] }));

  it("CacheParameterGroupAlreadyExists, whatever the case of the name", async () => {
    await expectAwsError(
      client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "ERRS", CacheParameterGroupFamily: "redis7", Description: "e" })),
      "CacheParameterGroupAlreadyExists",
      400,
    );
    await expectAwsError(
      client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "default.redis7", CacheParameterGroupFamily: "redis7", Description: "e" })),
      "InvalidParameterValue",
      400,
    );
  });

  it("CacheParameterGroupNotFound (404) on every action", async () => {
    await expectAwsError(client.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: "nope" })), "CacheParameterGroupNotFound", 404);
    await expectAwsError(client.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: "nope" })), "CacheParameterGroupNotFound", 404);
    await expectAwsError(
      client.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: "nope", ParameterNameValues: [{ ParameterName: "timeout", ParameterValue: "0" }] })),
      "CacheParameterGroupNotFound",
      404,
    );
    await expectAwsError(client.send(new ResetCacheParameterGroupCommand({ CacheParameterGroupName: "nope", ResetAllParameters: true })), "CacheParameterGroupNotFound", 404);
    await expectAwsError(client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: "nope" })), "CacheParameterGroupNotFound", 404);
  });

  it("InvalidCacheParameterGroupState for AWS's default groups", async () => {
    await expectAwsError(
      client.send(
        new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: "default.redis7", ParameterNameValues: [{ ParameterName: "timeout", ParameterValue: "300" }] }),
      ),
      "InvalidCacheParameterGroupState",
      400,
    );
    await expectAwsError(client.send(new ResetCacheParameterGroupCommand({ CacheParameterGroupName: "default.redis7", ResetAllParameters: true })), "InvalidCacheParameterGroupState", 400);
    await expectAwsError(client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: "default.memcached1.6" })), "InvalidCacheParameterGroupState", 400);
  });

  it("InvalidParameterValue for values outside AllowedValues, unknown or unmodifiable parameters; nothing changes", async () => {
    await expectAwsError(modify("maxmemory-policy", "evict-everything"), "InvalidParameterValue", 400);
    await expectAwsError(modify("timeout", "5"), "InvalidParameterValue", 400); // 0 or 20 and more
    await expectAwsError(modify("active-defrag-cycle-max", "76"), "InvalidParameterValue", 400);
    await expectAwsError(modify("tcp-keepalive", "soon"), "InvalidParameterValue", 400);
    await expectAwsError(modify("notify-keyspace-events", "KEQ"), "InvalidParameterValue", 400);
    await expectAwsError(modify("no-such-parameter", "1"), "InvalidParameterValue", 400);
    await expectAwsError(modify("maxclients", "100"), "InvalidParameterValue", 400);
    await expectAwsError(modify("timeout"), "InvalidParameterValue", 400);
    // One bad value refuses the whole request.
    await expectAwsError(
      client.send(
        new ModifyCacheParameterGroupCommand({
          CacheParameterGroupName: "errs",
          ParameterNameValues: [
            { ParameterName: "timeout", ParameterValue: "300" },
            { ParameterName: "maxmemory-policy", ParameterValue: "bogus" },
          ],
        }),
      ),
      "InvalidParameterValue",
      400,
    );
    expect(await allParameters("errs", "user")).toEqual([]);
    await expectAwsError(
      client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "fam", CacheParameterGroupFamily: "redis9", Description: "e" })),
      "InvalidParameterValue",
      400,
    );
    await expectAwsError(client.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: "errs", Source: "mine" })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: "errs", MaxRecords: 5 })), "InvalidParameterValue", 400);
  });

  it("InvalidParameterCombination for contradictory requests", async () => {
    await expectAwsError(
      client.send(
        new ResetCacheParameterGroupCommand({ CacheParameterGroupName: "errs", ResetAllParameters: true, ParameterNameValues: [{ ParameterName: "timeout" }] }),
      ),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(
      client.send(
        new ModifyCacheParameterGroupCommand({
          CacheParameterGroupName: "errs",
          ParameterNameValues: [
            { ParameterName: "timeout", ParameterValue: "300" },
            { ParameterName: "timeout", ParameterValue: "400" },
          ],
        }),
      ),
      "InvalidParameterCombination",
      400,
    );
  });

  it("CacheParameterGroupQuotaExceeded past 150 groups", async () => {
    // "errs" is the one custom group left in the region; AWS's default groups do not count.
    for (let i = 1; i < 150; i++) {
      await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: `q-${i}`, CacheParameterGroupFamily: "redis7", Description: "q" }));
    }
    await expectAwsError(
      client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "one-too-many", CacheParameterGroupFamily: "redis7", Description: "q" })),
      "CacheParameterGroupQuotaExceeded",
      400,
    );
  });
});
