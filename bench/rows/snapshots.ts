/**
 * Row 13: snapshots of 1,000,000 keys.
 *
 * 11a: CreateSnapshot of a Redis node holding 1M keys -> the DescribeSnapshots answer that
 * says `available` (polled over raw HTTP), vs a bare BGSAVE of the same data on a bare
 * redis-server -> INFO persistence says it is done (polled as often). Goal: <= 1.2x.
 *
 * 11b: restore: CreateCacheCluster with SnapshotName -> `available` with the 1M keys
 * loaded, vs spawning a bare redis-server over the bare BGSAVE's RDB -> first +PONG (it
 * answers -LOADING until the RDB is in). Both are checked for 1M keys after the timing.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { PORTS, type RowContext } from "../lib/context.js";
import { endpointPorts, startEmulator, waitAvailable } from "../lib/emulator.js";
import { REDIS_SERVER, scratchDir } from "../lib/engines.js";
import { waitRedisPong } from "../lib/probes.js";
import { freePort, sleep, spawnTracked, stopTracked } from "../lib/procs.js";
import { loadKeys, verifyKeys } from "../lib/cluster-data.js";
import { api, createGroupUntilAvailable, deleteGroupAndWaitGone } from "../lib/replication.js";
import { row, type RowResult } from "../lib/report.js";
import { info, pipelined, redisOnce, type Command } from "../lib/resp.js";
import { median, round3 } from "../lib/stats.js";

const KEYS = 1_000_000;
/**
 * Both sides poll every 20 ms: the operations take about a second, and polling the API
 * much faster would mostly measure the CPU the polling itself takes on a 2-core machine.
 */
const POLL_MS = 20;

async function load(port: number): Promise<void> {
  for (let from = 0; from < KEYS; from += 100_000) {
    const commands: Command[] = Array.from({ length: 100_000 }, (_, i) => ["SET", `bench:key:${from + i}`, `value-${from + i}`]);
    const replies = await pipelined(port, commands, 10_000);
    if (replies.some((r) => r !== "OK")) throw new Error(`loading keys into ${port} failed`);
  }
}

async function dbsize(port: number): Promise<number> {
  return Number(await redisOnce(port, ["DBSIZE"]));
}

async function snapshotStatus(url: string, name: string): Promise<string | undefined> {
  return /<SnapshotStatus>([^<]*)</.exec(await api(url, "DescribeSnapshots", { SnapshotName: name }))?.[1];
}

