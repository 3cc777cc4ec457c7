/**
 * Records -> output shapes: the one place internal fields become API fields. The resource
 * registry (state/resources.ts) names each kind's mapping; Describe* and Create* call them.
 */
import type {
  CacheCluster,
  CacheNode,
  CacheParameterGroup,
  CacheSecurityGroup,
  CacheSubnetGroup,
  Event,
  NodeGroup,
  PendingModifiedValues,
  ReplicationGroup,
  ReservedCacheNode,
  ServerlessCache,
  ServerlessCacheSnapshot,
  Snapshot,
  User,
  UserGroup,
} from "../generated/elasticache.js";
import { subnetZone } from "./network.js";
import type { ParameterGroupView } from "./parameter-groups.js";
import type {
  CacheClusterRecord,
  CacheSecurityGroupRecord,
  CacheNodeRecord,
  EventRecord,
  NodeGroupRecord,
  PendingClusterChanges,
  ReplicationGroupRecord,
  ReservedCacheNodeRecord,
  ServerlessCacheRecord,
  ServerlessSnapshotRecord,
  SnapshotRecord,
  SubnetGroupRecord,
  UserGroupRecord,
  UserRecord,
} from "./records.js";
import type { RegionState } from "./store.js";
import { groupsOfUser, replicationGroupsOfUserGroup, serverlessCachesOfUserGroup } from "./users.js";

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
    PendingModifiedValues: pendingToWire(cluster.pending, cluster.access?.pending?.authTokenStatus),
    NotificationConfiguration: s.notificationTopicArn
      ? { TopicArn: s.notificationTopicArn, TopicStatus: s.notificationTopicStatus ?? "active" }
      : undefined,
    CacheSecurityGroups: s.cacheSecurityGroupNames.map((name) => ({ CacheSecurityGroupName: name, Status: "active" })),
    CacheParameterGroup: parameterGroupStatus(cluster),
    CacheSubnetGroupName: s.cacheSubnetGroupName,
    CacheNodes: options.showCacheNodeInfo
      ? cluster.nodes.map((n) => cacheNodeToWire(n, options.advertisedHost, endpointsKnown))
      : undefined,
    AutoMinorVersionUpgrade: s.autoMinorVersionUpgrade,
    SecurityGroups: s.securityGroupIds.map((id) => ({ SecurityGroupId: id, Status: "active" })),
    ReplicationGroupId: cluster.member?.replicationGroupId,
    SnapshotRetentionLimit: cluster.engine === "memcached" ? undefined : s.snapshotRetentionLimit,
    SnapshotWindow: cluster.engine === "memcached" ? undefined : s.snapshotWindow,
    AuthTokenEnabled: cluster.access ? cluster.access.authTokenHashes.length > 0 : s.authTokenEnabled,
    AuthTokenLastModifiedDate: cluster.access?.authTokenLastModified,
    TransitEncryptionEnabled: s.transitEncryptionEnabled,
    TransitEncryptionMode: s.transitEncryptionEnabled ? s.transitEncryptionMode : undefined,
    AtRestEncryptionEnabled: s.atRestEncryptionEnabled ?? false,
    ARN: cluster.arn,
    ReplicationGroupLogDeliveryEnabled: false,
    LogDeliveryConfigurations: s.logDeliveryConfigurations as CacheCluster["LogDeliveryConfigurations"],
    NetworkType: s.networkType as CacheCluster["NetworkType"],
    IpDiscovery: s.ipDiscovery as CacheCluster["IpDiscovery"],
  };
}

