/**
 * The requests AWS refuses, refused the same way: wire code, HTTP status, and nothing
 * created or changed. No engine starts for a refused request.
 */
import {
  CreateCacheClusterCommand,
  DeleteCacheClusterCommand,
  DescribeCacheClustersCommand,
  ModifyCacheClusterCommand,
  RebootCacheClusterCommand,
  type CreateCacheClusterCommandInput,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForCluster } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;

const memcached = (id: string, extra: Partial<CreateCacheClusterCommandInput> = {}) =>
  new CreateCacheClusterCommand({ CacheClusterId: id, Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2, ...extra });
const redis = (id: string, extra: Partial<CreateCacheClusterCommandInput> = {}) =>
  new CreateCacheClusterCommand({ CacheClusterId: id, Engine: "redis", CacheNodeType: "cache.t3.micro", ...extra });

beforeAll(async () => {
  emulator = await startEmulator({ engineMode: "embedded" });
  client = sdkClient(emulator);
  await client.send(memcached("existing"));
  await waitForCluster(client, "existing", "available");
});
afterAll(async () => {
  await emulator?.stop();
});

async function clusterIds(): Promise<string[]> {
  const out = await client.send(new DescribeCacheClustersCommand({}));
  return out.CacheClusters!.map((c) => c.CacheClusterId!);
}

describe("CreateCacheCluster validation", () => {
  it.each([
    ["1starts-with-digit"],
    ["has--double-hyphen"],
    ["ends-with-hyphen-"],
    ["has_underscore"],
    ["a".repeat(51)],
  ])("refuses the id %s", async (id) => {
    await expectAwsError(client.send(memcached(id)), "InvalidParameterValue", 400, /CacheClusterId is not a valid identifier/);
  });

  it("stores ids in lowercase and refuses a duplicate in any case", async () => {
    await expectAwsError(client.send(memcached("EXISTING")), "CacheClusterAlreadyExists", 400);
  });

  it("refuses more than one node for Redis OSS and Valkey", async () => {
    await expectAwsError(client.send(redis("r2", { NumCacheNodes: 2 })), "InvalidParameterValue", 400, /NumCacheNodes/);
    await expectAwsError(client.send(redis("v2", { Engine: "valkey", NumCacheNodes: 2 })), "InvalidParameterValue", 400);
  });

  it("allows 1 to 40 Memcached nodes", async () => {
    await expectAwsError(client.send(memcached("m0", { NumCacheNodes: 0 })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(memcached("m41", { NumCacheNodes: 41 })), "NodeQuotaForClusterExceeded", 400);
  });

  it("requires a known engine, engine version and node type", async () => {
    await expectAwsError(client.send(memcached("e1", { Engine: "mongodb" })), "InvalidParameterValue", 400, /Engine/);
    await expectAwsError(client.send(new CreateCacheClusterCommand({ CacheClusterId: "e2", CacheNodeType: "cache.t3.micro" })), "InvalidParameterValue", 400, /Engine/);
    await expectAwsError(client.send(redis("e3", { EngineVersion: "9.9" })), "InvalidParameterCombination", 400, /Cannot find version 9.9 for redis/);
    await expectAwsError(client.send(redis("e4", { CacheNodeType: "cache.huge" })), "InvalidParameterValue", 400, /cache.huge/);
    await expectAwsError(client.send(new CreateCacheClusterCommand({ CacheClusterId: "e5", Engine: "redis" })), "InvalidParameterValue", 400, /CacheNodeType/);
  });

  it("accepts every engine version AWS offers, including aliases", async () => {
    for (const [engine, version] of [["redis", "6.x"], ["redis", "6.2.6"], ["redis", "4.0.10"], ["valkey", "8.0"], ["memcached", "1.5.16"]]) {
      const id = `ok-${engine}-${version.replace(/\W/g, "")}`;
      const out = await client.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: engine, EngineVersion: version, CacheNodeType: "cache.t3.micro" }));
      expect(out.CacheCluster?.CacheClusterStatus).toBe("creating");
      await waitForCluster(client, id, "available");
      await client.send(new DeleteCacheClusterCommand({ CacheClusterId: id }));
    }
  });

  it("checks parameter groups, subnet groups and cache security groups", async () => {
    await expectAwsError(client.send(redis("p1", { CacheParameterGroupName: "nope" })), "CacheParameterGroupNotFound", 404);
    await expectAwsError(client.send(redis("p2", { CacheParameterGroupName: "default.memcached1.6" })), "InvalidParameterCombination", 400);
    await expectAwsError(client.send(redis("p3", { CacheParameterGroupName: "default.redis7.cluster.on" })), "InvalidParameterCombination", 400);
    await expectAwsError(client.send(redis("s1", { CacheSubnetGroupName: "nope" })), "CacheSubnetGroupNotFoundFault", 400);
    await expectAwsError(client.send(redis("s2", { CacheSecurityGroupNames: ["nope"] })), "CacheSecurityGroupNotFound", 404);
  });

  it("refuses an AuthToken without transit encryption, and a missing replication group", async () => {
    await expectAwsError(client.send(redis("a1", { AuthToken: "a-very-long-token-123" })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(redis("rg1", { ReplicationGroupId: "no-such-group" })), "ReplicationGroupNotFoundFault", 404);
  });

  it("refuses snapshot settings on Memcached and too many tags", async () => {
    await expectAwsError(client.send(memcached("ms", { SnapshotRetentionLimit: 3 })), "InvalidParameterCombination", 400);
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await expectAwsError(client.send(memcached("mt", { Tags: tags })), "TagQuotaPerResourceExceeded", 400);
  });

  it("created nothing for any refused request", async () => {
    const ids = await clusterIds();
    expect(ids.filter((id) => !id.startsWith("ok-"))).toEqual(["existing"]);
  });
});

