/** DeleteReplicationGroup: `deleting` at once; its members and endpoints go, then the group. */
import { modelError } from "../../protocol/model-errors.js";
import { replicationGroupToWire } from "../../state/to-wire.js";
import { notSupportedYet } from "../cache-clusters/cluster-rules.js";
import type { ActionHandler } from "../context.js";
import { findReplicationGroup } from "./replication-group-rules.js";

const deletableStatuses = new Set(["available", "create-failed"]);

export const deleteReplicationGroup: ActionHandler<"DeleteReplicationGroup"> = async (ctx, input) => {
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
  if (!deletableStatuses.has(group.status)) {
    throw modelError(
      "InvalidReplicationGroupStateFault",
      `Replication group ${group.id} is not in a state that allows deletion (current status: ${group.status}).`,
    );
  }
  if (input.FinalSnapshotIdentifier !== undefined) throw notSupportedYet("FinalSnapshotIdentifier");
  if (input.RetainPrimaryCluster && (group.clusterEnabled || group.nodeGroups[0].memberClusterIds.length < 1)) {
    throw modelError("InvalidReplicationGroupStateFault", "RetainPrimaryCluster is only valid for a cluster mode disabled replication group.");
  }
  group.status = "deleting";
  for (const ng of group.nodeGroups) ng.status = "deleting";
  ctx.state.tags.delete(group.arn);
  ctx.services.replication.delete(ctx.state, group, input.RetainPrimaryCluster ?? false);
  return { ReplicationGroup: replicationGroupToWire(group, (id) => ctx.state.clusters.get(id), ctx.services.config.advertisedHost) };
};
