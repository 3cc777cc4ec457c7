/**
 * AWS/ElastiCache metrics from the real engines, checked against what a client did: keys
 * written -> CurrItems, known hits and misses -> CacheHits / CacheMisses (Memcached: GetHits,
 * GetMisses, CmdSet), read back through @aws-sdk/client-cloudwatch (ListMetrics,
 * GetMetricStatistics) and scraped from /_emulator/metrics. The sampler's interval is long
 * here: each round is asked for (emulator.sampleMetrics()), so counts are exact.
 */
import { ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { CreateCacheClusterCommand, DescribeCacheClustersCommand } from "@aws-sdk/client-elasticache";
import { register } from "prom-client";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { cloudwatchClient } from "../cloudwatch/helpers.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitForCluster } from "../helpers/wait.js";
import { memcachedText, parsePrometheus, statisticOverHour } from "./helpers.js";

let emulator: Emulator;
let redisPort: number;
let memcachedPorts: number[];

beforeAll(async () => {
  emulator = await startEmulator({ metricsIntervalMs: 3_600_000 });
  const ec = sdkClient(emulator);
  await ec.send(new CreateCacheClusterCommand({ CacheClusterId: "metrics-redis", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
  await ec.send(new CreateCacheClusterCommand({ CacheClusterId: "metrics-mc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
  const redis = await waitForCluster(ec, "metrics-redis", "available");
  const mc = await waitForCluster(ec, "metrics-mc", "available");
  redisPort = redis.CacheNodes![0]!.Endpoint!.Port!;
  memcachedPorts = mc.CacheNodes!.map((n) => n.Endpoint!.Port!);
  // A first round: from here on, every count below is the client's.
  await emulator.sampleMetrics();
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
});

const redisNode = [
  { Name: "CacheClusterId", Value: "metrics-redis" },
  { Name: "CacheNodeId", Value: "0001" },
];

describe("Redis metrics follow what a client did", () => {
  it("10 keys written, 7 hits and 3 misses: CurrItems 10, CacheHits 7, CacheMisses 3, SetTypeCmds 10, GetTypeCmds 10", async () => {
    const client = new Redis(redisPort, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    for (let i = 0; i < 10; i++) await client.set(`k${i}`, "v");
    for (let i = 0; i < 7; i++) expect(await client.get(`k${i}`)).toBe("v");
    for (let i = 0; i < 3; i++) expect(await client.get(`missing${i}`)).toBeNull();
    await emulator.sampleMetrics();

    const cw = cloudwatchClient(emulator);
    expect(await statisticOverHour(cw, "CacheHits", redisNode, "Sum")).toMatchObject({ total: 7, unit: "Count" });
    expect((await statisticOverHour(cw, "CacheMisses", redisNode, "Sum")).total).toBe(3);
    expect(await statisticOverHour(cw, "CurrItems", redisNode, "Maximum")).toMatchObject({ total: 10, unit: "Count" });
    expect((await statisticOverHour(cw, "SetTypeCmds", redisNode, "Sum")).total).toBe(10);
    expect((await statisticOverHour(cw, "GetTypeCmds", redisNode, "Sum")).total).toBe(10);
    expect((await statisticOverHour(cw, "IsMaster", redisNode, "Maximum")).total).toBe(1);
    // The client's one connection, not the sampler's.
    expect((await statisticOverHour(cw, "NewConnections", redisNode, "Sum")).total).toBeGreaterThanOrEqual(1);
    const connections = await statisticOverHour(cw, "CurrConnections", redisNode, "Maximum");
    expect(connections.total).toBe(1);
    expect((await statisticOverHour(cw, "BytesUsedForCache", redisNode, "Maximum")).unit).toBe("Bytes");
    // The cluster-level dimension set carries the same datapoints.
    expect((await statisticOverHour(cw, "CacheHits", [{ Name: "CacheClusterId", Value: "metrics-redis" }], "Sum")).total).toBe(7);
    client.disconnect();
  });

  it("ListMetrics lists AWS/ElastiCache metrics with both dimension sets, filtered by dimension", async () => {
    const cw = cloudwatchClient(emulator);
    const out = await cw.send(new ListMetricsCommand({ Namespace: "AWS/ElastiCache", MetricName: "CacheHits", Dimensions: [{ Name: "CacheClusterId", Value: "metrics-redis" }] }));
    const sets = (out.Metrics ?? []).map((m) => (m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(","));
    expect(sets.sort()).toEqual(["CacheClusterId=metrics-redis", "CacheClusterId=metrics-redis,CacheNodeId=0001"]);
    const names = new Set(
      (await cw.send(new ListMetricsCommand({ Namespace: "AWS/ElastiCache", Dimensions: [{ Name: "CacheNodeId" }] }))).Metrics!.map((m) => m.MetricName),
    );
    for (const name of ["CPUUtilization", "FreeableMemory", "EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "CacheHitRate", "Evictions", "Reclaimed", "KeyBasedCmds", "NetworkBytesIn", "CmdGet", "GetHits", "UnusedMemory"]) {
      expect(names, name).toContain(name);
    }
  });
});

describe("Memcached metrics follow what a client did", () => {
  it("3 items set on the first node, 2 hits and 1 miss: CmdSet 3, GetHits 2, GetMisses 1, CurrItems 3", async () => {
    const [port] = memcachedPorts;
    await memcachedText(port!, "set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nset c 0 0 1\r\n3\r\n", /(STORED\r\n){3}$/);
    await memcachedText(port!, "get a\r\nget b\r\nget zz\r\n", /END\r\nVALUE b 0 1\r\n2\r\nEND\r\nEND\r\n$/);
    await emulator.sampleMetrics();
    const cw = cloudwatchClient(emulator);
    const node = [
      { Name: "CacheClusterId", Value: "metrics-mc" },
      { Name: "CacheNodeId", Value: "0001" },
    ];
    expect((await statisticOverHour(cw, "CmdSet", node, "Sum")).total).toBe(3);
    expect((await statisticOverHour(cw, "GetHits", node, "Sum")).total).toBe(2);
    expect((await statisticOverHour(cw, "GetMisses", node, "Sum")).total).toBe(1);
    expect((await statisticOverHour(cw, "CurrItems", node, "Maximum")).total).toBe(3);
    const other = [
      { Name: "CacheClusterId", Value: "metrics-mc" },
      { Name: "CacheNodeId", Value: "0002" },
    ];
    expect((await statisticOverHour(cw, "CurrItems", other, "Maximum")).total).toBe(0);
    expect((await statisticOverHour(cw, "BytesUsedForCacheItems", node, "Maximum")).total).toBeGreaterThan(0);
  });
});

describe("Prometheus at /_emulator/metrics", () => {
  it("exposes the latest round as elasticache_* families with cluster and node labels, and the emulator's own counters", async () => {
    const response = await fetch(`${emulator.url}/_emulator/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await response.text();
    expect(text).toContain("# TYPE elasticache_cache_hits_total counter");
    expect(text).toContain("# TYPE elasticache_curr_items gauge");
    const samples = parsePrometheus(text);
    const one = (name: string, labels: Record<string, string>) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(one("elasticache_cache_hits_total", { cache_cluster_id: "metrics-redis", cache_node_id: "0001", engine: "redis" }).map((s) => s.value)).toEqual([7]);
    expect(one("elasticache_curr_items", { cache_cluster_id: "metrics-redis" }).map((s) => s.value)).toEqual([10]);
    expect(one("elasticache_get_hits_total", { cache_cluster_id: "metrics-mc", cache_node_id: "0001" }).map((s) => s.value)).toEqual([2]);
    expect(one("elasticache_local_api_requests_total", { service: "elasticache", action: "CreateCacheCluster", status: "200" }).map((s) => s.value)).toEqual([2]);
    expect(one("elasticache_local_engines_running", {}).map((s) => s.value)).toEqual([3]);
    expect(one("elasticache_local_engine_restarts_total", {}).map((s) => s.value)).toEqual([0]);
  });

  it("keeps each emulator's metrics to itself: a second emulator in the same process counts only its own requests", async () => {
    const scrape = async (e: Emulator) => parsePrometheus(await (await fetch(`${e.url}/_emulator/metrics`)).text()).filter((s) => s.name === "elasticache_local_api_requests_total");
    const before = await scrape(emulator);
    const other = await startEmulator();
    try {
      await sdkClient(other).send(new DescribeCacheClustersCommand({}));
      expect((await scrape(other)).map((s) => [s.labels.action, s.value])).toEqual([["DescribeCacheClusters", 1]]);
      expect(await scrape(emulator)).toEqual(before);
      // prom-client's process-wide registry is left alone.
      expect(await register.getMetricsAsJSON()).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});
