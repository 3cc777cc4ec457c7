/**
 * Row 17: monitoring's cost and the CloudWatch read path.
 * 17a: redis-benchmark SET on a node of an emulator sampling every second vs a node of one whose
 *      sampler is off (an interval of an hour), rounds interleaved; goal >= 0.98.
 * 17b: the emulator's CPU with 10 nodes sampled every second vs the same emulator with the sampler
 *      off, over the same time; the note gives the CPU per sampled node per round.
 * 17c: GetMetricData for 100 metrics over an hour (one datapoint every 5 s, 60 s periods: 6,000
 *      values an answer) vs DescribeAlarms on the same emulator (the protocol alone): requests/s,
 *      p99 in the note.
 */
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { CreateCacheClusterCommand } from "@aws-sdk/client-elasticache";
import type { RowContext } from "../lib/context.js";
import { cpuMs } from "../lib/cpu.js";
import { createUntilAvailable, endpointPorts, startEmulator, waitAvailable, type Harness } from "../lib/emulator.js";
import { REDIS_BENCHMARK } from "../lib/engines.js";
import { runCommand, sleep } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { median, p99, round3 } from "../lib/stats.js";
import { parseCsv } from "./redis-benchmark.js";

export const MONITORING_PORTS = {
  on: { from: 25300, to: 25399 },
  off: { from: 25400, to: 25499 },
  read: { from: 25500, to: 25549 },
} as const;

const withInterval = (ms: number) => ({ cliArgs: ["--metrics-interval-ms", String(ms)], options: { metricsIntervalMs: ms } });

function cloudwatch(url: string): CloudWatchClient {
  return new CloudWatchClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "bench", secretAccessKey: "bench" }, maxAttempts: 1 });
}

