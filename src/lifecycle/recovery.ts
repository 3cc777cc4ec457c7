/**
 * Brings back every resource of a restored state (data dir) after the emulator starts:
 * replication groups with their members, then standalone clusters, all side by side;
 * records without engines (users, user groups, snapshots) finish the step they were in.
 * Each resource shows a transitional status until its engines answer again, so the
 * `available` waiters tell when it is back.
 */
import { reservePorts } from "../process/ports.js";
import type { Logger } from "../logger.js";
import { allKinds, collectionOf } from "../state/resources.js";
import type { CacheClusterRecord } from "../state/records.js";
import type { RegionState, Store } from "../state/store.js";
import type { ClusterLifecycle } from "./cluster-lifecycle.js";
import type { ReplicationLifecycle } from "./replication-lifecycle.js";

export interface RecoveryDeps {
  store: Store;
  clusters: ClusterLifecycle;
  replication: ReplicationLifecycle;
  logger: Logger;
}

/** Starts the recovery of everything in the store; resolves when every resource is done (back, deleted or failed). */
export function recoverResources({ store, clusters, replication, logger }: RecoveryDeps): Promise<void> {
  // A node whose port was taken meanwhile moves to a free port of the range, never to another resource's.
  const release = reservePorts(recordedPorts(store));
  const work: Array<Promise<void>> = [];
  for (const region of store.allRegions()) {
    settleRecords(region);
    for (const cluster of region.clusters.values()) migrateLegacyFields(cluster);
    for (const group of [...region.replicationGroups.values()]) work.push(replication.restore(region, group));
    for (const cluster of [...region.clusters.values()]) {
      // Members come back with their group; a member whose group record is gone stands alone.
      if (cluster.member && region.replicationGroups.has(cluster.member.replicationGroupId)) continue;
      if (cluster.member) cluster.member = undefined;
      work.push(clusters.restore(region, cluster));
    }
  }
  if (work.length > 0) logger.info(`restoring ${work.length} resource(s) from the data dir`);
  return Promise.all(work).then(release, release);
}

/** Ports held by every record of a kind that declares ports (state/resources.ts). */
function recordedPorts(store: Store): number[] {
  const ports: number[] = [];
  for (const region of store.allRegions()) {
    for (const kind of allKinds) {
      if (!kind.ports) continue;
      for (const record of collectionOf(kind, region)?.values() ?? []) ports.push(...kind.ports(record));
    }
  }
  return ports;
}

/**
 * Records without engines finish the step they were in, as their kind declares
 * (state/resources.ts settle); one whose kind says "remove" was being deleted and is gone,
 * with its tags.
 */
function settleRecords(region: RegionState): void {
  for (const kind of allKinds) {
    if (!kind.settle) continue;
    const records = collectionOf(kind, region);
    for (const [id, record] of records ?? []) {
      if (kind.settle(record) === "remove") {
        records!.delete(id);
        region.tags.delete(kind.arnOf!(record));
      }
    }
  }
}

/**
 * Records written by earlier versions: cluster mode directives (`engineParams`) are computed
 * at each node start now (node-runner.ts), and a standalone cluster's seed RDB (`seedRdb`)
 * is its `restore` plan. A member's old seed is dropped: its group's plan was never stored.
 */
function migrateLegacyFields(cluster: CacheClusterRecord): void {
  const legacy = cluster as CacheClusterRecord & { engineParams?: unknown; seedRdb?: string };
  delete legacy.engineParams;
  if (legacy.seedRdb !== undefined && !cluster.member) cluster.restore ??= { sources: [{ file: legacy.seedRdb }] };
  delete legacy.seedRdb;
}
