/**
 * ModifyReplicationGroupShardConfiguration: adds or removes node groups of a cluster mode
 * enabled group, with live slot migration that loses no key.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import type { NodeGroupRecord } from "../../state/records.js";
import { replicationGroupToWire } from "../../state/to-wire.js";
import { checkNodeCapacity, groupNodePorts, NODES_PER_CLUSTER_MODE_GROUP } from "../shared/capacity.js";
import type { ActionHandler } from "../shared/context.js";
import { findNodeGroup, findReplicationGroup, requireGroupAvailable } from "../shared/lookups.js";
import { addMember } from "../shared/member-clusters.js";
import { MAX_NODE_GROUPS } from "./replication-group-rules.js";

export const modifyReplicationGroupShardConfiguration: ActionHandler<"ModifyReplicationGroupShardConfiguration"> = async (ctx, input) => {
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
  requireGroupAvailable(group);
  if (!group.clusterEnabled) {
    throw commonErrors.invalidParameterCombination("Shard configuration can only be modified on a cluster mode enabled replication group.");
  }
  if (!input.ApplyImmediately) throw commonErrors.invalidParameterValue("ApplyImmediately must be true: resharding applies at once.");
  const count = input.NodeGroupCount;
  if (count < 1 || count > MAX_NODE_GROUPS) throw commonErrors.invalidParameterValue(`NodeGroupCount must be between 1 and ${MAX_NODE_GROUPS}.`);
  const current = group.nodeGroups.length;
  const toRemove = input.NodeGroupsToRemove ?? [];
  const toRetain = input.NodeGroupsToRetain ?? [];

  let removed: NodeGroupRecord[] = [];
  if (count < current) {
    if ((toRemove.length > 0) === (toRetain.length > 0)) {
      throw commonErrors.invalidParameterValue("To reduce NodeGroupCount, specify either NodeGroupsToRemove or NodeGroupsToRetain.");
    }
    removed = toRemove.length
      ? toRemove.map((id) => findNodeGroup(group, id))
      : group.nodeGroups.filter((ng) => !toRetain.map((id) => findNodeGroup(group, id).id).includes(ng.id));
    if (group.nodeGroups.length - new Set(removed).size !== count) {
      throw commonErrors.invalidParameterValue(`Removing ${removed.length} node group(s) from ${current} does not leave NodeGroupCount ${count}.`);
    }
  } else if (toRemove.length || toRetain.length) {
    throw commonErrors.invalidParameterCombination("NodeGroupsToRemove and NodeGroupsToRetain are only valid when NodeGroupCount decreases.");
  }

  const replicas = group.nodeGroups[0].memberClusterIds.length - 1;
  const adding = Math.max(count - current, 0) * (1 + replicas);
  const nodes = group.nodeGroups.reduce((n, ng) => n + ng.memberClusterIds.length, 0);
  checkNodeCapacity(ctx, { addedNodes: adding, cluster: { id: group.id, nodesAfter: nodes + adding, limit: NODES_PER_CLUSTER_MODE_GROUP }, portsPerNode: groupNodePorts(ctx, group) });
  const added: NodeGroupRecord[] = [];
  const zones = input.ReshardingConfiguration ?? [];
  for (let i = current; i < count; i++) {
    const nodeGroup: NodeGroupRecord = {
      id: String(group.nextNodeGroupNumber++).padStart(4, "0"),
      status: "creating",
      primaryClusterId: "",
      memberClusterIds: [],
      nextMemberNumber: 1,
    };
    const az = zones[i]?.PreferredAvailabilityZones ?? [];
    group.nodeGroups.push(nodeGroup);
    addMember(ctx, group, nodeGroup, "primary", az[0]);
    for (let r = 0; r < replicas; r++) addMember(ctx, group, nodeGroup, "replica", az[r + 1]);
    added.push(nodeGroup);
  }
  group.status = "modifying";
  for (const ng of group.nodeGroups) ng.status = "modifying";
  ctx.services.replication.reshard(ctx.state, group, added, removed);
  return { ReplicationGroup: replicationGroupToWire(group, (id) => ctx.state.clusters.get(id), ctx.services.config.advertisedHost) };
};
