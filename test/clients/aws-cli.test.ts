/**
 * The AWS CLI (`aws elasticache ...`, botocore) against an in-process emulator: the commands
 * and waiters a user types, their JSON output, and how an AWS error reaches the terminal.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { runTool, type ToolResult } from "../helpers/aws-tools.js";
import { portIsClosed } from "../helpers/ports.js";
import { startEmulator } from "../helpers/emulator.js";

let emulator: Emulator;
/** AWS CLI v1 exits 255 on a service error, v2 exits 254. */
let serviceErrorExit: number;

function aws(args: string[]): Promise<ToolResult> {
  return runTool("aws", ["--endpoint-url", emulator.url, "--region", "us-east-1", ...args]);
}

function json(result: ToolResult): any {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

beforeAll(async () => {
  emulator = await startEmulator();
  const version = await runTool("aws", ["--version"]);
  serviceErrorExit = /aws-cli\/1\./.test(version.stdout + version.stderr) ? 255 : 254;
});
afterAll(async () => {
  await emulator?.stop();
});

describe("aws elasticache", () => {
  it("create-cache-cluster, wait cache-cluster-available, describe with node info, and the node serves data", async () => {
    const created = json(
      await aws([
        "elasticache",
        "create-cache-cluster",
        "--cache-cluster-id",
        "cli-redis",
        "--engine",
        "redis",
        "--cache-node-type",
        "cache.t3.micro",
        "--num-cache-nodes",
        "1",
        "--tags",
        "Key=team,Value=cache",
        "--output",
        "json",
      ]),
    );
    expect(created.CacheCluster).toMatchObject({
      CacheClusterId: "cli-redis",
      CacheClusterStatus: "creating",
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumCacheNodes: 1,
      ARN: "arn:aws:elasticache:us-east-1:000000000000:cluster:cli-redis",
    });
    // The CLI prints timestamps as ISO 8601.
    expect(Number.isNaN(Date.parse(created.CacheCluster.CacheClusterCreateTime))).toBe(false);

    // botocore polls once before its first 15 s sleep; the cluster is available by then.
    const waited = await aws(["elasticache", "wait", "cache-cluster-available", "--cache-cluster-id", "cli-redis"]);
    expect(waited, waited.stderr).toMatchObject({ code: 0, stdout: "" });

    const described = json(
      await aws(["elasticache", "describe-cache-clusters", "--cache-cluster-id", "cli-redis", "--show-cache-node-info", "--output", "json"]),
    );
    expect(described.CacheClusters).toHaveLength(1);
    const cluster = described.CacheClusters[0];
    expect(cluster.CacheClusterStatus).toBe("available");
    expect(cluster.CacheNodes).toHaveLength(1);
    expect(cluster.CacheNodes[0]).toMatchObject({ CacheNodeId: "0001", CacheNodeStatus: "available", Endpoint: { Address: "127.0.0.1" } });
    const port = cluster.CacheNodes[0].Endpoint.Port;
    expect(typeof port).toBe("number");

    const redis = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    await redis.set("from-aws-cli", "yes");
    expect(await redis.get("from-aws-cli")).toBe("yes");
    redis.disconnect();

    // --query and text output, as used in shell scripts.
    const address = await aws([
      "elasticache",
      "describe-cache-clusters",
      "--cache-cluster-id",
      "cli-redis",
      "--show-cache-node-info",
      "--query",
      "CacheClusters[0].CacheNodes[0].Endpoint.[Address,Port]",
      "--output",
      "text",
    ]);
    expect(address.stdout.trim().split(/\s+/)).toEqual(["127.0.0.1", String(port)]);

    const tags = json(
      await aws(["elasticache", "list-tags-for-resource", "--resource-name", cluster.ARN, "--output", "json"]),
    );
    expect(tags.TagList).toEqual([{ Key: "team", Value: "cache" }]);
  });

  it("delete-cache-cluster, then wait cache-cluster-deleted; the engine stops", async () => {
    const before = json(
      await aws(["elasticache", "describe-cache-clusters", "--cache-cluster-id", "cli-redis", "--show-cache-node-info", "--output", "json"]),
    );
    const port = before.CacheClusters[0].CacheNodes[0].Endpoint.Port;

    const deleted = json(await aws(["elasticache", "delete-cache-cluster", "--cache-cluster-id", "cli-redis", "--output", "json"]));
    expect(deleted.CacheCluster).toMatchObject({ CacheClusterId: "cli-redis", CacheClusterStatus: "deleting" });

    const waited = await aws(["elasticache", "wait", "cache-cluster-deleted", "--cache-cluster-id", "cli-redis"]);
    expect(waited, waited.stderr).toMatchObject({ code: 0, stdout: "" });
    expect(await portIsClosed(port)).toBe(true);

    const all = json(await aws(["elasticache", "describe-cache-clusters", "--output", "json"]));
    expect(all.CacheClusters).toEqual([]);
  });

  it("prints an AWS error the way the CLI does for the real service, with the service-error exit code", async () => {
    const result = await aws(["elasticache", "describe-cache-clusters", "--cache-cluster-id", "no-such-cluster", "--output", "json"]);
    expect(result.code).toBe(serviceErrorExit);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim()).toBe(
      "An error occurred (CacheClusterNotFound) when calling the DescribeCacheClusters operation: CacheCluster not found: no-such-cluster",
    );
  });

  it("reports a parameter error with its code", async () => {
    const result = await aws([
      "elasticache",
      "create-cache-cluster",
      "--cache-cluster-id",
      "bad--name",
      "--engine",
      "redis",
      "--cache-node-type",
      "cache.t3.micro",
    ]);
    expect(result.code).toBe(serviceErrorExit);
    expect(result.stderr).toMatch(/^\s*An error occurred \(InvalidParameterValue\) when calling the CreateCacheCluster operation: /);
  });

  it("a waiter on a cluster that does not exist fails at once with the service error", async () => {
    const result = await aws(["elasticache", "wait", "cache-cluster-available", "--cache-cluster-id", "no-such-cluster"]);
    expect(result.code).toBe(serviceErrorExit);
    expect(result.stderr).toContain("Waiter CacheClusterAvailable failed");
    expect(result.stderr).toContain("CacheClusterNotFound");
  });
});