/** The emulator's CPU (its own process; this process when it runs in process). */
function emulatorCpuMs(h: Harness): number {
  if (h.process) return cpuMs(h.process.pid) ?? NaN;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function rowMonitoring(ctx: RowContext): Promise<RowResult[]> {
  return [...(await sampledThroughputAndCpu(ctx)), await metricDataReads(ctx)];
}

async function sampledThroughputAndCpu(ctx: RowContext): Promise<RowResult[]> {
  const rounds = ctx.quick ? 1 : 5;
  const requests = ctx.quick ? 20_000 : 100_000;
  const nodes = ctx.quick ? 4 : 10;
  const windowMs = ctx.quick ? 5_000 : 20_000;
  const on = await startEmulator(MONITORING_PORTS.on, "process", withInterval(1000));
  let off: Harness | undefined;
  const onRates: number[] = [];
  const offRates: number[] = [];
  let cpuOn = NaN;
  let cpuOff = NaN;
  try {
    off = await startEmulator(MONITORING_PORTS.off, "process", withInterval(3_600_000));
    const ports: number[] = [];
    for (const h of [on, off]) {
      for (let i = 0; i < nodes; i++) await h.client.send(new CreateCacheClusterCommand({ CacheClusterId: `mon-${i}`, Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
      for (let i = 0; i < nodes; i++) await waitAvailable(h.client, `mon-${i}`);
      const { cluster } = await createUntilAvailable(h, { CacheClusterId: "mon-bench", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 });
      ports.push(endpointPorts(cluster)[0]!);
    }
    // CPU first, with nothing else running: both emulators over the same window.
    await sleep(2_000);
    const before = [emulatorCpuMs(on), emulatorCpuMs(off)];
    await sleep(windowMs);
    const after = [emulatorCpuMs(on), emulatorCpuMs(off)];
    cpuOn = after[0]! - before[0]!;
    cpuOff = after[1]! - before[1]!;
    const bench = async (port: number): Promise<number> => {
      const out = await runCommand(REDIS_BENCHMARK, ["-h", "127.0.0.1", "-p", String(port), "-t", "set", "-n", String(requests), "-c", "50", "-q", "--csv"], { timeoutMs: 120_000 });
      if (out.code !== 0) throw new Error(`redis-benchmark exited ${out.code ?? out.signal}: ${out.stderr.trim()}`);
      return parseCsv(`${out.stdout}\n"GET","0"`).SET;
    };
    await bench(ports[0]!);
    await bench(ports[1]!);
    for (let r = 0; r < rounds; r++) {
      ctx.log(`row 17a: round ${r + 1}/${rounds}`);
      if (r % 2 === 0) {
        onRates.push(await bench(ports[0]!));
        offRates.push(await bench(ports[1]!));
      } else {
        offRates.push(await bench(ports[1]!));
        onRates.push(await bench(ports[0]!));
      }
    }
  } finally {
    await off?.stop();
    await on.stop();
  }
  const sampled = nodes + 1;
  const roundsInWindow = windowMs / 1000;
  const paired = onRates.map((x, i) => x / offRates[i]!);
  return [
    row({
      id: "17a",
      name: "redis-benchmark SET, sampler every 1 s vs off",
      unit: "req/s",
      ours: median(onRates),
      baseline: median(offRates),
      baselineLabel: "same emulator build, sampler off",
      goal: { on: "ratio", op: ">=", value: 0.98 },
      note: `redis-benchmark -t set -n ${requests} -c 50; ${sampled} nodes per emulator; ${rounds} interleaved rounds; median of paired ratios ${median(paired).toFixed(3)}`,
      samples: { onRps: onRates.map(round3), offRps: offRates.map(round3), pairedRatios: paired.map(round3) },
    }),
    row({
      id: "17b",
      name: `emulator CPU, ${sampled} nodes sampled every 1 s vs sampler off`,
      unit: "CPU ms/s",
      ours: cpuOn / (windowMs / 1000),
      baseline: cpuOff / (windowMs / 1000),
      baselineLabel: "same nodes, sampler off",
      note: `${((cpuOn - cpuOff) / (sampled * roundsInWindow)).toFixed(2)} ms of emulator CPU per sampled node per round (INFO + /proc + store), over ${windowMs / 1000} s`,
      samples: { cpuOnMs: round3(cpuOn), cpuOffMs: round3(cpuOff), windowMs, nodes: sampled },
    }),
  ];
}

async function metricDataReads(ctx: RowContext): Promise<RowResult> {
  const durationMs = ctx.quick ? 2_000 : 8_000;
  const concurrency = 4;
  const h = await startEmulator(MONITORING_PORTS.read, "process", withInterval(3_600_000));
  const client = cloudwatch(h.url);
  try {
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    const start = end - 3_600_000;
    // 100 metrics, one datapoint every 5 s over the hour.
    const batch: MetricDatum[] = [];
    const flush = async () => {
      if (batch.length) await client.send(new PutMetricDataCommand({ Namespace: "Bench", MetricData: batch.splice(0) }));
    };
    for (let m = 0; m < 100; m++) {
      for (let t = start; t < end; t += 5_000) {
        batch.push({ MetricName: `m${m}`, Timestamp: new Date(t), Value: (m * 7 + t / 5_000) % 100 });
        if (batch.length === 1000) await flush();
      }
    }
    await flush();
    const query = new GetMetricDataCommand({
      MetricDataQueries: Array.from({ length: 100 }, (_, m) => ({ Id: `q${m}`, MetricStat: { Metric: { Namespace: "Bench", MetricName: `m${m}` }, Period: 60, Stat: "Average" } })),
      StartTime: new Date(start),
      EndTime: new Date(end),
    });
    const check = await client.send(query);
    const values = (check.MetricDataResults ?? []).reduce((n, r) => n + (r.Values?.length ?? 0), 0);
    if (values !== 6000) throw new Error(`GetMetricData answered ${values} values, expected 6000`);
    const load = async (send: () => Promise<unknown>) => {
      const latencies: number[] = [];
      const until = Date.now() + durationMs;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < until) {
            const t0 = performance.now();
            await send();
            latencies.push(performance.now() - t0);
          }
        }),
      );
      return { rps: latencies.length / (durationMs / 1000), p99: p99(latencies), latencies };
    };
    await load(() => client.send(query)); // warm-up
    const data = await load(() => client.send(query));
    const describe = await load(() => client.send(new DescribeAlarmsCommand({})));
    ctx.log(`row 17c: GetMetricData ${data.rps.toFixed(1)} req/s, DescribeAlarms ${describe.rps.toFixed(1)} req/s`);
    return row({
      id: "17c",
      name: "GetMetricData, 100 metrics over an hour",
      unit: "req/s",
      ours: data.rps,
      baseline: describe.rps,
      baselineLabel: "DescribeAlarms (empty), same emulator",
      note: `${concurrency} concurrent callers (JS SDK, awsJson1_0) for ${durationMs / 1000} s; 6,000 values an answer; p99 ${data.p99.toFixed(1)} ms (DescribeAlarms p99 ${describe.p99.toFixed(1)} ms)`,
      samples: { getMetricDataP99Ms: round3(data.p99), describeAlarmsP99Ms: round3(describe.p99) },
    });
  } finally {
    client.destroy();
    await h.stop();
  }
}
