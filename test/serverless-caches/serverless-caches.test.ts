/**
 * The serverless cache API through the SDK: every field and AWS's defaults, statuses,
 * errors and quota, paging with NextToken/MaxResults, events, tags, one change per
 * ModifyServerlessCache (engine upgrade with the data kept), and the Terraform provider's
 * create / update / delete waiters.
 */
import {
  AddTagsToResourceCommand,
  CreateServerlessCacheCommand,
  CreateUserGroupCommand,
  DeleteServerlessCacheCommand,
  DescribeEventsCommand,
  DescribeServerlessCachesCommand,
  ListTagsForResourceCommand,
  ModifyServerlessCacheCommand,
  type ElastiCacheClient,
  type ServerlessCache,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { orNotFound, stateChange } from "../helpers/terraform.js";
import { fetchCa } from "../helpers/tls.js";
import { waitForUserGroup } from "../helpers/users.js";
import { describeServerlessCache, readServerlessCache } from "./helpers.js";

let emulator: Emulator;
let sdk: ElastiCacheClient;

beforeAll(async () => {
  // Every transitional status lasts long enough to be seen, as on AWS.
  emulator = await startEmulator({ delays: { createMs: 200, modifyMs: 200, deleteMs: 200 }, serverlessCacheQuota: 4 });
  sdk = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

const available = (name: string) => describeServerlessCache(sdk, name, (c) => c.Status === "available");

describe("CreateServerlessCache and DescribeServerlessCaches", () => {
  it("answers `creating` with AWS's defaults, then `available` with both endpoints", async () => {
    const out = await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "Plain", Engine: "valkey" }));
    const cache = out.ServerlessCache!;
    expect(cache).toMatchObject({
      ServerlessCacheName: "plain",
      Status: "creating",
      Engine: "valkey",
      MajorEngineVersion: "8",
      FullEngineVersion: "8.1",
      Description: " ",
      SnapshotRetentionLimit: 0,
      ARN: "arn:aws:elasticache:us-east-1:000000000000:serverlesscache:plain",
      SecurityGroupIds: ["sg-00000000000000000"],
      SubnetIds: ["subnet-00000000000000000", "subnet-00000000000000001", "subnet-00000000000000002"],
      NetworkType: "ipv4",
    });
    expect(cache.DailySnapshotTime).toMatch(/^\d\d:(00|30)$/);
    expect(cache.CacheUsageLimits).toBeUndefined();
    expect(cache.Endpoint).toBeUndefined();
    expect(cache.CreateTime).toBeInstanceOf(Date);
    const ready = await available("plain");
    expect(ready.Endpoint!.Address).toBe("127.0.0.1");
    expect(ready.ReaderEndpoint).toEqual({ Address: "127.0.0.1", Port: ready.Endpoint!.Port! + 1 });
    expect(ready.DailySnapshotTime).toBe(cache.DailySnapshotTime);
  });

  it("keeps every field the request gives, a user group and tags included", async () => {
    await sdk.send(new CreateUserGroupCommand({ UserGroupId: "sl-group", Engine: "redis", UserIds: ["default"] }));
    await waitForUserGroup(sdk, "sl-group");
    const out = await sdk.send(
      new CreateServerlessCacheCommand({
        ServerlessCacheName: "full",
        Engine: "redis",
        MajorEngineVersion: "7",
        Description: "everything",
        CacheUsageLimits: { DataStorage: { Minimum: 1, Maximum: 10, Unit: "GB" }, ECPUPerSecond: { Minimum: 1000, Maximum: 100000 } },
        KmsKeyId: "arn:aws:kms:us-east-1:000000000000:key/abc",
        SecurityGroupIds: ["sg-0123456789abcdef0"],
        SubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        UserGroupId: "sl-group",
        SnapshotRetentionLimit: 7,
        DailySnapshotTime: "04:15",
        Tags: [{ Key: "team", Value: "cache" }],
      }),
    );
    expect(out.ServerlessCache).toMatchObject({
      Engine: "redis",
      MajorEngineVersion: "7",
      FullEngineVersion: "7.1",
      Description: "everything",
      CacheUsageLimits: { DataStorage: { Minimum: 1, Maximum: 10, Unit: "GB" }, ECPUPerSecond: { Minimum: 1000, Maximum: 100000 } },
      KmsKeyId: "arn:aws:kms:us-east-1:000000000000:key/abc",
      SecurityGroupIds: ["sg-0123456789abcdef0"],
      SubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
      UserGroupId: "sl-group",
      SnapshotRetentionLimit: 7,
      DailySnapshotTime: "04:15",
    });
    const ready = await available("full");
    expect(ready.UserGroupId).toBe("sl-group");
    const tags = await sdk.send(new ListTagsForResourceCommand({ ResourceName: ready.ARN }));
    expect(tags.TagList).toEqual([{ Key: "team", Value: "cache" }]);
    await sdk.send(new AddTagsToResourceCommand({ ResourceName: ready.ARN, Tags: [{ Key: "env", Value: "test" }] }));
    expect((await sdk.send(new ListTagsForResourceCommand({ ResourceName: ready.ARN }))).TagList).toHaveLength(2);
  });

  it("pages with MaxResults and NextToken", async () => {
    const first = await sdk.send(new DescribeServerlessCachesCommand({ MaxResults: 1 }));
    expect(first.ServerlessCaches!.map((c) => c.ServerlessCacheName)).toEqual(["full"]);
    expect(first.NextToken).toBeDefined();
    const second = await sdk.send(new DescribeServerlessCachesCommand({ MaxResults: 1, NextToken: first.NextToken }));
    expect(second.ServerlessCaches!.map((c) => c.ServerlessCacheName)).toEqual(["plain"]);
    expect(second.NextToken).toBeUndefined();
    await expectAwsError(sdk.send(new DescribeServerlessCachesCommand({ MaxResults: 51 })), "InvalidParameterValue", 400);
  });

  it("refuses what AWS refuses", async () => {
    const create = (input: Partial<ConstructorParameters<typeof CreateServerlessCacheCommand>[0]>) =>
      sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "bad", Engine: "valkey", ...input }));
    await expectAwsError(create({ ServerlessCacheName: "plain" }), "ServerlessCacheAlreadyExistsFault", 400);
    await expectAwsError(create({ ServerlessCacheName: "1st" }), "InvalidParameterValue", 400);
    await expectAwsError(create({ ServerlessCacheName: "a".repeat(41) }), "InvalidParameterValue", 400);
    await expectAwsError(create({ Engine: "mongodb" }), "InvalidParameterValue", 400);
    await expectAwsError(create({ MajorEngineVersion: "6" }), "InvalidParameterCombination", 400);
    await expectAwsError(create({ CacheUsageLimits: { DataStorage: { Minimum: 10, Maximum: 5, Unit: "GB" } } }), "InvalidParameterValue", 400);
    await expectAwsError(create({ CacheUsageLimits: { DataStorage: { Maximum: 5001, Unit: "GB" } } }), "InvalidParameterValue", 400);
    await expectAwsError(create({ CacheUsageLimits: { ECPUPerSecond: { Maximum: 15_000_001 } } }), "InvalidParameterValue", 400);
    await expectAwsError(create({ SnapshotRetentionLimit: 36 }), "InvalidParameterValue", 400);
    await expectAwsError(create({ DailySnapshotTime: "25:00" }), "InvalidParameterValue", 400);
    await expectAwsError(create({ Engine: "memcached", UserGroupId: "sl-group" }), "InvalidParameterCombination", 400);
    await expectAwsError(create({ UserGroupId: "no-such-group" }), "UserGroupNotFound", 404);
    await expectAwsError(sdk.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: "nope" })), "ServerlessCacheNotFoundFault", 404);
    await expectAwsError(sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "nope", Description: "x" })), "ServerlessCacheNotFoundFault", 404);
    await expectAwsError(sdk.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: "nope" })), "ServerlessCacheNotFoundFault", 404);
    expect((await sdk.send(new DescribeServerlessCachesCommand({}))).ServerlessCaches).toHaveLength(2);
  });

  it("refuses changes while the cache is not available, and the cache beyond the quota", async () => {
    await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "busy", Engine: "memcached" }));
    await expectAwsError(sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "busy", Description: "x" })), "InvalidServerlessCacheStateFault", 400);
    await expectAwsError(sdk.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: "busy" })), "InvalidServerlessCacheStateFault", 400);
    await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "fourth", Engine: "memcached" }));
    await expectAwsError(
      sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "fifth", Engine: "valkey" })),
      "ServerlessCacheQuotaForCustomerExceededFault",
      400,
    );
    const mc = await available("busy");
    expect(mc).toMatchObject({ Engine: "memcached", MajorEngineVersion: "1.6" });
    expect(mc.ReaderEndpoint).toBeUndefined();
    await available("fourth");
  });
});

