/**
 * Restoring a snapshot's data into a new cluster or replication group. The action stores
 * the sources on the record (`restore`); this module is the one place that reads the plan
 * (restore-plan.ts) and applies it, at three points of the create the lifecycles call:
 *
 * - a node's first start: each primary starts from the RDB covering most of its slots
 *   (an RDB loads at engine speed);
 * - before the topology is wired: seeded cluster mode primaries drop the slots they claimed
 *   on loading (the keys stay);
 * - after: seeded primaries delete the keys of other shards' slots, and keys no seed brought
 *   move in from each source, by slot (redistribute.ts).
 *
 * The plan is dropped once applied, so a later restart or replacement starts as AWS's would.
 */
import type { EngineNode } from "../engines/engine.js";
import type { NodeLauncher } from "../nodes/node-launcher.js";
import { clusterSlotOwners } from "../engines/topology/index.js";
import type { Logger } from "../logger.js";
import type { CacheClusterRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import { dropForeignKeys, redistribute, releaseClaimedSlots } from "./redistribute.js";
import { planRestore, slotSet, type RestorePlan } from "./restore-plan.js";

export interface DataRestoreOptions {
  launcher: NodeLauncher;
  /** Scratch space for the temporary engines of a restore into another layout. */
  scratchRoot: string;
  logger: Logger;
}

/** A node group's primary engine and its slots, in node group order. */
export interface RestoreShard {
  slots: string;
  primary: EngineNode;
}

function planOf(group: ReplicationGroupRecord): RestorePlan | undefined {
  if (!group.restore) return undefined;
  return planRestore(
    group.restore.sources,
    group.nodeGroups.map((ng) => (group.clusterEnabled ? ng.slots : undefined)),
  );
}

/** The RDB a node of a cluster being created starts from: a standalone cluster's source, or its node group's seed for a primary. */
export function seedFile(region: RegionState, cluster: CacheClusterRecord): string | undefined {
  if (cluster.status !== "creating") return undefined;
  if (!cluster.member) return cluster.restore?.sources[0]?.file;
  const group = region.replicationGroups.get(cluster.member.replicationGroupId);
  const plan = group && planOf(group);
  if (!group?.restore || !plan) return undefined;
  const index = group.nodeGroups.findIndex((ng) => ng.primaryClusterId === cluster.id);
  return index < 0 ? undefined : group.restore.sources[plan.seedOf[index]!]?.file;
}

export class DataRestore {
  constructor(private readonly options: DataRestoreOptions) {}

  /** Before the topology: seeded cluster mode primaries drop the slots they claimed on loading. */
  async beforeTopology(group: ReplicationGroupRecord, shards: RestoreShard[]): Promise<void> {
    if (!group.clusterEnabled || !group.restore) return;
    await Promise.all(shards.map((s) => releaseClaimedSlots(s.primary)));
  }

  /**
   * After the topology: seeded primaries delete the keys of other shards' slots, and keys
   * that no seed brought move in from each source, by slot. The plan is then done.
   */
  async afterTopology(group: ReplicationGroupRecord, shards: RestoreShard[]): Promise<void> {
    const plan = planOf(group);
    const sources = group.restore?.sources;
    if (!plan || !sources) return;
    group.restore = undefined;
    const started = Date.now();
    if (group.clusterEnabled) {
      const owners = await clusterSlotOwners(shards[0]!.primary);
      const dropped = await Promise.all(shards.map((s) => dropForeignKeys(s.primary, owners, slotSet(s.slots))));
      this.options.logger.debug("restored primaries dropped other shards' keys", { group: group.id, keys: dropped.reduce((a, b) => a + b, 0) });
    }
    const moved = await redistribute(
      this.options.launcher,
      sources.map((s, i) => ({ file: s.file, to: plan.migrateTo[i]! })),
      shards.map((s) => ({ slots: group.clusterEnabled ? s.slots : undefined, primary: s.primary })),
      { engine: group.engine, engineVersion: group.engineVersion, scratchRoot: this.options.scratchRoot, name: `${group.id}/restore` },
    );
    if (moved > 0) this.options.logger.info("restored keys by slot", { group: group.id, keys: moved, ms: Date.now() - started });
  }
}
