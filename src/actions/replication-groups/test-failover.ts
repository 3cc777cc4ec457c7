/** TestFailover: promotes a replica of the node group, as AWS's planned failover does. */
import { modelError } from "../../service-errors/elasticache.js";
import { replicationGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { findNodeGroup, findReplicationGroup, requireGroupAvailable } from "../shared/lookups.js";

export const testFailover: ActionHandler<"TestFailover"> = async (ctx, input) => {
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
  requireGroupAvailable(group);
  const nodeGroup = findNodeGroup(group, input.NodeGroupId);
  if (!group.automaticFailover) {
    throw modelError("TestFailoverNotAvailableFault", `Automatic failover is not enabled for replication group ${group.id}.`);
  }
  if (nodeGroup.memberClusterIds.length < 2) {
    throw modelError("TestFailoverNotAvailableFault", `Node group ${nodeGroup.id} has no replica to fail over to.`);
  }
  group.status = "modifying";
  nodeGroup.status = "modifying";
  ctx.services.replication.testFailover(ctx.state, group, nodeGroup);
  return { ReplicationGroup: replicationGroupToWire(group, (id) => ctx.state.clusters.get(id), ctx.services.config.advertisedHost) };
};
