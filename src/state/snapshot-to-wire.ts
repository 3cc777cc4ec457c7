/** Snapshot records -> the Snapshot output shape. */
import type { Snapshot } from "../generated/api.js";
import type { SnapshotRecord } from "./records.js";

/** AWS writes CacheSize in megabytes ("12 MB"). */
export function cacheSize(bytes: number | undefined): string | undefined {
  return bytes === undefined ? undefined : `${Math.round(bytes / (1024 * 1024))} MB`;
}

export function snapshotToWire(snapshot: SnapshotRecord, options: { showNodeGroupConfig: boolean }): Snapshot {
  const i = snapshot.info;
  return {
    SnapshotName: snapshot.name,
    ReplicationGroupId: i.replicationGroupId,
    ReplicationGroupDescription: i.replicationGroupDescription,
    CacheClusterId: i.replicationGroupId && i.clusterEnabled ? undefined : i.cacheClusterId,
    SnapshotStatus: snapshot.status,
    SnapshotSource: snapshot.source,
    CacheNodeType: i.cacheNodeType,
    Engine: i.engine,
    EngineVersion: i.engineVersion,
    NumCacheNodes: i.numCacheNodes,
    PreferredAvailabilityZone: i.preferredAvailabilityZone,
    CacheClusterCreateTime: i.cacheClusterCreateTime,
    PreferredMaintenanceWindow: i.preferredMaintenanceWindow,
    TopicArn: i.topicArn,
    Port: i.port,
    CacheParameterGroupName: i.cacheParameterGroupName,
    CacheSubnetGroupName: i.cacheSubnetGroupName,
    VpcId: "vpc-00000000",
    AutoMinorVersionUpgrade: i.autoMinorVersionUpgrade,
    SnapshotRetentionLimit: i.snapshotRetentionLimit,
    SnapshotWindow: i.snapshotWindow,
    NumNodeGroups: i.numNodeGroups,
    AutomaticFailover: i.automaticFailover,
    NodeSnapshots: snapshot.nodes.map((n) => ({
      CacheClusterId: n.cacheClusterId,
      NodeGroupId: n.nodeGroupId,
      CacheNodeId: n.cacheNodeId,
      NodeGroupConfiguration: options.showNodeGroupConfig && n.nodeGroupId !== undefined
        ? { NodeGroupId: n.nodeGroupId, Slots: n.slots, ReplicaCount: n.replicaCount, PrimaryAvailabilityZone: n.primaryAvailabilityZone }
        : undefined,
      CacheSize: cacheSize(n.sizeBytes),
      CacheNodeCreateTime: n.cacheNodeCreateTime,
      SnapshotCreateTime: n.snapshotCreateTime,
    })),
    KmsKeyId: snapshot.kmsKeyId,
    ARN: snapshot.arn,
    DataTiering: i.dataTiering ? "enabled" : "disabled",
  };
}
