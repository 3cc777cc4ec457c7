/**
 * The reads tools make right after a create (engine versions, parameter and subnet
 * groups, events, tags), per account and region.
 */
import {
  AddTagsToResourceCommand,
  CreateCacheClusterCommand,
  DescribeCacheClustersCommand,
  DescribeCacheEngineVersionsCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeEventsCommand,
  ListTagsForResourceCommand,
  RemoveTagsFromResourceCommand,
  paginateDescribeCacheClusters,
  paginateDescribeCacheEngineVersions,
  paginateDescribeEvents,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForCluster } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const arn = "arn:aws:elasticache:us-east-1:000000000000:cluster:tagged";

beforeAll(async () => {
  emulator = await startEmulator({ engineMode: "embedded" });
  client = sdkClient(emulator);
  await client.send(
    new CreateCacheClusterCommand({ CacheClusterId: "tagged", Engine: "redis", CacheNodeType: "cache.t3.micro", Tags: [{ Key: "team", Value: "core" }] }),
  );
  await waitForCluster(client, "tagged", "available");
});
afterAll(async () => {
  await emulator?.stop();
});

describe("DescribeCacheEngineVersions", () => {
  it("lists the versions AWS offers with their parameter group families", async () => {
    const out = await client.send(new DescribeCacheEngineVersionsCommand({ Engine: "redis" }));
    const versions = out.CacheEngineVersions!.map((v) => `${v.EngineVersion}:${v.CacheParameterGroupFamily}`);
    expect(versions).toEqual(expect.arrayContaining(["6.2:redis6.x", "7.0:redis7", "7.1:redis7"]));
    const valkey = await client.send(new DescribeCacheEngineVersionsCommand({ Engine: "valkey", EngineVersion: "7.2" }));
    expect(valkey.CacheEngineVersions).toEqual([
      expect.objectContaining({ Engine: "valkey", EngineVersion: "7.2", CacheParameterGroupFamily: "valkey7" }),
    ]);
    const defaults = await client.send(new DescribeCacheEngineVersionsCommand({ DefaultOnly: true }));
    expect(defaults.CacheEngineVersions!.map((v) => v.Engine).sort()).toEqual(["memcached", "redis", "valkey"]);
    const family = await client.send(new DescribeCacheEngineVersionsCommand({ CacheParameterGroupFamily: "memcached1.6" }));
    expect(family.CacheEngineVersions!.every((v) => v.Engine === "memcached")).toBe(true);
  });

  it("pages with Marker and MaxRecords without repeating or losing a version", async () => {
    const first = await client.send(new DescribeCacheEngineVersionsCommand({ MaxRecords: 20 }));
    expect(first.CacheEngineVersions).toHaveLength(20);
    expect(first.Marker).toBeTruthy();
    const all: string[] = [];
    for await (const page of paginateDescribeCacheEngineVersions({ client, pageSize: 20 }, {})) {
      all.push(...page.CacheEngineVersions!.map((v) => `${v.Engine} ${v.EngineVersion}`));
    }
    expect(new Set(all).size).toBe(all.length);
    const unpaged = await client.send(new DescribeCacheEngineVersionsCommand({}));
    expect(all).toEqual(unpaged.CacheEngineVersions!.map((v) => `${v.Engine} ${v.EngineVersion}`));
    expect(unpaged.Marker).toBeUndefined();
    await expectAwsError(client.send(new DescribeCacheEngineVersionsCommand({ MaxRecords: 5 })), "InvalidParameterValue", 400, /MaxRecords/);
  });
});

describe("DescribeCacheClusters paging", () => {
  it("pages through every cluster once, in id order, with no marker on the last page", async () => {
    const paging = sdkClient(emulator, { region: "ap-south-1" });
    const ids = Array.from({ length: 45 }, (_, i) => `page-${String(i).padStart(2, "0")}`);
    for (const id of ids) {
      await paging.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
    }
    const pages: string[][] = [];
    for await (const page of paginateDescribeCacheClusters({ client: paging, pageSize: 20 }, {})) {
      pages.push(page.CacheClusters!.map((c) => c.CacheClusterId!));
    }
    expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
    expect(pages.flat()).toEqual(ids);
    const last = await paging.send(new DescribeCacheClustersCommand({ MaxRecords: 100 }));
    expect(last.CacheClusters).toHaveLength(45);
    expect(last.Marker).toBeUndefined();
    await expectAwsError(paging.send(new DescribeCacheClustersCommand({ Marker: "not-a-marker!" })), "InvalidParameterValue", 400);
  });
});

describe("default parameter and subnet groups", () => {
  it("lists AWS's default.* parameter groups", async () => {
    const out = await client.send(new DescribeCacheParameterGroupsCommand({}));
    const names = out.CacheParameterGroups!.map((g) => g.CacheParameterGroupName);
    expect(names).toEqual(expect.arrayContaining(["default.redis7", "default.redis7.cluster.on", "default.memcached1.6", "default.valkey8"]));
    const one = await client.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: "default.redis7" }));
    expect(one.CacheParameterGroups).toEqual([
      {
        CacheParameterGroupName: "default.redis7",
        CacheParameterGroupFamily: "redis7",
        Description: "Default parameter group for redis7",
        IsGlobal: false,
        ARN: "arn:aws:elasticache:us-east-1:000000000000:parametergroup:default.redis7",
      },
    ]);
    await expectAwsError(client.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: "mine" })), "CacheParameterGroupNotFound", 404);
  });

  it("has the default subnet group", async () => {
    const out = await client.send(new DescribeCacheSubnetGroupsCommand({}));
    expect(out.CacheSubnetGroups![0].CacheSubnetGroupName).toBe("default");
    expect(out.CacheSubnetGroups![0].Subnets!.map((s) => s.SubnetAvailabilityZone?.Name)).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    await expectAwsError(client.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "mine" })), "CacheSubnetGroupNotFoundFault", 400);
  });
});

