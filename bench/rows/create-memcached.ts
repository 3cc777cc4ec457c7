/**
 * Row 2: CreateCacheCluster (3-node Memcached) -> `available`, vs spawning three memcached
 * in parallel until each answers `version`.
 */
import { PORTS, type RowContext } from "../lib/context.js";
import { createUntilAvailable, deleteAndWaitGone, endpointPorts, startEmulator } from "../lib/emulator.js";
import { spawnBareMemcached } from "../lib/engines.js";
import { probeOnce, waitMemcachedVersion } from "../lib/probes.js";
import { freePort, stopTracked, type Tracked } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";
import { pairedRuns } from "../lib/paired.js";

const POLL_MS = 1;
const NODES = 3;

export async function rowCreateMemcached(ctx: RowContext): Promise<RowResult[]> {
  const reps = ctx.quick ? 3 : 7;
  const harness = await startEmulator(PORTS.createMemcached.emulator, "process");
  const ours: number[] = [];
  const bare: number[] = [];
  let n = 0;
  const runOurs = async () => {
    const id = `bench-mc-${process.pid}-${n++}`;
    const { ms, cluster } = await createUntilAvailable(
      harness,
      { CacheClusterId: id, Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: NODES },
      POLL_MS,
    );
    const ports = endpointPorts(cluster);
    if (ports.length !== NODES) throw new Error(`${id} has ${ports.length} nodes, expected ${NODES}`);
    for (const port of ports) {
      if (!(await probeOnce(port, "version\r\n", /^VERSION /))) throw new Error(`node endpoint ${port} of ${id} does not answer version`);
    }
    await deleteAndWaitGone(harness.client, id);
    return ms;
  };
  const runBare = async () => {
    const ports: number[] = [];
    for (let i = 0; i < NODES; i++) ports.push(await freePort(PORTS.createMemcached.bare));
    const procs: Tracked[] = [];
    const t0 = performance.now();
    try {
      for (const port of ports) procs.push(spawnBareMemcached(port));
      await Promise.all(ports.map((port) => waitMemcachedVersion(port, { intervalMs: 1 })));
      return performance.now() - t0;
    } finally {
      await Promise.all(procs.map((p) => stopTracked(p)));
    }
  };
  try {
    const runs = await pairedRuns(reps, runOurs, runBare, (i) => ctx.log(`row 2: repetition ${i}/${reps}`));
    ours.push(...runs.ours);
    bare.push(...runs.bare);
  } finally {
    await harness.stop();
  }
  const paired = ours.map((x, i) => x / bare[i]!);
  return [
    row({
      id: "2",
      name: "create->available, 3-node Memcached",
      unit: "ms",
      ours: median(ours),
      baseline: median(bare),
      baselineLabel: "3 bare spawns+version",
      goal: { on: "ratio", op: "<=", value: 2.0 },
      note: `median of ${reps} (1 warm-up dropped; median of paired ratios ${median(paired).toFixed(3)}), raw HTTP create + DescribeCacheClusters polled every ${POLL_MS} ms; ours also starts the Auto Discovery endpoint`,
      samples: { oursMs: ours.map(round3), baselineMs: bare.map(round3), pairedRatios: paired.map(round3) },
    }),
  ];
}
