/** Records -> output shapes: the one place internal fields become API fields. */
import type { CacheCluster, CacheNode, Event, PendingModifiedValues } from "../generated/api.js";
import type { CacheClusterRecord, CacheNodeRecord, EventRecord, PendingClusterChanges } from "./records.js";

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
    ReplicationGroupId: cluster.replicationGroupId,
    SnapshotRetentionLimit: cluster.engine === "memcached" ? undefined : s.snapshotRetentionLimit,
    SnapshotWindow: cluster.engine === "memcached" ? undefined : s.snapshotWindow,
    AuthTokenEnabled: s.authTokenEnabled,
    TransitEncryptionEnabled: s.transitEncryptionEnabled,
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
