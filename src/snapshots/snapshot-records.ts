/**
 * The snapshot records built from a cache cluster or a replication group: what AWS keeps
 * of the source (settings, and per node group the node it is taken from).
 */
import { buildArn } from "../state/arn.js";
import type { CacheClusterRecord, NodeSnapshotRecord, ReplicationGroupRecord, SnapshotRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";

function record(region: RegionState, name: string, source: "manual" | "automated", info: SnapshotRecord["info"], nodes: NodeSnapshotRecord[], kmsKeyId?: string): SnapshotRecord {
  return {
    name,
    arn: buildArn(region.key.region, region.key.accountId, "snapshot", name),
    status: "creating",
    source,
    kmsKeyId,
    createTime: new Date(),
    info,
    nodes,
  };
}

/** A standalone Redis/Valkey cluster's snapshot: one node. */
export function clusterSnapshot(region: RegionState, name: string, cluster: CacheClusterRecord, source: "manual" | "automated", kmsKeyId?: string): SnapshotRecord {
  const s = cluster.settings;
  const node = cluster.nodes[0]!;
  return record(
    region,
    name,
    source,
    {
      cacheClusterId: cluster.id,
      engine: cluster.engine as "redis" | "valkey",
      engineVersion: cluster.engineVersion,
      cacheNodeType: cluster.cacheNodeType,
      numCacheNodes: cluster.nodes.length,
      preferredAvailabilityZone: s.preferredAvailabilityZone,
      cacheClusterCreateTime: cluster.createTime,
      preferredMaintenanceWindow: s.preferredMaintenanceWindow,
      topicArn: s.notificationTopicArn,
      port: node.port || cluster.requestedPort || 6379,
      cacheParameterGroupName: s.cacheParameterGroupName,
      cacheSubnetGroupName: s.cacheSubnetGroupName,
      autoMinorVersionUpgrade: s.autoMinorVersionUpgrade,
      snapshotRetentionLimit: s.snapshotRetentionLimit,
      snapshotWindow: s.snapshotWindow,
      clusterEnabled: false,
      dataTiering: false,
    },
    [{ cacheClusterId: cluster.id, cacheNodeId: node.id, cacheNodeCreateTime: node.createTime }],
    kmsKeyId,
  );
}

/**
 * A replication group's snapshot: one part per node group, each to be taken from a replica
 * when the node group has a live one (AWS spares the primary), or from `member` when named.
 */
export function groupSnapshot(
  region: RegionState,
  name: string,
  group: ReplicationGroupRecord,
  source: "manual" | "automated",
  opts: { running: (cluster: CacheClusterRecord) => boolean; member?: CacheClusterRecord; kmsKeyId?: string },
): SnapshotRecord {
  const s = group.settings;
  const clusterOf = (id: string) => region.clusters.get(id);
  const nodeGroups = opts.member ? group.nodeGroups.filter((ng) => ng.id === opts.member!.member!.nodeGroupId) : group.nodeGroups;
  const nodes = nodeGroups.map((ng): NodeSnapshotRecord => {
    const live = (id: string) => ng.memberClusterIds.includes(id) && clusterOf(id) !== undefined && opts.running(clusterOf(id)!);
    // SnapshottingClusterId (ModifyReplicationGroup) names the member to take it from; else a replica.
    const chosen = s.snapshottingClusterId !== undefined && live(s.snapshottingClusterId) ? s.snapshottingClusterId : undefined;
    const replica = ng.memberClusterIds.find((id) => id !== ng.primaryClusterId && live(id));
    const from = clusterOf(opts.member?.id ?? chosen ?? replica ?? ng.primaryClusterId)!;
    const primary = clusterOf(ng.primaryClusterId);
    return {
      cacheClusterId: from.id,
      nodeGroupId: ng.id,
      cacheNodeId: from.nodes[0]?.id ?? "0001",
      slots: group.clusterEnabled ? ng.slots : undefined,
      replicaCount: ng.memberClusterIds.length - 1,
      primaryAvailabilityZone: primary?.nodes[0]?.availabilityZone,
      cacheNodeCreateTime: from.nodes[0]?.createTime ?? from.createTime,
    };
  });
  const primary = clusterOf(group.nodeGroups[0]!.primaryClusterId);
  return record(
    region,
    name,
    source,
    {
      cacheClusterId: opts.member?.id,
      replicationGroupId: group.id,
      replicationGroupDescription: group.description,
      engine: group.engine,
      engineVersion: group.engineVersion,
      cacheNodeType: group.cacheNodeType,
      numCacheNodes: opts.member ? 1 : undefined,
      preferredAvailabilityZone: opts.member?.settings.preferredAvailabilityZone,
      cacheClusterCreateTime: opts.member?.createTime,
      preferredMaintenanceWindow: s.preferredMaintenanceWindow,
      topicArn: s.notificationTopicArn,
      // The group's Port (its endpoint's, see README "Replication groups"), else its primary's.
      port: group.requestedPort || primary?.nodes[0]?.port || 6379,
      cacheParameterGroupName: s.cacheParameterGroupName,
      cacheSubnetGroupName: s.cacheSubnetGroupName,
      autoMinorVersionUpgrade: s.autoMinorVersionUpgrade,
      snapshotRetentionLimit: s.snapshotRetentionLimit,
      snapshotWindow: s.snapshotWindow,
      numNodeGroups: group.nodeGroups.length,
      automaticFailover: group.automaticFailover ? "enabled" : "disabled",
      clusterEnabled: group.clusterEnabled,
      dataTiering: s.dataTiering,
    },
    nodes,
    opts.kmsKeyId,
  );
}
