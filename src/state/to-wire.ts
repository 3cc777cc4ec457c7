/** Records -> output shapes: the one place internal fields become API fields. */
import type { CacheCluster, CacheNode, Event, NodeGroup, PendingModifiedValues, ReplicationGroup } from "../generated/api.js";
import type {
  CacheClusterRecord,
  CacheNodeRecord,
  EventRecord,
  NodeGroupRecord,
  PendingClusterChanges,
  ReplicationGroupRecord,
} from "./records.js";

export interface WireOptions {
  advertisedHost: string;
  showCacheNodeInfo: boolean;
}

export function cacheClusterToWire(cluster: CacheClusterRecord, options: WireOptions): CacheCluster {
  const s = cluster.settings;
  const endpointsKnown = cluster.status !== "creating";
  return {
    CacheClusterId: cluster.id,
    ConfigurationEndpoint:
      cluster.configurationEndpointPort !== undefined && endpointsKnown
        ? { Address: options.advertisedHost, Port: cluster.configurationEndpointPort }
        : undefined,
    ClientDownloadLandingPage: "https://console.aws.amazon.com/elasticache/home#client-download:",
    CacheNodeType: cluster.cacheNodeType,
    Engine: cluster.engine,
    EngineVersion: cluster.engineVersion,
    CacheClusterStatus: cluster.status,
    NumCacheNodes: cluster.nodes.length,
    PreferredAvailabilityZone: s.preferredAvailabilityZone,
    PreferredOutpostArn: s.preferredOutpostArn,
    CacheClusterCreateTime: cluster.createTime,
    PreferredMaintenanceWindow: s.preferredMaintenanceWindow,
    PendingModifiedValues: pendingToWire(cluster.pending),
    NotificationConfiguration: s.notificationTopicArn
      ? { TopicArn: s.notificationTopicArn, TopicStatus: s.notificationTopicStatus ?? "active" }
      : undefined,
    CacheSecurityGroups: s.cacheSecurityGroupNames.map((name) => ({ CacheSecurityGroupName: name, Status: "active" })),
    CacheParameterGroup: {
      CacheParameterGroupName: s.cacheParameterGroupName,
      ParameterApplyStatus: "in-sync",
      CacheNodeIdsToReboot: [],
    },
    CacheSubnetGroupName: s.cacheSubnetGroupName,
    CacheNodes: options.showCacheNodeInfo
      ? cluster.nodes.map((n) => cacheNodeToWire(n, options.advertisedHost, endpointsKnown))
      : undefined,
    AutoMinorVersionUpgrade: s.autoMinorVersionUpgrade,
    SecurityGroups: s.securityGroupIds.map((id) => ({ SecurityGroupId: id, Status: "active" })),
    ReplicationGroupId: cluster.member?.replicationGroupId,
    SnapshotRetentionLimit: cluster.engine === "memcached" ? undefined : s.snapshotRetentionLimit,
    SnapshotWindow: cluster.engine === "memcached" ? undefined : s.snapshotWindow,
    AuthTokenEnabled: s.authTokenEnabled,
    TransitEncryptionEnabled: s.transitEncryptionEnabled,
    TransitEncryptionMode: s.transitEncryptionEnabled ? s.transitEncryptionMode : undefined,
    AtRestEncryptionEnabled: false,
    ARN: cluster.arn,
    ReplicationGroupLogDeliveryEnabled: false,
    LogDeliveryConfigurations: s.logDeliveryConfigurations as CacheCluster["LogDeliveryConfigurations"],
    NetworkType: s.networkType as CacheCluster["NetworkType"],
    IpDiscovery: s.ipDiscovery as CacheCluster["IpDiscovery"],
  };
}

function cacheNodeToWire(node: CacheNodeRecord, host: string, endpointsKnown: boolean): CacheNode {
  return {
    CacheNodeId: node.id,
    CacheNodeStatus: node.status,
    CacheNodeCreateTime: node.createTime,
    Endpoint: endpointsKnown && node.port ? { Address: host, Port: node.port } : undefined,
    ParameterGroupStatus: node.parameterGroupStatus,
    CustomerAvailabilityZone: node.availabilityZone,
  };
}

function pendingToWire(pending: PendingClusterChanges): PendingModifiedValues {
  return {
    NumCacheNodes: pending.numCacheNodes,
    CacheNodeIdsToRemove: pending.cacheNodeIdsToRemove,
    EngineVersion: pending.engineVersion,
    CacheNodeType: pending.cacheNodeType,
    TransitEncryptionEnabled: pending.transitEncryptionEnabled,
  };
}

