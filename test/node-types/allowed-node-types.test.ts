/**
 * ListAllowedNodeTypeModifications through the SDK: the lists for a few node types and both
 * engine kinds (Redis OSS/Valkey, Memcached), by cluster and by replication group, the data
 * in use that keeps a smaller type out, the refusal of a change outside the lists, and the errors.
 */
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  ListAllowedNodeTypeModificationsCommand,
  ModifyCacheClusterCommand,
  ModifyReplicationGroupCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowedNodeTypeModifications } from "../../src/catalog/node-type-modifications.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";
import { expectedMaxmemory, MEMORY_SCALE } from "./helpers.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const clients: Redis[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ nodeMemoryScale: MEMORY_SCALE });
  client = sdkClient(emulator);
  await Promise.all([
    client.send(new CreateCacheClusterCommand({ CacheClusterId: "m5", Engine: "redis", EngineVersion: "7.0", CacheNodeType: "cache.m5.large", NumCacheNodes: 1 })),
    client.send(new CreateCacheClusterCommand({ CacheClusterId: "old-redis", Engine: "redis", EngineVersion: "4.0.10", CacheNodeType: "cache.m5.large", NumCacheNodes: 1 })),
    client.send(new CreateCacheClusterCommand({ CacheClusterId: "mc", Engine: "memcached", CacheNodeType: "cache.m5.large", NumCacheNodes: 2 })),
    client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "vk",
        ReplicationGroupDescription: "valkey",
        Engine: "valkey",
        CacheNodeType: "cache.t4g.small",
        NumCacheClusters: 2,
      }),
    ),
  ]);
  await Promise.all(["m5", "old-redis", "mc"].map((id) => waitForCluster(client, id, "available")));
  await waitForReplicationGroup(client, "vk", (g) => g.Status === "available");
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await emulator?.stop();
});

const list = (input: { CacheClusterId?: string; ReplicationGroupId?: string }) => client.send(new ListAllowedNodeTypeModificationsCommand(input));
const sorted = (types: string[]) => [...types].sort();