export async function rowSnapshots(ctx: RowContext): Promise<RowResult[]> {
  // A save of 1M keys takes about a second; on a shared machine the spread between runs is
  // as large as that, so more runs than elsewhere.
  const reps = ctx.quick ? 1 : 5;
  const harness = await startEmulator(PORTS.snapshots.emulator, "process");
  const bareDir = join(scratchDir(), "snapshot-bare");
  mkdirSync(bareDir, { recursive: true });
  const barePort = await freePort(PORTS.snapshots.bare);
  const bare = spawnTracked(REDIS_SERVER, ["--port", String(barePort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", bareDir], { cwd: bareDir });
  const snapshotMs: number[] = [];
  const bgsaveMs: number[] = [];
  const restoreMs: number[] = [];
  const bareLoadMs: number[] = [];
  let n = 0;
  try {
    await waitRedisPong(barePort, { intervalMs: 5 });
    await api(harness.url, "CreateCacheCluster", { CacheClusterId: "bench-snap-src", Engine: "redis", CacheNodeType: "cache.m5.large", NumCacheNodes: 1 });
    const [port] = endpointPorts(await waitAvailable(harness.client, "bench-snap-src"));
    ctx.log(`row 13: loading ${KEYS} keys into the emulator's node and the bare redis-server`);
    await Promise.all([load(port!), load(barePort)]);
    if ((await dbsize(port!)) !== KEYS || (await dbsize(barePort)) !== KEYS) throw new Error("the 1M keys did not all load");

    const runSnapshot = async (name: string) => {
      const t0 = performance.now();
      await api(harness.url, "CreateSnapshot", { CacheClusterId: "bench-snap-src", SnapshotName: name });
      for (;;) {
        const status = await snapshotStatus(harness.url, name);
        if (status === "available") break;
        if (status !== "creating") throw new Error(`snapshot ${name} went ${status}`);
        await sleep(POLL_MS);
      }
      snapshotMs.push(performance.now() - t0);
      // The source is `available` again once the snapshot is (same work queue); wait anyway.
      await waitAvailable(harness.client, "bench-snap-src");
    };
    const runBgsave = async () => {
      const before = Number((await info(barePort, "persistence")).rdb_saves ?? 0);
      const t0 = performance.now();
      await redisOnce(barePort, ["BGSAVE"]);
      for (;;) {
        const p = await info(barePort, "persistence");
        if (p.rdb_bgsave_in_progress === "0" && Number(p.rdb_saves ?? 0) > before) break;
        await sleep(POLL_MS);
      }
      bgsaveMs.push(performance.now() - t0);
    };
    const runRestore = async (name: string) => {
      const id = `bench-restore-${n++}`;
      const t0 = performance.now();
      await api(harness.url, "CreateCacheCluster", { CacheClusterId: id, SnapshotName: name, CacheNodeType: "cache.m5.large" });
      for (;;) {
        const status = /<CacheClusterStatus>([^<]*)</.exec(await api(harness.url, "DescribeCacheClusters", { CacheClusterId: id }))?.[1];
        if (status === "available") break;
        if (status !== "creating") throw new Error(`${id} went ${status} instead of available`);
        await sleep(POLL_MS);
      }
      restoreMs.push(performance.now() - t0);
      const cluster = await waitAvailable(harness.client, id);
      const size = await dbsize(endpointPorts(cluster)[0]!);
      if (size !== KEYS) throw new Error(`${id} is available with ${size} keys, expected ${KEYS}`);
      await api(harness.url, "DeleteCacheCluster", { CacheClusterId: id });
    };
    const runBareLoad = async () => {
      const dir = join(scratchDir(), `snapshot-load-${n}`);
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(bareDir, "dump.rdb"), join(dir, "dump.rdb"));
      const port = await freePort(PORTS.snapshots.bare);
      const t0 = performance.now();
      const proc = spawnTracked(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { cwd: dir });
      try {
        await waitRedisPong(port, { intervalMs: POLL_MS, timeoutMs: 600_000 });
        bareLoadMs.push(performance.now() - t0);
        const size = await dbsize(port);
        if (size !== KEYS) throw new Error(`bare redis-server loaded ${size} keys, expected ${KEYS}`);
      } finally {
        await stopTracked(proc);
      }
    };

    for (let i = 0; i < reps; i++) {
      ctx.log(`row 13: repetition ${i + 1}/${reps}`);
      const name = `bench-snap-${i}`;
      if (i % 2 === 0) {
        await runSnapshot(name);
        await runBgsave();
      } else {
        await runBgsave();
        await runSnapshot(name);
      }
      // Alternated too: the machine is shared, and whichever runs first meets other load.
      if (i % 2 === 0) {
        await runRestore(name);
        await runBareLoad();
      } else {
        await runBareLoad();
        await runRestore(name);
      }
    }
  } finally {
    await stopTracked(bare);
    await harness.stop();
  }
  const paired = snapshotMs.map((x, i) => x / bgsaveMs[i]!);
  return [
    row({
      id: "13a",
      name: "CreateSnapshot, 1M keys",
      unit: "ms",
      ours: median(snapshotMs),
      baseline: median(bgsaveMs),
      baselineLabel: "bare BGSAVE",
      goal: { on: "ratio", op: "<=", value: 1.2 },
      note: `median of ${reps} (median of paired ratios ${median(paired).toFixed(3)}); CreateSnapshot -> DescribeSnapshots available, polled every ${POLL_MS} ms; baseline BGSAVE -> INFO persistence done, polled every ${POLL_MS} ms`,
      samples: { oursMs: snapshotMs.map(round3), baselineMs: bgsaveMs.map(round3), pairedRatios: paired.map(round3) },
    }),
    row({
      id: "13b",
      name: "restore from snapshot, 1M keys",
      unit: "ms",
      ours: median(restoreMs),
      baseline: median(bareLoadMs),
      baselineLabel: "bare redis-server loading the RDB",
      note: `median of ${reps}; CreateCacheCluster SnapshotName -> available (DBSIZE checked after); baseline: spawn over the same data's RDB -> first PONG`,
      samples: { oursMs: restoreMs.map(round3), baselineMs: bareLoadMs.map(round3) },
    }),
  ];
}

/**
 * Row 14: restoring a 3-shard snapshot of 1M keys into 2 shards (each shard's RDB loaded
 * into a temporary engine, keys MIGRATEd to the primary owning their slot) vs into 3
 * shards with the same slots (each primary starts from its own RDB): the cost of
 * spreading the keys by slot. Both: CreateReplicationGroup SnapshotName -> `available`,
 * then every key verified where its slot lives.
 */
export async function rowSnapshotReshard(ctx: RowContext): Promise<RowResult[]> {
  const reps = ctx.quick ? 1 : 2;
  const harness = await startEmulator(PORTS.snapshots.emulator, "process");
  const same: number[] = [];
  const other: number[] = [];
  try {
    const { group } = await createGroupUntilAvailable(harness.url, { ReplicationGroupId: "bench-snap-shards", NumNodeGroups: 3, CacheNodeType: "cache.m5.large" });
    ctx.log(`row 14: loading ${KEYS} keys into 3 shards`);
    await loadKeys(group.configurationPort!, KEYS);
    await api(harness.url, "CreateSnapshot", { ReplicationGroupId: "bench-snap-shards", SnapshotName: "bench-snap-shards" });
    for (;;) {
      const status = await snapshotStatus(harness.url, "bench-snap-shards");
      if (status === "available") break;
      if (status !== "creating") throw new Error(`snapshot went ${status}`);
      await sleep(POLL_MS);
    }
    let n = 0;
    const restore = async (shards: number, into: number[]) => {
      const id = `bench-snap-r${n++}`;
      const { ms, group: restored } = await createGroupUntilAvailable(
        harness.url,
        { ReplicationGroupId: id, SnapshotName: "bench-snap-shards", NumNodeGroups: shards, CacheNodeType: "cache.m5.large" },
        POLL_MS,
      );
      into.push(ms);
      await verifyKeys(restored.configurationPort!, KEYS, { primaries: shards, replicas: 0 });
      await deleteGroupAndWaitGone(harness.url, id);
    };
    for (let i = 0; i < reps; i++) {
      ctx.log(`row 14: repetition ${i + 1}/${reps}`);
      if (i % 2 === 0) {
        await restore(2, other);
        await restore(3, same);
      } else {
        await restore(3, same);
        await restore(2, other);
      }
    }
  } finally {
    await harness.stop();
  }
  return [
    row({
      id: "14",
      name: "restore 3-shard snapshot into 2 shards, 1M keys",
      unit: "ms",
      ours: median(other),
      baseline: median(same),
      baselineLabel: "restore into 3 shards (RDB per primary)",
      note: `median of ${reps}; CreateReplicationGroup SnapshotName -> available, every key verified at the primary owning its slot after`,
      samples: { oursMs: other.map(round3), baselineMs: same.map(round3) },
    }),
  ];
}
