/**
 * ListAllowedNodeTypeModifications: the node types a cache cluster or a replication group
 * may scale up or down to (actions/shared/node-type-rules.ts). Exactly one of CacheClusterId
 * and ReplicationGroupId names it.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import type { ActionHandler } from "../shared/context.js";
import { findCluster, findReplicationGroup } from "../shared/lookups.js";
import { allowedNodeTypes } from "../shared/node-type-rules.js";

export const listAllowedNodeTypeModifications: ActionHandler<"ListAllowedNodeTypeModifications"> = async (ctx, input) => {
  const clusterId = input.CacheClusterId || undefined;
  const groupId = input.ReplicationGroupId || undefined;
  if (clusterId === undefined && groupId === undefined) {
    throw commonErrors.invalidParameterCombination("Either CacheClusterId or ReplicationGroupId must be provided.");
  }
  if (clusterId !== undefined && groupId !== undefined) {
    throw commonErrors.invalidParameterCombination("Only one of CacheClusterId and ReplicationGroupId may be provided.");
  }
  const target = clusterId !== undefined ? { cluster: findCluster(ctx.state, clusterId) } : { group: findReplicationGroup(ctx.state, groupId!) };
  const allowed = await allowedNodeTypes(ctx, target);
  return { ScaleUpModifications: allowed.scaleUp, ScaleDownModifications: allowed.scaleDown };
};