export function eventToWire(event: EventRecord): Event {
  return {
    SourceIdentifier: event.sourceIdentifier,
    SourceType: event.sourceType as Event["SourceType"],
    Message: event.message,
    Date: event.date,
  };
}

export function replicationGroupToWire(
  group: ReplicationGroupRecord,
  clusterById: (id: string) => CacheClusterRecord | undefined,
  advertisedHost: string,
): ReplicationGroup {
  const s = group.settings;
  const endpoint = (port: number | undefined) =>
    port !== undefined && group.status !== "creating" ? { Address: advertisedHost, Port: port } : undefined;
  return {
    ReplicationGroupId: group.id,
    Description: group.description,
    GlobalReplicationGroupInfo: {},
    Status: group.status,
    PendingModifiedValues: {
      PrimaryClusterId: group.pending.primaryClusterId,
      AutomaticFailoverStatus:
        group.pending.automaticFailover === undefined ? undefined : group.pending.automaticFailover ? "enabled" : "disabled",
      Resharding:
        group.pending.reshardingProgress === undefined ? undefined : { SlotMigration: { ProgressPercentage: group.pending.reshardingProgress } },
      TransitEncryptionEnabled: group.pending.transitEncryption?.enabled,
      TransitEncryptionMode: group.pending.transitEncryption?.mode,
    },
    MemberClusters: group.nodeGroups.flatMap((ng) => ng.memberClusterIds),
    NodeGroups: group.nodeGroups.map((ng) => nodeGroupToWire(group, ng, clusterById, advertisedHost, endpoint)),
    SnapshottingClusterId: s.snapshottingClusterId,
    AutomaticFailover: group.automaticFailover ? "enabled" : "disabled",
    MultiAZ: group.multiAZ ? "enabled" : "disabled",
    ConfigurationEndpoint: group.clusterEnabled ? endpoint(group.endpoints.configuration) : undefined,
    SnapshotRetentionLimit: s.snapshotRetentionLimit,
    SnapshotWindow: s.snapshotWindow,
    ClusterEnabled: group.clusterEnabled,
    CacheNodeType: group.cacheNodeType,
    AuthTokenEnabled: false,
    TransitEncryptionEnabled: s.transitEncryptionEnabled ?? false,
    TransitEncryptionMode: s.transitEncryptionEnabled ? s.transitEncryptionMode : undefined,
    AtRestEncryptionEnabled: s.atRestEncryptionEnabled,
    KmsKeyId: s.kmsKeyId,
    ARN: group.arn,
    UserGroupIds: [],
    LogDeliveryConfigurations: s.logDeliveryConfigurations as ReplicationGroup["LogDeliveryConfigurations"],
    ReplicationGroupCreateTime: group.createTime,
    DataTiering: s.dataTiering ? "enabled" : "disabled",
    AutoMinorVersionUpgrade: s.autoMinorVersionUpgrade,
    NetworkType: s.networkType as ReplicationGroup["NetworkType"],
    IpDiscovery: s.ipDiscovery as ReplicationGroup["IpDiscovery"],
    ClusterMode: group.clusterMode,
    Engine: group.engine,
  };
}

/** Cluster mode disabled: primary and reader endpoints, a read endpoint and role per member; enabled: slots. */
function nodeGroupToWire(
  group: ReplicationGroupRecord,
  ng: NodeGroupRecord,
  clusterById: (id: string) => CacheClusterRecord | undefined,
  advertisedHost: string,
  endpoint: (port: number | undefined) => { Address: string; Port: number } | undefined,
): NodeGroup {
  return {
    NodeGroupId: ng.id,
    Status: ng.status,
    PrimaryEndpoint: group.clusterEnabled ? undefined : endpoint(group.endpoints.primary),
    ReaderEndpoint: group.clusterEnabled ? undefined : endpoint(group.endpoints.reader),
    Slots: ng.slots,
    NodeGroupMembers: ng.memberClusterIds.map((id) => {
      const member = clusterById(id);
      const node = member?.nodes[0];
      return {
        CacheClusterId: id,
        CacheNodeId: node?.id ?? "0001",
        ReadEndpoint:
          !group.clusterEnabled && node?.port && group.status !== "creating" ? { Address: advertisedHost, Port: node.port } : undefined,
        PreferredAvailabilityZone: node?.availabilityZone,
        CurrentRole: group.clusterEnabled ? undefined : member?.member?.role,
      };
    }),
  };
}
