/** DeleteCacheCluster: `deleting` at once, gone once its engines have stopped. */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { CacheClusterRecord, ReplicationGroupRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import type { RegionState } from "../../state/store.js";
import { cacheClusterToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import type { ActionContext } from "../shared/context.js";
import { findCluster, checkQuota } from "../shared/lookups.js";
import { checkNewSnapshotName, checkSnapshotSupported, clusterSnapshot, startClusterSnapshot } from "../snapshots/snapshot-rules.js";

const deletableStatuses = new Set(["available", "incompatible-network", "restore-failed"]);

export const deleteCacheCluster: ActionHandler<"DeleteCacheCluster"> = async (ctx, input) => {
  const cluster = findCluster(ctx.state, input.CacheClusterId);
  if (!deletableStatuses.has(cluster.status)) {
    throw modelError(
      "InvalidCacheClusterStateFault",
      `Cache cluster ${cluster.id} is not in a state that allows deletion (current status: ${cluster.status}).`,
    );
  }
  const finalSnapshot = input.FinalSnapshotIdentifier !== undefined ? planFinalSnapshot(ctx, cluster, input.FinalSnapshotIdentifier) : undefined;
  ctx.state.tags.delete(cluster.arn);
  if (cluster.member) {
    // A replica leaves its replication group the way DecreaseReplicaCount removes one.
    const group = checkMemberDeletable(ctx.state, cluster);
    group.status = "modifying";
    cluster.status = "deleting";
    ctx.services.replication.removeReplicas(ctx.state, group, [cluster]);
  } else {
    cluster.status = "deleting";
    for (const node of cluster.nodes) node.status = "deleting";
    // The final snapshot is taken first: it runs in the cluster's order, before the engines stop.
    if (finalSnapshot) startClusterSnapshot(ctx, finalSnapshot, cluster);
    ctx.services.snapshots.deleteAutomatic(ctx.state, { cacheClusterId: cluster.id });
    ctx.services.clusters.delete(ctx.state, cluster);
  }
  return { CacheCluster: cacheClusterToWire(cluster, { advertisedHost: ctx.services.config.advertisedHost, showCacheNodeInfo: false }) };
};

/** AWS refuses to delete a cluster mode enabled member, a primary, or the last replica of a Multi-AZ group. */
function checkMemberDeletable(state: RegionState, cluster: CacheClusterRecord): ReplicationGroupRecord {
  const group = state.replicationGroups.get(cluster.member!.replicationGroupId)!;
  const refuse = (why: string) => modelError("InvalidCacheClusterStateFault", `Cache cluster ${cluster.id} cannot be deleted: ${why}.`);
  if (group.status !== "available") throw refuse(`its replication group ${group.id} is ${group.status}`);
  if (group.clusterEnabled) throw refuse("it belongs to a cluster mode enabled replication group (use DecreaseReplicaCount)");
  if (cluster.member!.role === "primary") throw refuse(`it is the primary of replication group ${group.id}`);
  const replicas = group.nodeGroups[0].memberClusterIds.length - 1;
  if (replicas <= 1 && group.automaticFailover) throw refuse(`it is the last replica of ${group.id}, which has automatic failover enabled`);
  return group;
}

/** FinalSnapshotIdentifier: a manual snapshot (it outlives the cluster), checked before anything changes. */
function planFinalSnapshot(ctx: ActionContext, cluster: CacheClusterRecord, name: string) {
  checkSnapshotSupported(ctx, cluster);
  if (cluster.member) {
    throw commonErrors.invalidParameterCombination(
      `Cache cluster ${cluster.id} belongs to replication group ${cluster.member.replicationGroupId}: take a final snapshot with DeleteReplicationGroup.`,
    );
  }
  checkNewSnapshotName(ctx.state, name, "FinalSnapshotIdentifier");
  checkQuota(resources.snapshot, ctx);
  return clusterSnapshot(ctx, name, cluster, "manual");
}
