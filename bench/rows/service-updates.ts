/**
 * Row 18: a service update rolling through a 3-shard x 1-replica cluster mode group
 * (BatchApplyUpdateAction) while one ioredis Cluster client writes in a loop through the
 * ConfigurationEndpoint. Three figures:
 * - total time: from BatchApplyUpdateAction to the action `complete` (6 nodes, 3 planned
 *   failovers). Baseline: 6 bare redis-server restarts on one port (SIGTERM, spawn, PONG),
 *   the least such a roll could cost.
 * - longest write pause: the longest gap between two acknowledged writes during the roll.
 *   Baseline: the longest gap of the same load over a quiet period of the same length.
 * - writes lost: acknowledged keys missing (or wrong) afterwards; goal 0. Baseline: the
 *   writes acknowledged during the roll (ratio = the fraction lost).
 */
import { BatchApplyUpdateActionCommand, DescribeServiceUpdatesCommand, DescribeUpdateActionsCommand } from "@aws-sdk/client-elasticache";
import { Cluster } from "ioredis";
import { PORTS, type RowContext } from "../lib/context.js";
import { startEmulator } from "../lib/emulator.js";
import { spawnBareRedis } from "../lib/engines.js";
import { waitRedisPong } from "../lib/probes.js";
import { freePort, sleep, stopTracked } from "../lib/procs.js";
import { createGroupUntilAvailable, deleteGroupQuietly } from "../lib/replication.js";
import { row, type RowResult } from "../lib/report.js";
import { round3 } from "../lib/stats.js";

const GROUP = "bench-su";
const NAME = "rolling service update, 3 shards x 1 replica, under writes";

interface Load {
  /** performance.now() of each acknowledged write, with its key. */
  acked: Array<{ key: string; at: number }>;
  failed: number;
  stop(): Promise<void>;
}