describe("ModifyServerlessCache", () => {
  it("takes one setting per request, as AWS does", async () => {
    await expectAwsError(
      sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "plain", Description: "x", SnapshotRetentionLimit: 1 })),
      "InvalidParameterCombination",
      400,
      /one field/,
    );
    await expectAwsError(
      sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "full", UserGroupId: "sl-group", RemoveUserGroup: true })),
      "InvalidParameterCombination",
      400,
    );
  });

  it("changes limits, and Minimum=Maximum=0 removes one", async () => {
    const out = await sdk.send(
      new ModifyServerlessCacheCommand({ ServerlessCacheName: "full", CacheUsageLimits: { DataStorage: { Minimum: 0, Maximum: 0, Unit: "GB" } } }),
    );
    expect(out.ServerlessCache!.Status).toBe("modifying");
    expect(out.ServerlessCache!.CacheUsageLimits).toEqual({ ECPUPerSecond: { Minimum: 1000, Maximum: 100000 } });
    await available("full");
    await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "full", CacheUsageLimits: { ECPUPerSecond: { Minimum: 0, Maximum: 0 } } }));
    expect((await available("full")).CacheUsageLimits).toBeUndefined();
  });

  it("upgrades Redis OSS to Valkey with the data kept, and never back", async () => {
    const ca = await fetchCa(emulator);
    const before = await available("full");
    const open = () => new Redis({ host: "127.0.0.1", port: before.Endpoint!.Port!, tls: { ca }, maxRetriesPerRequest: 1 });
    await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "full", RemoveUserGroup: true }));
    expect((await available("full")).UserGroupId).toBeUndefined();
    const writer = open();
    await writer.set("kept", "yes");
    writer.disconnect();
    await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "full", Engine: "valkey", MajorEngineVersion: "8" }));
    const after = await available("full");
    expect(after).toMatchObject({ Engine: "valkey", MajorEngineVersion: "8", FullEngineVersion: "8.1", Endpoint: before.Endpoint });
    const reader = open();
    expect(await reader.get("kept")).toBe("yes");
    reader.disconnect();
    await expectAwsError(sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "full", Engine: "redis" })), "InvalidParameterCombination", 400);
    await expectAwsError(sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "full", MajorEngineVersion: "7" })), "InvalidParameterCombination", 400);
    await expectAwsError(sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "busy", Engine: "valkey" })), "InvalidParameterCombination", 400);
  });

  it("records AWS's events for the cache", async () => {
    const events = await sdk.send(new DescribeEventsCommand({ SourceType: "serverless-cache", SourceIdentifier: "full" }));
    const messages = events.Events!.map((e) => e.Message);
    expect(messages).toContain("Cache full is created and ready to use.");
    expect(messages).toContain("Limits updated for the cache full.");
  });
});

