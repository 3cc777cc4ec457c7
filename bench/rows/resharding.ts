/**
 * Row 10: online resharding 3 -> 4 shards with 100,000 keys. A cluster mode enabled
 * replication group (3 shards x 1 replica) is loaded with 100,000 keys (pipelined SETs at
 * the primary owning each key's slot), then ModifyReplicationGroupShardConfiguration
 * NodeGroupCount=4 ApplyImmediately=true; timed from the call to the DescribeReplicationGroups
 * answer that says `available` again (polled every 5 ms, recording any
 * Resharding/SlotMigration/ProgressPercentage). Then every key is verified: DBSIZE over the
 * primaries sums to 100,000 and every key reads back its value where its slot now lives.
 *
 * Baseline, in the same run: a bare Redis Cluster of the same shape and data, grown by
 * hand with redis-cli (spawn a primary and a replica, `--cluster add-node` both,
 * `--cluster rebalance --cluster-use-empty-masters`, until `--cluster check` agrees).
 * Keys moved = what the primaries gained (DBSIZE before/after), for keys/s.
 */
import { startBareCluster } from "../lib/bare-cluster.js";
import { keysMoved, loadKeys, verifyKeys, waitSlotsLayout, type ClusterCensus } from "../lib/cluster-data.js";
import { PORTS, type RowContext } from "../lib/context.js";
import { startEmulator } from "../lib/emulator.js";
import { ApiError, api, createGroupUntilAvailable, deleteGroupQuietly, waitGroupAvailable } from "../lib/replication.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";

const KEYS = 100_000;
const POLL_MS = 5;

interface Sample {
  ms: number;
  moved: number;
  keysPerS: number;
  /** [ms since the call, percentage] whenever the reported progress changed. */
  progress?: Array<[number, number]>;
  perPrimaryBefore: number[];
  perPrimaryAfter: number[];
}

const sizes = (c: ClusterCensus) => [...c.dbsize.values()].sort((a, b) => a - b);

export async function rowResharding(ctx: RowContext): Promise<RowResult[]> {
  const reps = ctx.quick ? 1 : 3;
  const nodePorts = PORTS.resharding.emulator;
  const harness = await startEmulator(nodePorts, "process");
  const ours: Sample[] = [];
  const bare: Sample[] = [];
  let n = 0;

  const runOurs = async () => {
    const id = `bench-rs-${n++}`;
    try {
      let group;
      try {
        ({ group } = await createGroupUntilAvailable(harness.url, { ReplicationGroupId: id, NumNodeGroups: 3, ReplicasPerNodeGroup: 1 }));
      } catch (error) {
        throw new Error(`cannot create the cluster mode enabled group to reshard: ${(error as Error).message}`);
      }
      const entry = group.configurationPort;
      if (entry === undefined) throw new Error(`${id} is available without a ConfigurationEndpoint`);
      await loadKeys(entry, KEYS);
      const before = await verifyKeys(entry, KEYS, { primaries: 3, replicas: 1 });
      const progress: Array<[number, number]> = [];
      const t0 = performance.now();
      try {
        await api(harness.url, "ModifyReplicationGroupShardConfiguration", { ReplicationGroupId: id, NodeGroupCount: 4, ApplyImmediately: true });
      } catch (error) {
        if (error instanceof ApiError && (error.code === "NotImplemented" || error.code === "InvalidAction")) {
          throw new Error(`resharding is not implemented by the emulator yet (ModifyReplicationGroupShardConfiguration answered ${error.message}); no figure reported`);
        }
        throw error;
      }
      const after = await waitGroupAvailable(harness.url, id, {
        pollMs: POLL_MS,
        timeoutMs: 600_000,
        onPoll: (g) => {
          const p = g.reshardingProgress;
          if (p !== undefined && progress[progress.length - 1]?.[1] !== p) progress.push([round3(performance.now() - t0), p]);
        },
      });
      const ms = performance.now() - t0;
      if (after.nodeGroups.length !== 4) throw new Error(`${id} is available with ${after.nodeGroups.length} node groups, expected 4`);
      let c: ClusterCensus;
      try {
        c = await verifyKeys(entry, KEYS, { primaries: 4, replicas: 1 });
      } catch (error) {
        throw new Error(`${id} says available after resharding, but: ${(error as Error).message}`);
      }
      const moved = keysMoved(before, c);
      ours.push({ ms, moved, keysPerS: moved / (ms / 1000), progress, perPrimaryBefore: sizes(before), perPrimaryAfter: sizes(c) });
    } finally {
      await deleteGroupQuietly(harness.url, id);
    }
  };

  const runBare = async () => {
    const cluster = await startBareCluster(3, 1, PORTS.resharding.bare, PORTS.resharding.bus);
    try {
      const entry = cluster.ports[0]!;
      await waitSlotsLayout(entry, { primaries: 3, replicas: 1 });
      await loadKeys(entry, KEYS);
      const before = await verifyKeys(entry, KEYS, { primaries: 3, replicas: 1 });
      const t0 = performance.now();
      await cluster.addShard(1);
      // Like `available`: the new shard's replica is synced and listed.
      await waitSlotsLayout(entry, { primaries: 4, replicas: 1 });
      const ms = performance.now() - t0;
      const c = await verifyKeys(entry, KEYS, { primaries: 4, replicas: 1 });
      const moved = keysMoved(before, c);
      bare.push({ ms, moved, keysPerS: moved / (ms / 1000), perPrimaryBefore: sizes(before), perPrimaryAfter: sizes(c) });
    } finally {
      await cluster.stop();
    }
  };

  try {
    for (let i = 0; i < reps; i++) {
      ctx.log(`row 10: repetition ${i + 1}/${reps}`);
      if (i % 2 === 0) {
        await runOurs();
        await runBare();
      } else {
        await runBare();
        await runOurs();
      }
    }
  } finally {
    await harness.stop();
  }
  const reported = ours.some((s) => s.progress?.length);
  const samples = { ours, baseline: bare };
  return [
    row({
      id: "10a",
      name: "reshard 3->4 shards, 100k keys",
      unit: "ms",
      ours: median(ours.map((s) => s.ms)),
      baseline: median(bare.map((s) => s.ms)),
      baselineLabel: "bare redis-cli add-node+rebalance",
      note:
        `median of ${reps}; call -> available (DescribeReplicationGroups every ${POLL_MS} ms), every key verified after; ` +
        `median ${median(ours.map((s) => s.moved))} keys moved (baseline ${median(bare.map((s) => s.moved))}); ` +
        (reported ? "the emulator reports ProgressPercentage (see samples)" : "the emulator reported no ProgressPercentage") +
        "; baseline: redis-cli --cluster defaults (MIGRATE pipeline 10), spawn of its 2 new nodes included",
      samples,
    }),
    row({
      id: "10b",
      name: "reshard 3->4 shards, keys moved per second",
      unit: "keys/s",
      ours: median(ours.map((s) => s.keysPerS)),
      baseline: median(bare.map((s) => s.keysPerS)),
      baselineLabel: "bare redis-cli add-node+rebalance",
      note: "keys moved (DBSIZE gained by the primaries) / the whole call -> available time",
      samples: { see: "10a" },
    }),
  ];
}