describe("ModifyCacheCluster validation", () => {
  it("answers CacheClusterNotFound (404) for an unknown cluster", async () => {
    await expectAwsError(client.send(new ModifyCacheClusterCommand({ CacheClusterId: "ghost", NumCacheNodes: 1 })), "CacheClusterNotFound", 404);
  });

  it("requires CacheNodeIdsToRemove to match a decrease", async () => {
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "existing", NumCacheNodes: 1, ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
      /CacheNodeIdsToRemove/,
    );
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "existing", NumCacheNodes: 1, CacheNodeIdsToRemove: ["0009"], ApplyImmediately: true })),
      "InvalidParameterValue",
      400,
      /0009/,
    );
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "existing", NumCacheNodes: 3, CacheNodeIdsToRemove: ["0001"] })),
      "InvalidParameterCombination",
      400,
    );
  });

  it("refuses a downgrade and an unknown node type", async () => {
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "existing", EngineVersion: "1.4.5" })),
      "InvalidParameterCombination",
      400,
      /downgrade/,
    );
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "existing", CacheNodeType: "cache.nope" })),
      "InvalidParameterValue",
      400,
    );
  });

  it("refuses changes while the cluster is modifying", async () => {
    // A long minimum `modifying` time keeps the cluster in that status for the whole test.
    const slow = await startEmulator({ engineMode: "embedded", delays: { modifyMs: 600_000 } });
    try {
      const slowClient = sdkClient(slow);
      await slowClient.send(memcached("busy"));
      await waitForCluster(slowClient, "busy", "available");
      await slowClient.send(new ModifyCacheClusterCommand({ CacheClusterId: "busy", NumCacheNodes: 3, ApplyImmediately: true }));
      await expectAwsError(
        slowClient.send(new ModifyCacheClusterCommand({ CacheClusterId: "busy", NumCacheNodes: 5, ApplyImmediately: true })),
        "InvalidCacheClusterState",
        400,
      );
      await expectAwsError(slowClient.send(new DeleteCacheClusterCommand({ CacheClusterId: "busy" })), "InvalidCacheClusterState", 400);
      const out = await slowClient.send(new DescribeCacheClustersCommand({ CacheClusterId: "busy" }));
      expect(out.CacheClusters![0].CacheClusterStatus).toBe("modifying");
    } finally {
      await slow.stop();
    }
  });
});

describe("RebootCacheCluster and DeleteCacheCluster validation", () => {
  it("refuses unknown node ids and unknown clusters", async () => {
    await expectAwsError(
      client.send(new RebootCacheClusterCommand({ CacheClusterId: "existing", CacheNodeIdsToReboot: ["0042"] })),
      "InvalidParameterValue",
      400,
    );
    await expectAwsError(client.send(new RebootCacheClusterCommand({ CacheClusterId: "ghost", CacheNodeIdsToReboot: ["0001"] })), "CacheClusterNotFound", 404);
    await expectAwsError(client.send(new DeleteCacheClusterCommand({ CacheClusterId: "ghost" })), "CacheClusterNotFound", 404);
  });

  it("refuses a final snapshot of a Memcached cluster", async () => {
    await expectAwsError(
      client.send(new DeleteCacheClusterCommand({ CacheClusterId: "existing", FinalSnapshotIdentifier: "final" })),
      "SnapshotFeatureNotSupportedFault",
      400,
    );
    const out = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: "existing" }));
    expect(out.CacheClusters![0].CacheClusterStatus).toBe("available");
  });
});
