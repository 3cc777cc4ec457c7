/**
 * IncreaseReplicaCount and DecreaseReplicaCount: the replica count of every node group
 * (NewReplicaCount) or of named ones (ReplicaConfiguration), or named replicas to remove.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { CacheClusterRecord, NodeGroupRecord, ReplicationGroupRecord } from "../../state/records.js";
import { replicationGroupToWire } from "../../state/to-wire.js";
import { checkNodeCapacity, groupNodePorts, NODES_PER_CLUSTER_MODE_GROUP } from "../shared/capacity.js";
import type { ActionContext, ActionHandler } from "../shared/context.js";
import { findNodeGroup, findReplicationGroup, requireGroupAvailable } from "../shared/lookups.js";
import { addMember } from "../shared/member-clusters.js";
import { checkReplicaCount } from "./replication-group-rules.js";

interface ReplicaRequest {
  ReplicationGroupId: string;
  ApplyImmediately: boolean;
  NewReplicaCount?: number;
  ReplicaConfiguration?: Array<{ NodeGroupId: string; NewReplicaCount: number; PreferredAvailabilityZones?: string[] }>;
}

export const increaseReplicaCount: ActionHandler<"IncreaseReplicaCount"> = async (ctx, input) => {
  const { group, targets } = plan(ctx, input, "increase");
  const adding = targets.reduce((n, t) => n + t.count - (t.nodeGroup.memberClusterIds.length - 1), 0);
  const nodes = group.nodeGroups.reduce((n, ng) => n + ng.memberClusterIds.length, 0);
  checkNodeCapacity(ctx, {
    addedNodes: adding,
    cluster: group.clusterEnabled ? { id: group.id, nodesAfter: nodes + adding, limit: NODES_PER_CLUSTER_MODE_GROUP } : undefined,
    portsPerNode: groupNodePorts(ctx, group),
  });
  const added: CacheClusterRecord[] = [];
  for (const { nodeGroup, count, zones } of targets) {
    const replicas = nodeGroup.memberClusterIds.length - 1;
    for (let i = 0; i < count - replicas; i++) added.push(addMember(ctx, group, nodeGroup, "replica", zones?.[i]));
  }
  markModifying(group, targets);
  ctx.services.replication.addReplicas(ctx.state, group, added);
  return { ReplicationGroup: wire(ctx, group) };
};

export const decreaseReplicaCount: ActionHandler<"DecreaseReplicaCount"> = async (ctx, input) => {
  const named = input.ReplicasToRemove ?? [];
  if (named.length && (input.NewReplicaCount !== undefined || input.ReplicaConfiguration?.length)) {
    throw commonErrors.invalidParameterCombination("Specify ReplicasToRemove, NewReplicaCount or ReplicaConfiguration, not several.");
  }
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
  let removed: CacheClusterRecord[];
  let targets: Target[];
  if (named.length) {
    requireGroupAvailable(group);
    if (!input.ApplyImmediately) throw commonErrors.invalidParameterValue("ApplyImmediately must be true: replica count changes apply at once.");
    removed = named.map((id) => {
      const cluster = ctx.state.clusters.get(id.toLowerCase());
      if (!cluster || cluster.member?.replicationGroupId !== group.id) {
        throw commonErrors.invalidParameterValue(`Cache cluster ${id} is not a member of replication group ${group.id}.`);
      }
      if (cluster.member.role === "primary") throw commonErrors.invalidParameterValue(`Cache cluster ${id} is a primary; only replicas can be removed.`);
      return cluster;
    });
    targets = group.nodeGroups
      .map((nodeGroup) => ({ nodeGroup, count: nodeGroup.memberClusterIds.length - 1 - removed.filter((c) => c.member!.nodeGroupId === nodeGroup.id).length }))
      .filter((t) => t.count !== t.nodeGroup.memberClusterIds.length - 1);
    checkMinimum(group, targets);
  } else {
    ({ targets } = plan(ctx, input, "decrease"));
    // The newest replicas go first.
    removed = targets.flatMap(({ nodeGroup, count }) =>
      nodeGroup.memberClusterIds
        .filter((id) => id !== nodeGroup.primaryClusterId)
        .slice(count)
        .map((id) => ctx.state.clusters.get(id)!),
    );
  }
  markModifying(group, targets);
  ctx.services.replication.removeReplicas(ctx.state, group, removed);
  return { ReplicationGroup: wire(ctx, group) };
};

interface Target {
  nodeGroup: NodeGroupRecord;
  count: number;
  zones?: string[];
}

function plan(ctx: ActionContext, input: ReplicaRequest, direction: "increase" | "decrease"): { group: ReplicationGroupRecord; targets: Target[] } {
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
  requireGroupAvailable(group);
  if (!input.ApplyImmediately) throw commonErrors.invalidParameterValue("ApplyImmediately must be true: replica count changes apply at once.");
  const configs = input.ReplicaConfiguration ?? [];
  if ((input.NewReplicaCount === undefined) === (configs.length === 0)) {
    throw commonErrors.invalidParameterCombination("Specify either NewReplicaCount or ReplicaConfiguration.");
  }
  const targets: Target[] =
    input.NewReplicaCount !== undefined
      ? group.nodeGroups.map((nodeGroup) => ({ nodeGroup, count: input.NewReplicaCount! }))
      : configs.map((c) => ({ nodeGroup: findNodeGroup(group, c.NodeGroupId), count: c.NewReplicaCount, zones: c.PreferredAvailabilityZones }));
  for (const t of targets) {
    checkReplicaCount(t.count, "NewReplicaCount");
    const current = t.nodeGroup.memberClusterIds.length - 1;
    const wrongWay = direction === "increase" ? t.count < current : t.count > current;
    if (wrongWay) {
      throw commonErrors.invalidParameterValue(
        `NewReplicaCount ${t.count} for node group ${t.nodeGroup.id} would ${direction === "increase" ? "decrease" : "increase"} its ${current} replica(s).`,
      );
    }
  }
  const changing = targets.filter((t) => t.count !== t.nodeGroup.memberClusterIds.length - 1);
  if (changing.length === 0) throw modelError("NoOperationFault", `Replication group ${group.id} already has the requested number of replicas.`);
  if (direction === "decrease") checkMinimum(group, changing);
  return { group, targets: changing };
}

/**
 * AWS's minimum replica count: cluster mode enabled 0 ("though you will not be able to
 * failover to a replica"); cluster mode disabled 1 with automatic failover (which Multi-AZ
 * needs), else 0.
 */
function checkMinimum(group: ReplicationGroupRecord, targets: Target[]): void {
  if (!group.clusterEnabled && group.automaticFailover && targets.some((t) => t.count < 1)) {
    throw commonErrors.invalidParameterValue("A replication group with automatic failover enabled needs at least one replica per node group.");
  }
}

function markModifying(group: ReplicationGroupRecord, targets: Target[]): void {
  group.status = "modifying";
  for (const t of targets) t.nodeGroup.status = "modifying";
}

function wire(ctx: ActionContext, group: ReplicationGroupRecord) {
  return replicationGroupToWire(group, (id) => ctx.state.clusters.get(id), ctx.services.config.advertisedHost);
}
