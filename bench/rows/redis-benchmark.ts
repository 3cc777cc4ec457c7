/**
 * Row 4: redis-benchmark SET/GET against a node endpoint the API handed out vs a bare
 * redis-server, the two targets interleaved over several rounds. The endpoint is the
 * engine itself, so the expected ratio is ~1.0.
 */
import { PORTS, type RowContext } from "../lib/context.js";
import { createUntilAvailable, endpointPorts, startEmulator } from "../lib/emulator.js";
import { REDIS_BENCHMARK, spawnBareRedis } from "../lib/engines.js";
import { waitRedisPong } from "../lib/probes.js";
import { freePort, runCommand, stopTracked } from "../lib/procs.js";
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

export async function rowRedisBenchmark(ctx: RowContext): Promise<RowResult[]> {
  const rounds = ctx.quick ? 1 : 3;
  const requests = ctx.quick ? 20_000 : 100_000;
  const harness = await startEmulator(PORTS.redisBenchmark.emulator, "process");
  const bare = spawnBareRedis(await freePort(PORTS.redisBenchmark.bare));
  const bench = async (port: number): Promise<Rates> => {
    const args = ["-h", "127.0.0.1", "-p", String(port), "-t", "set,get", "-n", String(requests), "-c", "50", "-q", "--csv"];
    const out = await runCommand(REDIS_BENCHMARK, args, { timeoutMs: 120_000 });
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
    const { cluster } = await createUntilAvailable(harness.client, {
      CacheClusterId: `bench-rb-${process.pid}`,
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumCacheNodes: 1,
    });
    nodePort = endpointPorts(cluster)[0]!;
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
  const cmd = `redis-benchmark -t set,get -n ${requests} -c 50 -q --csv`;
  return (["SET", "GET"] as const).map((test, i) =>
    row({
      id: `4${"ab"[i]}`,
      name: `redis-benchmark ${test} via node endpoint`,
      unit: "req/s",
      ours: median(node.map((x) => x[test])),
      baseline: median(base.map((x) => x[test])),
      baselineLabel: "bare redis-server",
      goal: { on: "ratio", op: ">=", value: 0.97 },
      note: i === 0 ? `${cmd}; ${rounds} interleaved rounds (order alternates), 1 warm-up each dropped; node port ${nodePort}, bare port ${barePort}` : undefined,
      samples: { oursRps: node.map((x) => round3(x[test])), baselineRps: base.map((x) => round3(x[test])) },
    }),
  );
}
