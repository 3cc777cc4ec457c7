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

/** The statuses AWS deletes from, in the order its refusal lists them ("failed" and "incompatible-parameters" never occur here). */
const deletableStatuses = ["available", "failed", "incompatible-parameters", "incompatible-network", "restore-failed"];

export const deleteCacheCluster: ActionHandler<"DeleteCacheCluster"> = async (ctx, input) => {
  const cluster = findCluster(ctx.state, input.CacheClusterId);
  if (!deletableStatuses.includes(cluster.status)) {
    // AWS's words (hashicorp/terraform PR #1331); the provider retries on this code.
    throw modelError("InvalidCacheClusterStateFault", `Can only delete cache clusters with state in: ${deletableStatuses.join(", ")}`);
  }
  // Checked before anything changes: a refused delete keeps the cluster's tags.
  const group = cluster.member ? checkMemberDeletable(ctx.state, cluster) : undefined;
  const finalSnapshot = input.FinalSnapshotIdentifier !== undefined ? planFinalSnapshot(ctx, cluster, input.FinalSnapshotIdentifier) : undefined;
  ctx.state.tags.delete(cluster.arn);
  if (group) {
    // A replica leaves its replication group the way DecreaseReplicaCount removes one.
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

/**
 * AWS refuses to delete the only member of a group, its primary, or the only replica of a
 * group with automatic failover, in its own words (hashicorp/terraform-provider-aws#17647,
 * rebuy-de/aws-nuke PR #273 and #289): the provider stops retrying on the first two.
 */
function checkMemberDeletable(state: RegionState, cluster: CacheClusterRecord): ReplicationGroupRecord {
  const group = state.replicationGroups.get(cluster.member!.replicationGroupId)!;
  const refuse = (message: string) => modelError("InvalidCacheClusterStateFault", message);
  const members = group.nodeGroups.flatMap((ng) => ng.memberClusterIds);
  if (members.length === 1) {
    throw refuse("Cannot delete the cache cluster since it is the only member of a replication group. Delete the replication group instead.");
  }
  if (group.status !== "available") throw refuse(`Cache cluster ${cluster.id} cannot be deleted: its replication group ${group.id} is ${group.status}.`);
  if (group.clusterEnabled) {
    throw refuse(`Cache cluster ${cluster.id} cannot be deleted: it belongs to a cluster mode enabled replication group (use DecreaseReplicaCount).`);
  }
  if (cluster.member!.role === "primary") {
    throw refuse(
      `Cache cluster ${cluster.id} is serving as primary for replication group ${group.id} and cannot be deleted. ` +
        "To delete the entire replication group, use DeleteReplicationGroup.",
    );
  }
  const replicas = group.nodeGroups[0].memberClusterIds.length - 1;
  if (replicas <= 1 && group.automaticFailover) {
    throw refuse(
      `Cannot delete the cache cluster because it is the only read replica for replication group ${group.id} which has autofailover enabled or pending. ` +
        "You can disable autofailover and then delete this cache cluster. Alternatively, to delete the entire replication group, use DeleteReplicationGroup.",
    );
  }
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