/** The cluster's parameter apply status follows its nodes: `applying`, then `pending-reboot` (listing them) or `in-sync`. */
function parameterGroupStatus(cluster: CacheClusterRecord): CacheCluster["CacheParameterGroup"] {
  const toReboot = cluster.nodes.filter((n) => n.parameterGroupStatus === "pending-reboot").map((n) => n.id);
  const applying = cluster.nodes.some((n) => n.parameterGroupStatus === "applying");
  return {
    CacheParameterGroupName: cluster.settings.cacheParameterGroupName,
    ParameterApplyStatus: applying ? "applying" : toReboot.length ? "pending-reboot" : "in-sync",
    CacheNodeIdsToReboot: toReboot,
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

function pendingToWire(pending: PendingClusterChanges, authTokenStatus: PendingModifiedValues["AuthTokenStatus"]): PendingModifiedValues {
  return {
    NumCacheNodes: pending.numCacheNodes,
    CacheNodeIdsToRemove: pending.cacheNodeIdsToRemove,
    EngineVersion: pending.engineVersion,
    CacheNodeType: pending.cacheNodeType,
    TransitEncryptionEnabled: pending.transitEncryptionEnabled,
    AuthTokenStatus: authTokenStatus,
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
    GlobalReplicationGroupInfo: group.global
      ? { GlobalReplicationGroupId: group.global.globalReplicationGroupId, GlobalReplicationGroupMemberRole: group.global.role.toUpperCase() }
      : {},
    Status: group.status,
    PendingModifiedValues: {
      PrimaryClusterId: group.pending.primaryClusterId,
      AutomaticFailoverStatus:
        group.pending.automaticFailover === undefined ? undefined : group.pending.automaticFailover ? "enabled" : "disabled",
      Resharding:
        group.pending.reshardingProgress === undefined ? undefined : { SlotMigration: { ProgressPercentage: group.pending.reshardingProgress } },
      AuthTokenStatus: group.access?.pending?.authTokenStatus,
      UserGroups:
        group.access?.pending?.userGroupIdsToAdd || group.access?.pending?.userGroupIdsToRemove
          ? { UserGroupIdsToAdd: group.access.pending.userGroupIdsToAdd ?? [], UserGroupIdsToRemove: group.access.pending.userGroupIdsToRemove ?? [] }
          : undefined,
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
    AuthTokenEnabled: (group.access?.authTokenHashes.length ?? 0) > 0,
    AuthTokenLastModifiedDate: group.access?.authTokenLastModified,
    TransitEncryptionEnabled: s.transitEncryptionEnabled ?? false,
    TransitEncryptionMode: s.transitEncryptionEnabled ? s.transitEncryptionMode : undefined,
    AtRestEncryptionEnabled: s.atRestEncryptionEnabled,
    KmsKeyId: s.kmsKeyId,
    ARN: group.arn,
    UserGroupIds: group.access?.userGroupIds ?? [],
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

export function subnetGroupToWire(group: SubnetGroupRecord, region: string): CacheSubnetGroup {
  return {
    CacheSubnetGroupName: group.name,
    CacheSubnetGroupDescription: group.description,
    VpcId: group.vpcId,
    Subnets: group.subnetIds.map((id) => ({
      SubnetIdentifier: id,
      SubnetAvailabilityZone: { Name: subnetZone(region, id) },
      SubnetOutpost: {},
      SupportedNetworkTypes: ["ipv4"],
    })),
    ARN: group.arn,
    SupportedNetworkTypes: ["ipv4"],
  };
}

/** `revoking` names a grant being removed by this very request (it is gone from the record already). */
export function cacheSecurityGroupToWire(group: CacheSecurityGroupRecord, revoking?: { name: string; ownerId: string }): CacheSecurityGroup {
  const grants = group.grants.map((g) => ({ Status: "authorized", EC2SecurityGroupName: g.name, EC2SecurityGroupOwnerId: g.ownerId }));
  if (revoking) grants.push({ Status: "revoking", EC2SecurityGroupName: revoking.name, EC2SecurityGroupOwnerId: revoking.ownerId });
  return {
    OwnerId: group.ownerId,
    CacheSecurityGroupName: group.name,
    Description: group.description,
    EC2SecurityGroups: grants,
    ARN: group.arn,
  };
}

export function userToWire(user: UserRecord, state: RegionState): User {
  return {
    UserId: user.id,
    UserName: user.name,
    Status: user.status,
    Engine: user.engine,
    MinimumEngineVersion: user.minimumEngineVersion,
    AccessString: user.accessString,
    UserGroupIds: groupsOfUser(state, user.id).map((g) => g.id),
    Authentication: {
      Type: user.authentication.type,
      PasswordCount: user.authentication.type === "password" ? user.authentication.passwordHashes.length : undefined,
    },
    ARN: user.arn,
  };
}

export function userGroupToWire(group: UserGroupRecord, state: RegionState): UserGroup {
  return {
    UserGroupId: group.id,
    Status: group.status,
    Engine: group.engine,
    UserIds: group.userIds,
    MinimumEngineVersion: group.minimumEngineVersion,
    PendingChanges: group.pending ? { UserIdsToAdd: group.pending.userIdsToAdd, UserIdsToRemove: group.pending.userIdsToRemove } : undefined,
    ReplicationGroups: replicationGroupsOfUserGroup(state, group.id).map((rg) => rg.id),
    ServerlessCaches: serverlessCachesOfUserGroup(state, group.id).map((c) => c.name),
    ARN: group.arn,
  };
}

export function parameterGroupToWire(group: ParameterGroupView): CacheParameterGroup {
  return {
    CacheParameterGroupName: group.name,
    CacheParameterGroupFamily: group.family,
    Description: group.description,
    IsGlobal: false,
    ARN: group.arn,
  };
}

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

/**
 * A serverless cache as AWS returns it: the endpoints once the engines listen (Valkey/Redis:
 * the reader on the next port, as AWS's 6379/6380), CacheUsageLimits only when set.
 */
export function serverlessCacheToWire(cache: ServerlessCacheRecord, advertisedHost: string): ServerlessCache {
  const listening = cache.port > 0 && cache.status !== "creating" && cache.status !== "create-failed";
  const limits = cache.usageLimits;
  return {
    ServerlessCacheName: cache.name,
    Description: cache.description,
    CreateTime: cache.createTime,
    Status: cache.status,
    Engine: cache.engine,
    MajorEngineVersion: cache.majorEngineVersion,
    FullEngineVersion: cache.fullEngineVersion,
    CacheUsageLimits: limits && (limits.dataStorage || limits.ecpuPerSecond)
      ? {
          DataStorage: limits.dataStorage && { Maximum: limits.dataStorage.maximum, Minimum: limits.dataStorage.minimum, Unit: limits.dataStorage.unit },
          ECPUPerSecond: limits.ecpuPerSecond && { Maximum: limits.ecpuPerSecond.maximum, Minimum: limits.ecpuPerSecond.minimum },
        }
      : undefined,
    KmsKeyId: cache.kmsKeyId,
    SecurityGroupIds: cache.securityGroupIds,
    Endpoint: listening ? { Address: advertisedHost, Port: cache.port } : undefined,
    ReaderEndpoint: listening && cache.engine !== "memcached" ? { Address: advertisedHost, Port: cache.port + 1 } : undefined,
    ARN: cache.arn,
    UserGroupId: cache.userGroupId,
    SubnetIds: cache.subnetIds,
    SnapshotRetentionLimit: cache.snapshotRetentionLimit,
    DailySnapshotTime: cache.dailySnapshotTime,
    NetworkType: cache.networkType as ServerlessCache["NetworkType"],
    ConnectionType: cache.connectionType as ServerlessCache["ConnectionType"],
  };
}

/** A serverless cache snapshot as AWS returns it (BytesUsedForCache is a string in the model). */
export function serverlessSnapshotToWire(snapshot: ServerlessSnapshotRecord): ServerlessCacheSnapshot {
  return {
    ServerlessCacheSnapshotName: snapshot.name,
    ARN: snapshot.arn,
    KmsKeyId: snapshot.kmsKeyId,
    SnapshotType: snapshot.snapshotType,
    Status: snapshot.status,
    CreateTime: snapshot.createTime,
    ExpiryTime: snapshot.expiryTime,
    BytesUsedForCache: snapshot.sizeBytes !== undefined ? String(snapshot.sizeBytes) : undefined,
    ServerlessCacheConfiguration: {
      ServerlessCacheName: snapshot.cache.name,
      Engine: snapshot.cache.engine,
      MajorEngineVersion: snapshot.cache.majorEngineVersion,
    },
  };
}

export function reservedCacheNodeToWire(node: ReservedCacheNodeRecord): ReservedCacheNode {
  return {
    ReservedCacheNodeId: node.id,
    ReservedCacheNodesOfferingId: node.offeringId,
    CacheNodeType: node.cacheNodeType,
    StartTime: node.startTime,
    Duration: node.duration,
    FixedPrice: node.fixedPrice,
    UsagePrice: node.usagePrice,
    CacheNodeCount: node.cacheNodeCount,
    ProductDescription: node.productDescription,
    OfferingType: node.offeringType,
    State: node.status,
    RecurringCharges: node.hourlyCharge !== undefined ? [{ RecurringChargeAmount: node.hourlyCharge, RecurringChargeFrequency: "Hourly" }] : [],
    ReservationARN: node.arn,
  };
}
