/**
 * Benchmark harness: `npm run bench` (BENCH_QUICK=1 for a smoke run, BENCH_ROWS=1,3 to pick rows).
 *
 * Every figure is a median over several runs and is reported as a ratio against a
 * baseline measured in the same run: this machine is small and noisy, so absolute
 * timings mean little and nothing here is a pass/fail timing assertion. Prints a table on
 * stdout, progress on stderr, and writes every sample to bench/results/latest.json.
 * Everything started is stopped at the end, also on failure.
 */
import { execFileSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { RowContext } from "./lib/context.js";
import { cleanupScratch, MEMCACHED, REDIS_SERVER } from "./lib/engines.js";
import { alive, engineDescendants, killAllTrackedSync, stopAllTracked, waitGone } from "./lib/procs.js";
import { failedRow, renderTable, writeJson, type RowResult } from "./lib/report.js";
import { rowCreateMemcached } from "./rows/create-memcached.js";
import { rowCreateRedis } from "./rows/create-redis.js";
import { rowCreateReplicationGroup } from "./rows/create-replication-group.js";
import { rowFailover } from "./rows/failover.js";
import { rowFaultKill } from "./rows/fault-kill.js";
import { rowRedisBenchmarkCluster, rowRedisBenchmarkEndpoints } from "./rows/redis-benchmark-endpoints.js";
import { rowResharding } from "./rows/resharding.js";
import { rowRestart } from "./rows/restart.js";
import { rowDescribe100 } from "./rows/describe-100.js";
import { rowRedisBenchmark } from "./rows/redis-benchmark.js";
import { rowRss } from "./rows/rss.js";
import { rowStrictAuth } from "./rows/strict-auth.js";
import { rowIam } from "./rows/iam.js";
import { rowTls } from "./rows/tls.js";
import { rowServerless } from "./rows/serverless.js";
import { rowSnapshotReshard, rowSnapshots } from "./rows/snapshots.js";
import { rowMonitoring } from "./rows/monitoring.js";
import { rowServiceUpdate } from "./rows/service-updates.js";
import { rowMemcachedNodeEndpoint } from "./rows/memcached-node-endpoint.js";
import { rowNetworkFaults } from "./rows/network-faults.js";
import { rowGlobalDatastores } from "./rows/global-datastores.js";

const ROWS: Array<{ id: string; name: string; run: (ctx: RowContext) => Promise<RowResult[]> }> = [
  { id: "1", name: "create->available, 1 Redis node", run: rowCreateRedis },
  { id: "2", name: "create->available, 3-node Memcached", run: rowCreateMemcached },
  { id: "3", name: "DescribeCacheClusters x100", run: rowDescribe100 },
  { id: "4", name: "redis-benchmark via node endpoint", run: rowRedisBenchmark },
  { id: "5", name: "emulator RSS", run: rowRss },
  { id: "6", name: "create->available, replication groups", run: rowCreateReplicationGroup },
  { id: "7", name: "kill -9 primary -> PrimaryEndpoint writes", run: rowFailover },
  { id: "8", name: "redis-benchmark via PrimaryEndpoint/ReaderEndpoint", run: rowRedisBenchmarkEndpoints },
  { id: "9", name: "redis-benchmark --cluster via ConfigurationEndpoint", run: rowRedisBenchmarkCluster },
  { id: "10", name: "reshard 3->4 shards, 100k keys", run: rowResharding },
  { id: "11", name: "API throughput, strict SigV4 on vs off", run: rowStrictAuth },
  { id: "12", name: "redis-benchmark over TLS vs plaintext, same node", run: rowTls },
  { id: "13", name: "snapshot and restore, 1M keys", run: rowSnapshots },
  { id: "14", name: "restore a snapshot into another shard count, 1M keys", run: rowSnapshotReshard },
  { id: "15", name: "IAM authentication: token vs password users, connection setup", run: rowIam },
  { id: "16", name: "serverless caches: create->available, redis-benchmark via the Endpoint", run: rowServerless },
  { id: "17", name: "monitoring: sampler cost, GetMetricData reads", run: rowMonitoring },
  { id: "18", name: "rolling service update, 3 shards x 1 replica, under writes", run: rowServiceUpdate },
  { id: "19", name: "kill fault (API) primary -> PrimaryEndpoint writes", run: rowFaultKill },
  { id: "20", name: "memcached set/get via a node endpoint (Auto Discovery) vs bare memcached", run: rowMemcachedNodeEndpoint },
  { id: "21", name: "redis-benchmark via a node: no network effect set, and one set then cleared", run: rowNetworkFaults },
  { id: "gds", name: "global datastores: replication lag to a secondary; FailoverGlobalReplicationGroup -> writes", run: rowGlobalDatastores },
  { id: "restart", name: "restart with a data dir (20 clusters); mutation cost of the data dir", run: rowRestart },
];

const RESULTS = fileURLToPath(new URL("./results/latest.json", import.meta.url));

function version(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim().split("\n")[0];
  } catch {
    return undefined;
  }
}

