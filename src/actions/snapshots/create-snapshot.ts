/** CreateSnapshot: a real RDB of a cache cluster or of every node group of a replication group. */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { resources } from "../../state/resources.js";
import { snapshotToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { findCluster, requireAvailable, findReplicationGroup, requireGroupAvailable, checkQuota } from "../shared/lookups.js";
import { checkTags, storeTags } from "../shared/tags.js";
import { checkNewSnapshotName, checkSnapshotSupported, clusterSnapshot, groupSnapshot, startClusterSnapshot, startGroupSnapshot } from "./snapshot-rules.js";

export const createSnapshot: ActionHandler<"CreateSnapshot"> = async (ctx, input) => {
  if ((input.CacheClusterId === undefined) === (input.ReplicationGroupId === undefined)) {
    throw commonErrors.invalidParameterCombination("Exactly one of CacheClusterId and ReplicationGroupId must be provided.");
  }
  checkTags(input.Tags ?? []);
  if (input.ReplicationGroupId !== undefined) {
    const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
    requireGroupAvailable(group);
    for (const id of group.nodeGroups.flatMap((ng) => ng.memberClusterIds)) {
      const member = ctx.state.clusters.get(id);
      if (member) checkSnapshotSupported(ctx, member);
    }
    const name = checkNewSnapshotName(ctx.state, input.SnapshotName);
    checkQuota(resources.snapshot, ctx);
    const snapshot = groupSnapshot(ctx, name, group, "manual", { kmsKeyId: input.KmsKeyId });
    storeTags(ctx, snapshot.arn, input.Tags);
    startGroupSnapshot(ctx, snapshot, group);
    return { Snapshot: snapshotToWire(snapshot, { showNodeGroupConfig: false }) };
  }

  const cluster = findCluster(ctx.state, input.CacheClusterId!);
  checkSnapshotSupported(ctx, cluster);
  const group = cluster.member && ctx.state.replicationGroups.get(cluster.member.replicationGroupId);
  if (group?.clusterEnabled) {
    throw commonErrors.invalidParameterCombination(
      `Cache cluster ${cluster.id} belongs to the cluster mode enabled replication group ${group.id}: snapshot the replication group instead.`,
    );
  }
  if (group) requireGroupAvailable(group);
  else requireAvailable(cluster);
  if (cluster.status !== "available") {
    throw modelError("InvalidCacheClusterStateFault", `Cache cluster ${cluster.id} is not in the available state (current status: ${cluster.status}).`);
  }
  const name = checkNewSnapshotName(ctx.state, input.SnapshotName);
  checkQuota(resources.snapshot, ctx);
  if (group) {
    // A member of a replication group: its node, recorded with its group.
    const snapshot = groupSnapshot(ctx, name, group, "manual", { member: cluster, kmsKeyId: input.KmsKeyId });
    storeTags(ctx, snapshot.arn, input.Tags);
    startGroupSnapshot(ctx, snapshot, group);
    return { Snapshot: snapshotToWire(snapshot, { showNodeGroupConfig: false }) };
  }
  const snapshot = clusterSnapshot(ctx, name, cluster, "manual", input.KmsKeyId);
  storeTags(ctx, snapshot.arn, input.Tags);
  startClusterSnapshot(ctx, snapshot, cluster);
  return { Snapshot: snapshotToWire(snapshot, { showNodeGroupConfig: false }) };
};
