/**
 * Row 4: redis-benchmark SET/GET against a node endpoint the API handed out vs a bare
 * redis-server, the two targets interleaved over several rounds. The endpoint is the
 * engine itself, so the expected ratio is ~1.0.
 *
 * On two cores the scheduler alone moves results by +-30%: when taskset is there, both
 * servers (every thread) are pinned to CPU 1 and redis-benchmark to CPU 0, so the two
 * targets run under the same conditions.
 */
import { PORTS, type RowContext } from "../lib/context.js";
import { createUntilAvailable, endpointPorts, startEmulator } from "../lib/emulator.js";
import { REDIS_BENCHMARK, spawnBareRedis } from "../lib/engines.js";
import { waitRedisPong } from "../lib/probes.js";
import { existsSync } from "node:fs";
import os from "node:os";
import { engineByPort, freePort, runCommand, stopTracked } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";

type Rates = { SET: number; GET: number };

/** `"SET","58823.53",...` lines of `--csv` output (redis-benchmark 7 prints a header line first). */
export function parseCsv(stdout: string): Rates {
  const rates: Partial<Rates> = {};
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^"(SET|GET)","([\d.]+)"/.exec(line.trim());
    if (m) rates[m[1] as keyof Rates] = Number(m[2]);
  }
  if (rates.SET === undefined || rates.GET === undefined) throw new Error(`cannot parse redis-benchmark output:\n${stdout}`);
  return rates as Rates;
}

const TASKSET = "/usr/bin/taskset";

/** Pins every thread of a process (one we started) to `cpu`. */
async function pin(pid: number, cpu: number): Promise<void> {
  const out = await runCommand(TASKSET, ["-a", "-p", "-c", String(cpu), String(pid)]);
  if (out.code !== 0) throw new Error(`taskset -p ${pid}: ${out.stderr.trim()}`);
}

export async function rowRedisBenchmark(ctx: RowContext): Promise<RowResult[]> {
  const rounds = ctx.quick ? 1 : 5;
  const pinning = existsSync(TASKSET) && os.availableParallelism() >= 2;
  const requests = ctx.quick ? 20_000 : 100_000;
  const harness = await startEmulator(PORTS.redisBenchmark.emulator, "process");
  const bare = spawnBareRedis(await freePort(PORTS.redisBenchmark.bare));
  const bench = async (port: number): Promise<Rates> => {
    const args = ["-h", "127.0.0.1", "-p", String(port), "-t", "set,get", "-n", String(requests), "-c", "50", "-q", "--csv"];
    const out = pinning
      ? await runCommand(TASKSET, ["-c", "0", REDIS_BENCHMARK, ...args], { timeoutMs: 120_000 })
      : await runCommand(REDIS_BENCHMARK, args, { timeoutMs: 120_000 });
    if (out.code !== 0) throw new Error(`redis-benchmark exited ${out.code ?? out.signal}: ${out.stderr.trim()}`);
    return parseCsv(out.stdout);
  };
  const node: Rates[] = [];
  const base: Rates[] = [];
  let nodePort = 0;
  let barePort = 0;
  try {
    const bareArgs = bare.child.spawnargs;
    barePort = Number(bareArgs[bareArgs.indexOf("--port") + 1]);
    await waitRedisPong(barePort);
    const { cluster } = await createUntilAvailable(harness, {
      CacheClusterId: `bench-rb-${process.pid}`,
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumCacheNodes: 1,
    });
    nodePort = endpointPorts(cluster)[0]!;
    if (pinning) {
      const nodePid = engineByPort(nodePort);
      if (nodePid === undefined) throw new Error(`no redis-server of ours on port ${nodePort}`);
      await pin(nodePid, 1);
      await pin(bare.pid, 1);
    }
    // Warm-up on both (not recorded).
    await bench(nodePort);
    await bench(barePort);
    for (let r = 0; r < rounds; r++) {
      ctx.log(`row 4: round ${r + 1}/${rounds}`);
      if (r % 2 === 0) {
        node.push(await bench(nodePort));
        base.push(await bench(barePort));
      } else {
        base.push(await bench(barePort));
        node.push(await bench(nodePort));
      }
    }
  } finally {
    await stopTracked(bare);
    await harness.stop();
  }
  const cmd = `redis-benchmark -t set,get -n ${requests} -c 50 -q --csv${pinning ? " (pinned to CPU 0, both servers to CPU 1)" : ""}`;
  return (["SET", "GET"] as const).map((test, i) => {
    const paired = node.map((x, k) => x[test] / base[k]![test]);
    return row({
      id: `4${"ab"[i]}`,
      name: `redis-benchmark ${test} via node endpoint`,
      unit: "req/s",
      ours: median(node.map((x) => x[test])),
      baseline: median(base.map((x) => x[test])),
      baselineLabel: "bare redis-server",
      goal: { on: "ratio", op: ">=", value: 0.97 },
      note:
        (i === 0 ? `${cmd}; ${rounds} interleaved rounds (order alternates), 1 warm-up each dropped; ` : "") +
        `median of paired ratios ${median(paired).toFixed(3)}`,
      samples: { oursRps: node.map((x) => round3(x[test])), baselineRps: base.map((x) => round3(x[test])), pairedRatios: paired.map(round3) },
    });
  });
}