describe("ListAllowedNodeTypeModifications", () => {
  it("Redis OSS 7.0 on cache.m5.large: every larger type up, smaller current and previous generation types down, sorted", async () => {
    const out = await list({ CacheClusterId: "m5" });
    const up = out.ScaleUpModifications!;
    const down = out.ScaleDownModifications!;
    expect(up).toEqual(sorted(up));
    expect(down).toEqual(sorted(down));
    expect(up).toEqual(expect.arrayContaining(["cache.m5.xlarge", "cache.m5.24xlarge", "cache.r5.large", "cache.r6g.large", "cache.r7g.16xlarge", "cache.m4.xlarge", "cache.r4.large"]));
    // As much memory on another family (Graviton) is a move up.
    expect(up).toContain("cache.m6g.large");
    expect(down).toEqual(expect.arrayContaining(["cache.t3.micro", "cache.t3.medium", "cache.t4g.small", "cache.t2.medium", "cache.m3.large"]));
    const all = [...up, ...down];
    expect(all).not.toContain("cache.m5.large");
    // Never the oldest generation, never data tiering from a type without it.
    expect(all.filter((t) => /^cache\.(t1|m1|m2|c1|r6gd)\./.test(t))).toEqual([]);
  });

  it("Redis OSS 4.0.10: no Graviton type", async () => {
    const out = await list({ CacheClusterId: "old-redis" });
    const all = [...out.ScaleUpModifications!, ...out.ScaleDownModifications!];
    expect(all).toContain("cache.r5.large");
    expect(all.filter((t) => /^cache\.(t4g|m6g|m7g|r6g|r7g|c7gn)\./.test(t))).toEqual([]);
  });

  it("a Valkey replication group on cache.t4g.small: current generation types only", async () => {
    const out = await list({ ReplicationGroupId: "vk" });
    expect(out.ScaleUpModifications).toEqual(expect.arrayContaining(["cache.t4g.medium", "cache.t3.medium", "cache.m7g.large"]));
    expect(out.ScaleDownModifications).toEqual(["cache.t3.micro", "cache.t4g.micro"]);
    const all = [...out.ScaleUpModifications!, ...out.ScaleDownModifications!];
    expect(all.filter((t) => /^cache\.(t2|m3|m4|r3|r4)\./.test(t))).toEqual([]);
    // A member answers as its group.
    expect(await list({ CacheClusterId: "vk-001" })).toMatchObject({ ScaleUpModifications: out.ScaleUpModifications, ScaleDownModifications: out.ScaleDownModifications });
  });

  it("Memcached on cache.m5.large: both lists, without data tiering types", async () => {
    const out = await list({ CacheClusterId: "mc" });
    expect(out.ScaleUpModifications).toEqual(expect.arrayContaining(["cache.m5.xlarge", "cache.r6g.large"]));
    expect(out.ScaleDownModifications).toEqual(expect.arrayContaining(["cache.t3.medium"]));
    expect([...out.ScaleUpModifications!, ...out.ScaleDownModifications!].some((t) => t.startsWith("cache.r6gd."))).toBe(false);
  });

  it("data tiering types scale within r6gd only", () => {
    const out = allowedNodeTypeModifications({ engine: "redis", engineVersion: "7.0", cacheNodeType: "cache.r6gd.2xlarge" });
    expect(out).toEqual({
      scaleUp: ["cache.r6gd.12xlarge", "cache.r6gd.16xlarge", "cache.r6gd.4xlarge", "cache.r6gd.8xlarge"],
      scaleDown: ["cache.r6gd.xlarge"],
    });
  });

  it("leaves out a smaller type that cannot hold the data in use, and refuses a change to it", async () => {
    expect((await list({ CacheClusterId: "m5" })).ScaleDownModifications).toContain("cache.t3.small");
    const endpoint = (await waitForCluster(client, "m5", "available")).CacheNodes![0].Endpoint!;
    const redis = new Redis(endpoint.Port!, endpoint.Address!);
    clients.push(redis);
    // About 20 MB: more than cache.t3.small holds here, less than cache.t3.medium.
    const value = "x".repeat(100_000);
    for (let i = 0; i < 200; i++) await redis.set(`big:${i}`, value);
    const used = Number(/^used_memory:(\d+)/m.exec(await redis.info("memory"))![1]);
    expect(used).toBeGreaterThan(expectedMaxmemory("cache.t3.small"));
    expect(used).toBeLessThan(expectedMaxmemory("cache.t3.medium"));

    const out = await list({ CacheClusterId: "m5" });
    expect(out.ScaleDownModifications).toContain("cache.t3.medium");
    expect(out.ScaleDownModifications).not.toContain("cache.t3.small");
    expect(out.ScaleDownModifications).not.toContain("cache.t3.micro");
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "m5", CacheNodeType: "cache.t3.small", ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
      /allowed node type modifications/,
    );
    // Refused without a change: the data stays where it was.
    expect(await redis.dbsize()).toBe(200);
    expect((await waitForCluster(client, "m5", "available")).CacheNodeType).toBe("cache.m5.large");
  });

  it("refuses a change outside the lists, applied now or later, for clusters and groups", async () => {
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "old-redis", CacheNodeType: "cache.r6g.large", ApplyImmediately: false })),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "vk", CacheNodeType: "cache.m4.large", ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
      /vk from cache.t4g.small to cache.m4.large/,
    );
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "vk", CacheNodeType: "cache.r6gd.xlarge" })),
      "InvalidParameterCombination",
      400,
    );
    // An upgrade to a version that runs on Graviton makes Graviton types allowed in the same request.
    const both = await client.send(new ModifyCacheClusterCommand({ CacheClusterId: "old-redis", CacheNodeType: "cache.r6g.large", EngineVersion: "6.2", ApplyImmediately: false }));
    expect(both.CacheCluster?.PendingModifiedValues).toMatchObject({ CacheNodeType: "cache.r6g.large", EngineVersion: "6.2" });
  });

  it("answers the model's errors for neither, both and unknown ids", async () => {
    await expectAwsError(list({}), "InvalidParameterCombination", 400, /Either CacheClusterId or ReplicationGroupId/);
    await expectAwsError(list({ CacheClusterId: "m5", ReplicationGroupId: "vk" }), "InvalidParameterCombination", 400);
    await expectAwsError(list({ CacheClusterId: "nope" }), "CacheClusterNotFound", 404);
    await expectAwsError(list({ ReplicationGroupId: "nope" }), "ReplicationGroupNotFoundFault", 404);
  });
});