/** After the rows: no engine we started may still run. Waits a grace period, then SIGKILLs by pid. */
async function reapLeftovers(): Promise<number[]> {
  await stopAllTracked();
  const left = await waitGone(engineDescendants().map((e) => e.pid), 5_000);
  for (const pid of left) {
    try {
      if (alive(pid)) process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  return left;
}

async function main(): Promise<number> {
  const quick = process.env.BENCH_QUICK === "1" || process.env.BENCH_QUICK === "true";
  const only = process.env.BENCH_ROWS?.split(",").map((s) => s.trim()).filter(Boolean);
  const ctx: RowContext = { quick, log: (m) => process.stderr.write(`[bench] ${m}\n`) };
  const results: RowResult[] = [];
  const started = new Date();
  let leftovers: number[] = [];
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`[bench] ${signal}: stopping what the harness started\n`);
    // In-process emulators kill their engines on exit (supervisor); bare processes here.
    void reapLeftovers().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", killAllTrackedSync);

  ctx.log(`${quick ? "quick" : "full"} run on ${os.cpus().length} core(s), load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  try {
    for (const r of ROWS) {
      if (only && !only.includes(r.id)) continue;
      ctx.log(`row ${r.id}: ${r.name}`);
      const t0 = performance.now();
      const loadBefore = os.loadavg()[0]!;
      try {
        const rows = await r.run(ctx);
        // The 1-minute load average around the row: other work on the machine shows up here.
        for (const x of rows) x.samples = { ...x.samples, loadavg1m: { before: loadBefore, after: os.loadavg()[0]! } };
        results.push(...rows);
      } catch (error) {
        ctx.log(`row ${r.id} failed: ${error instanceof Error ? error.message : String(error)}`);
        results.push(failedRow(r.id, r.name, error));
      }
      ctx.log(`row ${r.id} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    leftovers = await reapLeftovers();
    cleanupScratch();
  }

  const table = renderTable(results);
  process.stdout.write(`\n${table}\n`);
  if (leftovers.length) process.stdout.write(`\nWARNING: engine processes outlived their owners and were killed: ${leftovers.join(", ")}\n`);
  writeJson(RESULTS, {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    quick,
    rows: only ?? ROWS.map((r) => r.id),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavg: os.loadavg(), node: process.version, platform: `${os.platform()} ${os.release()}` },
    engines: { redisServer: version(REDIS_SERVER, ["--version"]), memcached: version(MEMCACHED, ["-V"]) },
    commit: version("git", ["rev-parse", "HEAD"]),
    results,
    leftoverEnginePids: leftovers,
    table,
  });
  process.stdout.write(`\nsamples: ${RESULTS}\n`);
  // Unmet goals are reported, not failed: timings on a shared machine are no assertion.
  return results.some((r) => r.error) || leftovers.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