describe("DescribeEvents", () => {
  it("filters by source and time", async () => {
    const all = await client.send(new DescribeEventsCommand({}));
    expect(all.Events!.some((e) => e.SourceIdentifier === "tagged" && e.Message === "Cache cluster created")).toBe(true);
    const byType = await client.send(new DescribeEventsCommand({ SourceType: "replication-group" }));
    expect(byType.Events).toEqual([]);
    const future = await client.send(new DescribeEventsCommand({ StartTime: new Date(Date.now() + 60_000) }));
    expect(future.Events).toEqual([]);
    const window = await client.send(
      new DescribeEventsCommand({ StartTime: new Date(Date.now() - 60_000), EndTime: new Date(Date.now() + 1_000), SourceType: "cache-cluster", SourceIdentifier: "tagged" }),
    );
    expect(window.Events!.map((e) => e.Message)).toContain("Cache cluster created");
    expect(window.Events![0].Date).toBeInstanceOf(Date);
    const recent = await client.send(new DescribeEventsCommand({ Duration: 5 }));
    expect(recent.Events!.length).toBeGreaterThan(0);
    await expectAwsError(client.send(new DescribeEventsCommand({ SourceIdentifier: "tagged" })), "InvalidParameterCombination", 400);
    await expectAwsError(client.send(new DescribeEventsCommand({ Duration: 0 })), "InvalidParameterValue", 400);
  });

  it("pages through many events", async () => {
    for (let i = 0; i < 12; i++) {
      await client.send(new CreateCacheClusterCommand({ CacheClusterId: `ev-${i}`, Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
    }
    for (let i = 0; i < 12; i++) await waitForCluster(client, `ev-${i}`, "available");
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeEvents({ client, pageSize: 20 }, {})) {
      pages++;
      seen.push(...page.Events!.map((e) => `${e.SourceIdentifier} ${e.Message}`));
    }
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((s) => s.endsWith("Cache cluster created"))).toHaveLength(13);
  });
});

describe("tags by ARN", () => {
  it("returns the tags given at create, adds, overwrites and removes", async () => {
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([{ Key: "team", Value: "core" }]);
    const added = await client.send(
      new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "env", Value: "dev" }, { Key: "team", Value: "edge" }] }),
    );
    expect(added.TagList).toEqual([{ Key: "team", Value: "edge" }, { Key: "env", Value: "dev" }]);
    const removed = await client.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ["team"] }));
    expect(removed.TagList).toEqual([{ Key: "env", Value: "dev" }]);
  });

  it("answers AWS's errors and changes nothing on error", async () => {
    await expectAwsError(client.send(new ListTagsForResourceCommand({ ResourceName: "not-an-arn" })), "InvalidARN", 400);
    await expectAwsError(
      client.send(new ListTagsForResourceCommand({ ResourceName: "arn:aws:elasticache:us-east-1:000000000000:cluster:ghost" })),
      "CacheClusterNotFound",
      404,
    );
    await expectAwsError(client.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ["env", "absent"] })), "TagNotFound", 404);
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([{ Key: "env", Value: "dev" }]);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await expectAwsError(client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: many })), "TagQuotaPerResourceExceeded", 400);
    await expectAwsError(client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "aws:reserved", Value: "x" }] })), "InvalidParameterValue", 400);
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toHaveLength(1);
  });

  it("tags the default parameter group by its ARN", async () => {
    const pg = "arn:aws:elasticache:us-east-1:000000000000:parametergroup:default.redis7";
    await client.send(new AddTagsToResourceCommand({ ResourceName: pg, Tags: [{ Key: "k", Value: "v" }] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: pg }))).TagList).toEqual([{ Key: "k", Value: "v" }]);
  });
});

describe("accounts and regions", () => {
  it("keeps state per region and per account, taken from the SigV4 credential scope", async () => {
    const europe = sdkClient(emulator, { region: "eu-west-1" });
    expect((await europe.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
    await europe.send(new CreateCacheClusterCommand({ CacheClusterId: "tagged", Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
    const mine = await waitForCluster(europe, "tagged", "available");
    expect(mine.ARN).toBe("arn:aws:elasticache:eu-west-1:000000000000:cluster:tagged");
    expect(mine.PreferredAvailabilityZone).toBe("eu-west-1a");
    expect(mine.Engine).toBe("memcached");

    const other = sdkClient(emulator, { accessKeyId: "123456789012" });
    expect((await other.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
    const created = await other.send(new CreateCacheClusterCommand({ CacheClusterId: "acct", Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
    expect(created.CacheCluster?.ARN).toBe("arn:aws:elasticache:us-east-1:123456789012:cluster:acct");
    await expectAwsError(client.send(new DescribeCacheClustersCommand({ CacheClusterId: "acct" })), "CacheClusterNotFound", 404);
  });
});