describe("the Terraform provider's aws_elasticache_serverless_cache", () => {
  const pending = ["creating", "deleting", "modifying"];
  const read = (name: string) =>
    orNotFound<ServerlessCache>(async () => {
      const c = await readServerlessCache(sdk, name);
      return { status: c.Status!, value: c };
    }, ["ServerlessCacheNotFoundFault"]);

  it("creates, updates one field per call, and deletes through its waiters", async () => {
    await sdk.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: "fourth" }));
    await stateChange({ what: "fourth deleted", pending, target: ["NotFound"], refresh: () => read("fourth") });

    await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "tf", Engine: "redis", Tags: [{ Key: "Name", Value: "tf" }] }));
    const created = await stateChange({ what: "tf available", pending, target: ["available"], refresh: () => read("tf") });
    expect(created.value!.Endpoint).toBeDefined();
    const updates = [
      { Description: "updated" },
      { DailySnapshotTime: "05:00" },
      { SnapshotRetentionLimit: 3 },
      { CacheUsageLimits: { DataStorage: { Maximum: 2, Unit: "GB" as const } } },
      { CacheUsageLimits: { DataStorage: { Minimum: 0, Maximum: 0, Unit: "GB" as const } } },
      { SecurityGroupIds: ["sg-0aaaaaaaaaaaaaaaa"] },
      { UserGroupId: "sl-group" },
      { RemoveUserGroup: true },
      { Engine: "valkey", MajorEngineVersion: "8" },
    ];
    for (const update of updates) {
      await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "tf", ...update }));
      await stateChange({ what: `tf ${Object.keys(update).join()}`, pending, target: ["available"], refresh: () => read("tf") });
    }
    const final = await readServerlessCache(sdk, "tf");
    expect(final).toMatchObject({
      Description: "updated",
      DailySnapshotTime: "05:00",
      SnapshotRetentionLimit: 3,
      SecurityGroupIds: ["sg-0aaaaaaaaaaaaaaaa"],
      Engine: "valkey",
      MajorEngineVersion: "8",
    });
    expect(final.CacheUsageLimits).toBeUndefined();
    expect(final.UserGroupId).toBeUndefined();

    const deleting = await sdk.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: "tf" }));
    expect(deleting.ServerlessCache!.Status).toBe("deleting");
    await stateChange({ what: "tf deleted", pending, target: ["NotFound"], refresh: () => read("tf") });
    await expectAwsError(sdk.send(new ListTagsForResourceCommand({ ResourceName: created.value!.ARN })), "ServerlessCacheNotFoundFault", 404);
    const events = await sdk.send(new DescribeEventsCommand({ SourceType: "serverless-cache", SourceIdentifier: "tf" }));
    expect(events.Events!.map((e) => e.Message)).toContain("Cache tf was deleted.");
  });
});

describe("a cache whose engines cannot start", () => {
  it("ends `create-failed` with AWS's event, and can be deleted", async () => {
    // The embedded engine subset has no TLS, and serverless caches are TLS only.
    const embedded = await startEmulator({ engineMode: "embedded" });
    try {
      const client = sdkClient(embedded);
      await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "doomed", Engine: "valkey" }));
      const failed = await describeServerlessCache(client, "doomed", (c) => c.Status !== "creating");
      expect(failed.Status).toBe("create-failed");
      expect(failed.Endpoint).toBeUndefined();
      const events = await client.send(new DescribeEventsCommand({ SourceType: "serverless-cache", SourceIdentifier: "doomed" }));
      expect(events.Events!.map((e) => e.Message)).toEqual([expect.stringMatching(/^Failed to create cache doomed\. /)]);
      await client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: "doomed" }));
      await stateChange({
        what: "doomed deleted",
        pending: ["deleting"],
        target: ["NotFound"],
        refresh: () => orNotFound(async () => ({ status: (await readServerlessCache(client, "doomed")).Status!, value: undefined }), ["ServerlessCacheNotFoundFault"]),
      });
    } finally {
      await embedded.stop();
    }
  });
});
