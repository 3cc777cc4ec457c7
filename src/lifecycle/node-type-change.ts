/**
 * Applying a node type change that waits in PendingModifiedValues (ModifyCacheCluster /
 * ModifyReplicationGroup with ApplyImmediately=false): the new type reaches the records and
 * the engines take its memory, keeping their data (a standalone cluster through
 * ClusterLifecycle.modify; a replication group member by member, replicas first, then each
 * primary after a failover: ReplicationLifecycle.modify). The maintenance window calls
 * applyPendingNodeType; a replication group's pending type is kept on its member clusters,
 * whose PendingModifiedValues show it, as AWS shows it.
 */
import type { CacheClusterRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import type { ClusterLifecycle } from "./cluster-lifecycle.js";
import type { ReplicationLifecycle } from "./replication-lifecycle.js";

export interface NodeTypeLifecycles {
  clusters: Pick<ClusterLifecycle, "modify">;
  replication: Pick<ReplicationLifecycle, "modify">;
}

type Target = CacheClusterRecord | ReplicationGroupRecord;

function isGroup(target: Target): target is ReplicationGroupRecord {
  return "nodeGroups" in target;
}

function membersOf(region: RegionState, group: ReplicationGroupRecord): CacheClusterRecord[] {
  return group.nodeGroups.flatMap((ng) => ng.memberClusterIds.map((id) => region.clusters.get(id))).filter((c): c is CacheClusterRecord => c !== undefined);
}

/** The node type waiting for the target, if any. */
export function pendingNodeType(region: RegionState, target: Target): string | undefined {
  if (!isGroup(target)) return target.pending.cacheNodeType;
  return membersOf(region, target).find((m) => m.pending.cacheNodeType !== undefined)?.pending.cacheNodeType;
}

/** Records a node type change that waits (ApplyImmediately=false): on the cluster, or on every member of the group. */
export function deferNodeType(region: RegionState, target: Target, nodeType: string): void {
  const holders = isGroup(target) ? membersOf(region, target) : [target];
  for (const cluster of holders) cluster.pending = { ...cluster.pending, cacheNodeType: nodeType };
}

/**
 * Writes `nodeType` into the records as the type they run (the group, its members) and
 * clears what waited; the records become `modifying`. The caller starts the work.
 */
export function takeNodeType(region: RegionState, target: Target, nodeType: string): void {
  target.cacheNodeType = nodeType;
  target.status = "modifying";
  if (!isGroup(target)) {
    delete target.pending.cacheNodeType;
    return;
  }
  for (const member of membersOf(region, target)) {
    member.cacheNodeType = nodeType;
    delete member.pending.cacheNodeType;
    member.status = "modifying";
  }
}

/**
 * Applies the target's pending node type now, if it has one and is `available`: the
 * records take it and its engines take the new memory with their data. True when a change
 * was started; the target is `modifying` until it is done.
 */
export function applyPendingNodeType(lifecycles: NodeTypeLifecycles, region: RegionState, target: Target): boolean {
  const nodeType = pendingNodeType(region, target);
  if (nodeType === undefined || target.status !== "available") return false;
  takeNodeType(region, target, nodeType);
  if (isGroup(target)) lifecycles.replication.modify(region, target, { membersChanged: true, nodeTypeChanged: true });
  else lifecycles.clusters.modify(region, target);
  return true;
}