function startLoad(cluster: Cluster, prefix: string): Load {
  const acked: Load["acked"] = [];
  let failed = 0;
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const key = `${prefix}:${i}`;
      try {
        await cluster.set(key, String(i));
        acked.push({ key, at: performance.now() });
      } catch {
        failed++;
        await sleep(5);
      }
    }
  })();
  return {
    acked,
    get failed() {
      return failed;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** The longest gap between two acknowledged writes within [from, to]. */
function longestPause(acked: Load["acked"], from: number, to: number): number {
  const times = [from, ...acked.map((a) => a.at).filter((t) => t >= from && t <= to), to];
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return longest;
}

async function lost(cluster: Cluster, acked: Load["acked"]): Promise<number> {
  let missing = 0;
  for (let i = 0; i < acked.length; i += 500) {
    const chunk = acked.slice(i, i + 500);
    const values = await Promise.all(chunk.map((a) => cluster.get(a.key)));
    chunk.forEach((a, j) => {
      if (values[j] !== a.key.slice(a.key.lastIndexOf(":") + 1)) missing++;
    });
  }
  return missing;
}

export async function rowServiceUpdate(ctx: RowContext): Promise<RowResult[]> {
  const harness = await startEmulator(PORTS.serviceUpdates.emulator, "process");
  let cluster: Cluster | undefined;
  try {
    const { group } = await createGroupUntilAvailable(harness.url, { ReplicationGroupId: GROUP, NumNodeGroups: 3, ReplicasPerNodeGroup: 1 });
    const { ServiceUpdates = [] } = await harness.client.send(new DescribeServiceUpdatesCommand({ ServiceUpdateStatus: ["available"] }));
    const update = ServiceUpdates.find((u) => u.Engine?.includes("redis") && !u.AutoUpdateAfterRecommendedApplyByDate)?.ServiceUpdateName;
    if (!update) throw new Error("no available Redis service update in the catalogue");

    cluster = new Cluster([{ host: "127.0.0.1", port: group.configurationPort! }], {
      clusterRetryStrategy: () => 10,
      retryDelayOnFailover: 10,
      retryDelayOnClusterDown: 10,
      redisOptions: { maxRetriesPerRequest: 100, retryStrategy: () => 10 },
    });
    cluster.on("error", () => undefined);
    const load = startLoad(cluster, "su");
    while (load.acked.length < 200) await sleep(5);

    ctx.log("row 18: rolling the update through 6 nodes");
    const t0 = performance.now();
    await harness.client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: update, ReplicationGroupIds: [GROUP] }));
    let nodesUpdated = "";
    for (const deadline = Date.now() + 300_000; ; ) {
      const { UpdateActions = [] } = await harness.client.send(new DescribeUpdateActionsCommand({ ServiceUpdateName: update, ReplicationGroupIds: [GROUP] }));
      const action = UpdateActions[0];
      if (action?.UpdateActionStatus === "complete") {
        nodesUpdated = action.NodesUpdated ?? "";
        break;
      }
      if (action?.UpdateActionStatus === "stopped") throw new Error(`the update stopped (${action.NodesUpdated})`);
      if (Date.now() > deadline) throw new Error(`the update did not complete within 300 s (${action?.UpdateActionStatus} ${action?.NodesUpdated})`);
      await sleep(10);
    }
    const t1 = performance.now();
    const totalMs = t1 - t0;
    const pauseDuring = longestPause(load.acked, t0, t1);

    // Baseline of the pause: the same load over a quiet period as long as the roll.
    ctx.log("row 18: the same load without an update");
    const q0 = performance.now();
    await sleep(totalMs);
    const q1 = performance.now();
    const pauseQuiet = longestPause(load.acked, q0, q1);
    await load.stop();
    const duringRoll = load.acked.filter((a) => a.at >= t0 && a.at <= t1).length;
    const writesLost = await lost(cluster, load.acked);

    // Baseline of the total: 6 bare restarts of a redis-server on one port.
    const port = await freePort(PORTS.serviceUpdates.bare);
    const b0 = performance.now();
    for (let i = 0; i < 6; i++) {
      const bare = spawnBareRedis(port);
      await waitRedisPong(port, { intervalMs: 1 });
      await stopTracked(bare);
    }
    const bareMs = performance.now() - b0;

    const samples = { totalMs: round3(totalMs), bareRestartsMs: round3(bareMs), pauseDuringMs: round3(pauseDuring), pauseQuietMs: round3(pauseQuiet), acked: load.acked.length, duringRoll, failedWrites: load.failed, nodesUpdated, writesLost };
    return [
      row({
        id: "18a",
        name: `${NAME}: total time`,
        unit: "ms",
        ours: totalMs,
        baseline: bareMs,
        baselineLabel: "6 bare redis-server restarts",
        note: `BatchApplyUpdateAction -> complete (NodesUpdated ${nodesUpdated}): replicas restarted keeping their data, primaries moved by planned CLUSTER FAILOVER; one run`,
        samples,
      }),
      row({
        id: "18b",
        name: `${NAME}: longest write pause`,
        unit: "ms",
        ours: pauseDuring,
        baseline: pauseQuiet,
        baselineLabel: "longest pause, same load, no update",
        note: `longest gap between two acknowledged SETs of one ioredis Cluster client through the ConfigurationEndpoint; ${load.failed} writes failed after the client's retries`,
        samples,
      }),
      row({
        id: "18c",
        name: `${NAME}: writes lost`,
        unit: "writes",
        ours: writesLost,
        baseline: Math.max(1, duringRoll),
        baselineLabel: "writes acknowledged during the roll",
        goal: { on: "ours", op: "<=", value: 0 },
        note: `acknowledged keys missing or wrong afterwards, out of ${load.acked.length} acknowledged in all; goal 0`,
        samples,
      }),
    ];
  } finally {
    cluster?.disconnect();
    await deleteGroupQuietly(harness.url, GROUP);
    await harness.stop();
  }
}
