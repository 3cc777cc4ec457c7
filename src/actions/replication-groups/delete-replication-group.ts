/** DeleteReplicationGroup: `deleting` at once; its members and endpoints go, then the group. */
import { modelError } from "../../service-errors/elasticache.js";
import { resources } from "../../state/resources.js";
import { replicationGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkQuota, findReplicationGroup } from "../shared/lookups.js";
import { checkNewSnapshotName, groupSnapshot, startGroupSnapshot } from "../snapshots/snapshot-rules.js";

const deletableStatuses = new Set(["available", "create-failed"]);

export const deleteReplicationGroup: ActionHandler<"DeleteReplicationGroup"> = async (ctx, input) => {
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
  if (group.global) {
    // A member of a global datastore leaves it first (DisassociateGlobalReplicationGroup, or DeleteGlobalReplicationGroup for its primary).
    throw modelError(
      "InvalidReplicationGroupStateFault",
      `Replication group ${group.id} is a member of Global datastore ${group.global.globalReplicationGroupId}: remove it from the Global datastore before deleting it.`,
    );
  }
  if (!deletableStatuses.has(group.status)) {
    throw modelError(
      "InvalidReplicationGroupStateFault",
      `Replication group ${group.id} is not in a state that allows deletion (current status: ${group.status}).`,
    );
  }
  if (input.RetainPrimaryCluster && (group.clusterEnabled || group.nodeGroups[0].memberClusterIds.length < 1)) {
    throw modelError("InvalidReplicationGroupStateFault", "RetainPrimaryCluster is only valid for a cluster mode disabled replication group.");
  }
  let finalSnapshot;
  if (input.FinalSnapshotIdentifier !== undefined) {
    checkNewSnapshotName(ctx.state, input.FinalSnapshotIdentifier, "FinalSnapshotIdentifier");
    checkQuota(resources.snapshot, ctx);
    finalSnapshot = groupSnapshot(ctx, input.FinalSnapshotIdentifier, group, "manual");
  }
  group.status = "deleting";
  for (const ng of group.nodeGroups) ng.status = "deleting";
  // Taken in the group's order, before its members stop; automatic snapshots go with the group.
  if (finalSnapshot) startGroupSnapshot(ctx, finalSnapshot, group);
  ctx.services.snapshots.deleteAutomatic(ctx.state, { replicationGroupId: group.id });
  ctx.state.tags.delete(group.arn);
  ctx.services.replication.delete(ctx.state, group, input.RetainPrimaryCluster ?? false);
  return { ReplicationGroup: replicationGroupToWire(group, (id) => ctx.state.clusters.get(id), ctx.services.config.advertisedHost) };
};
