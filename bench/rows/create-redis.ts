/**
 * Row 1: CreateCacheCluster (one Redis node) -> the first DescribeCacheClusters that says
 * `available`, polled every 1 ms over raw HTTP, vs spawning the same redis-server directly and looping a
 * raw PING until +PONG. Ours and the baseline alternate within each repetition.
 */
import { PORTS, type RowContext } from "../lib/context.js";
import { createUntilAvailable, deleteAndWaitGone, endpointPorts, startEmulator } from "../lib/emulator.js";
import { spawnBareRedis } from "../lib/engines.js";
import { probeOnce, waitRedisPong } from "../lib/probes.js";
import { freePort, stopTracked } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";
import { pairedRuns } from "../lib/paired.js";

const POLL_MS = 1;

export async function rowCreateRedis(ctx: RowContext): Promise<RowResult[]> {
  const reps = ctx.quick ? 3 : 7;
  const harness = await startEmulator(PORTS.createRedis.emulator, "process");
  const ours: number[] = [];
  const bare: number[] = [];
  let n = 0;
  const runOurs = async () => {
    const id = `bench-redis-${process.pid}-${n++}`;
    const { ms, cluster } = await createUntilAvailable(
      harness,
      { CacheClusterId: id, Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 },
      POLL_MS,
    );
    // Outside the timing: the endpoint the API handed out really answers.
    const [port] = endpointPorts(cluster);
    if (!(await probeOnce(port!, "PING\r\n", /^\+PONG\r\n/))) throw new Error(`node endpoint ${port} of ${id} does not answer PING`);
    await deleteAndWaitGone(harness.client, id);
    return ms;
  };
  const runBare = async () => {
    const port = await freePort(PORTS.createRedis.bare);
    const t0 = performance.now();
    const proc = spawnBareRedis(port);
    try {
      await waitRedisPong(port, { intervalMs: 1 });
      return performance.now() - t0;
    } finally {
      await stopTracked(proc);
    }
  };
  try {
    const runs = await pairedRuns(reps, runOurs, runBare, (i) => ctx.log(`row 1: repetition ${i}/${reps}`));
    ours.push(...runs.ours);
    bare.push(...runs.bare);
  } finally {
    await harness.stop();
  }
  const paired = ours.map((x, i) => x / bare[i]!);
  return [
    row({
      id: "1",
      name: "create->available, 1 Redis node",
      unit: "ms",
      ours: median(ours),
      baseline: median(bare),
      baselineLabel: "bare spawn+PING",
      goal: { on: "ratio", op: "<=", value: 2.0 },
      note: `median of ${reps} (1 warm-up dropped; median of paired ratios ${median(paired).toFixed(3)}), raw HTTP create + DescribeCacheClusters polled every ${POLL_MS} ms; baseline re-probes every 1 ms; cluster deleted (and gone) between runs`,
      samples: { oursMs: ours.map(round3), baselineMs: bare.map(round3), pairedRatios: paired.map(round3) },
    }),
  ];
}
