/**
 * Serverless caches publish their AWS/ElastiCache metrics under `clusterId` = the cache's name,
 * read from their real engines, checked against what a client did over TLS: keys written ->
 * CurrItems, known hits and misses -> CacheHits / CacheMisses (Memcached: GetHits / GetMisses),
 * ECPUs consumed; read back through @aws-sdk/client-cloudwatch (ListMetrics,
 * GetMetricStatistics, GetMetricData), scraped from /_emulator/metrics with a serverless_cache
 * label, and shown in the dashboard's data. The sampler runs every 200 ms; sums over the hour
 * add every round's deltas, and a round is asked for once the client is done.
 */
import { GetMetricDataCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { CreateServerlessCacheCommand, type ServerlessCache } from "@aws-sdk/client-elasticache";
import Redis, { type Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { cloudwatchClient } from "../cloudwatch/helpers.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { fetchCa, memcachedOver } from "../helpers/tls.js";
import { describeServerlessCache } from "../serverless-caches/helpers.js";
import { parsePrometheus, statisticOverHour } from "./helpers.js";

let emulator: Emulator;
let ca: string;
let valkey: ServerlessCache;
let memcached: ServerlessCache;
let client: Cluster | undefined;

const KEYS = 12;
const HITS = 8;
const MISSES = 5;

beforeAll(async () => {
  emulator = await startEmulator({ metricsIntervalMs: 200 });
  ca = await fetchCa(emulator);
  const sdk = sdkClient(emulator);
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "sl-metrics", Engine: "valkey" }));
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "sl-metrics-mc", Engine: "memcached" }));
  valkey = await describeServerlessCache(sdk, "sl-metrics", (c) => c.Status === "available");
  memcached = await describeServerlessCache(sdk, "sl-metrics-mc", (c) => c.Status === "available");
}, 90_000);
afterAll(async () => {
  client?.disconnect();
  await emulator?.stop();
});

const valkeyDims = [{ Name: "clusterId", Value: "sl-metrics" }];
const memcachedDims = [{ Name: "clusterId", Value: "sl-metrics-mc" }];

describe("a Valkey serverless cache", () => {
  it(`${KEYS} keys written, ${HITS} hits and ${MISSES} misses over TLS: CurrItems, CacheHits, CacheMisses and ECPUs under clusterId`, async () => {
    client = new Redis.Cluster([{ host: valkey.Endpoint!.Address!, port: valkey.Endpoint!.Port! }], { redisOptions: { tls: { ca } } });
    // One value of 20 KiB, written and read: AWS counts an ECPU per KiB transferred.
    const value = (i: number) => (i === 0 ? "b".repeat(20 * 1024) : "v".repeat(100));
    for (let i = 0; i < KEYS; i++) await client.set(`{k}${i}`, value(i));
    for (let i = 0; i < HITS; i++) expect(await client.get(`{k}${i}`)).toBe(value(i));
    for (let i = 0; i < MISSES; i++) expect(await client.get(`{k}missing${i}`)).toBeNull();
    await emulator.sampleMetrics();

    const cw = cloudwatchClient(emulator);
    expect(await statisticOverHour(cw, "CurrItems", valkeyDims, "Maximum")).toMatchObject({ total: KEYS, unit: "Count" });
    expect(await statisticOverHour(cw, "CacheHits", valkeyDims, "Sum")).toMatchObject({ total: HITS, unit: "Count" });
    expect((await statisticOverHour(cw, "CacheMisses", valkeyDims, "Sum")).total).toBe(MISSES);
    expect((await statisticOverHour(cw, "SetTypeCmds", valkeyDims, "Sum")).total).toBe(KEYS);
    expect((await statisticOverHour(cw, "GetTypeCmds", valkeyDims, "Sum")).total).toBe(HITS + MISSES);
    // Every command the client ran (and ioredis's own on connecting: CLUSTER SLOTS, INFO), none of the emulator's.
    const commands = (await statisticOverHour(cw, "TotalCmdsCount", valkeyDims, "Sum")).total;
    expect(commands).toBeGreaterThanOrEqual(KEYS + HITS + MISSES);
    expect(commands).toBeLessThan(KEYS + HITS + MISSES + 10);
    // At least one per command, and the 20 KiB value's 40 KiB in and out count per KiB.
    const ecpus = await statisticOverHour(cw, "ElastiCacheProcessingUnits", valkeyDims, "Sum");
    expect(ecpus.unit).toBe("Count");
    expect(ecpus.total).toBeGreaterThanOrEqual(40);
    expect(ecpus.total).toBeGreaterThanOrEqual(commands);
    expect((await statisticOverHour(cw, "ThrottledCmds", valkeyDims, "Maximum")).total).toBe(0);
    expect((await statisticOverHour(cw, "BytesUsedForCache", valkeyDims, "Maximum")).unit).toBe("Bytes");
    expect((await statisticOverHour(cw, "NetworkBytesIn", valkeyDims, "Sum")).total).toBeGreaterThan(KEYS * 100);
  });

  it("ListMetrics shows the serverless metric names under clusterId only, and GetMetricData reads them", async () => {
    const cw = cloudwatchClient(emulator);
    const listed = (await cw.send(new ListMetricsCommand({ Namespace: "AWS/ElastiCache", Dimensions: valkeyDims }))).Metrics ?? [];
    const names = new Set(listed.map((m) => m.MetricName));
    for (const name of ["ElastiCacheProcessingUnits", "BytesUsedForCache", "CacheHits", "CacheMisses", "CacheHitRate", "CurrItems", "ThrottledCmds", "NetworkBytesIn", "NetworkBytesOut", "CurrConnections", "NewConnections", "TotalCmdsCount", "GetTypeCmds", "SetTypeCmds", "GetTypeCmdsECPUs", "SetTypeCmdsECPUs"]) {
      expect(names, name).toContain(name);
    }
    // Node-level metrics are not a serverless cache's.
    for (const name of ["IsMaster", "EngineCPUUtilization", "FreeableMemory"]) expect(names, name).not.toContain(name);
    for (const m of listed) expect(m.Dimensions).toEqual(valkeyDims);
    const byCluster = await cw.send(new ListMetricsCommand({ Namespace: "AWS/ElastiCache", Dimensions: [{ Name: "CacheClusterId", Value: "sl-metrics" }] }));
    expect(byCluster.Metrics ?? []).toEqual([]);

    const end = new Date(Date.now() + 60_000);
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 3_600_000),
        EndTime: end,
        MetricDataQueries: [
          { Id: "hits", MetricStat: { Metric: { Namespace: "AWS/ElastiCache", MetricName: "CacheHits", Dimensions: valkeyDims }, Period: 3600, Stat: "Sum" } },
          { Id: "misses", MetricStat: { Metric: { Namespace: "AWS/ElastiCache", MetricName: "CacheMisses", Dimensions: valkeyDims }, Period: 3600, Stat: "Sum" } },
        ],
      }),
    );
    const sum = (id: string) => (out.MetricDataResults ?? []).find((r) => r.Id === id)!.Values!.reduce((a, b) => a + b, 0);
    expect(sum("hits")).toBe(HITS);
    expect(sum("misses")).toBe(MISSES);
  });

  it("Prometheus has the cache's families with a serverless_cache label, and the dashboard its card data", async () => {
    const samples = parsePrometheus(await (await fetch(`${emulator.url}/_emulator/metrics`)).text());
    const of = (name: string) => samples.find((s) => s.name === name && s.labels.serverless_cache === "sl-metrics");
    expect(of("elasticache_cache_hits_total")?.value).toBe(HITS);
    expect(of("elasticache_curr_items")?.value).toBe(KEYS);
    expect(of("elasticache_processing_units_total")?.value).toBeGreaterThanOrEqual(40);
    expect(of("elasticache_get_type_cmds_ecpus")).toBeDefined();
    expect(of("elasticache_curr_items")?.labels).toMatchObject({ engine: "valkey" });

    const data = (await (await fetch(`${emulator.url}/_emulator/dashboard.json`)).json()) as {
      regions: Array<{ serverlessCaches: Array<{ id: string; status: string; endpoint?: string; readerEndpoint?: string; chart: Array<{ memoryBytes: number }> }> }>;
    };
    const caches = data.regions.flatMap((r) => r.serverlessCaches);
    const shown = caches.find((c) => c.id === "sl-metrics");
    expect(shown).toMatchObject({ status: "available", endpoint: `${valkey.Endpoint!.Address}:${valkey.Endpoint!.Port}`, readerEndpoint: `${valkey.ReaderEndpoint!.Address}:${valkey.ReaderEndpoint!.Port}` });
    expect(shown!.chart.length).toBeGreaterThan(0);
    expect(shown!.chart.at(-1)!.memoryBytes).toBeGreaterThan(0);
    expect(caches.find((c) => c.id === "sl-metrics-mc")?.readerEndpoint).toBeUndefined();
  });
});

describe("a Memcached serverless cache", () => {
  it("keys set, hits and misses over TLS: CurrItems, GetHits, GetMisses, CmdSet and ECPUs under clusterId", async () => {
    const port = memcached.Endpoint!.Port!;
    for (let i = 0; i < KEYS; i++) expect(await memcachedOver(port, `set k${i} 0 0 5\r\nhello\r\n`, ca)).toBe("STORED\r\n");
    for (let i = 0; i < HITS; i++) expect(await memcachedOver(port, `get k${i}\r\n`, ca)).toBe(`VALUE k${i} 0 5\r\nhello\r\nEND\r\n`);
    for (let i = 0; i < MISSES; i++) expect(await memcachedOver(port, `get missing${i}\r\n`, ca)).toBe("END\r\n");
    await emulator.sampleMetrics();

    const cw = cloudwatchClient(emulator);
    expect(await statisticOverHour(cw, "CurrItems", memcachedDims, "Maximum")).toMatchObject({ total: KEYS, unit: "Count" });
    expect((await statisticOverHour(cw, "GetHits", memcachedDims, "Sum")).total).toBe(HITS);
    expect((await statisticOverHour(cw, "GetMisses", memcachedDims, "Sum")).total).toBe(MISSES);
    expect((await statisticOverHour(cw, "CmdSet", memcachedDims, "Sum")).total).toBe(KEYS);
    expect((await statisticOverHour(cw, "TotalCmdsCount", memcachedDims, "Sum")).total).toBe(KEYS + HITS + MISSES);
    expect((await statisticOverHour(cw, "ElastiCacheProcessingUnits", memcachedDims, "Sum")).total).toBeGreaterThanOrEqual(KEYS + HITS + MISSES);
    expect((await statisticOverHour(cw, "BytesUsedForCache", memcachedDims, "Maximum")).total).toBeGreaterThan(0);
    expect((await statisticOverHour(cw, "ThrottledCmds", memcachedDims, "Maximum")).total).toBe(0);
    const names = new Set(((await cw.send(new ListMetricsCommand({ Namespace: "AWS/ElastiCache", Dimensions: memcachedDims }))).Metrics ?? []).map((m) => m.MetricName));
    // Not in AWS's list for serverless Memcached.
    for (const name of ["BytesUsedForCacheItems", "UnusedMemory", "CPUUtilization"]) expect(names, name).not.toContain(name);
  });
});
