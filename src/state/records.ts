/**
 * Internal records: what the emulator keeps about each resource. They are not wire
 * shapes; state/wire/ turns them into API output (one file per family).
 */
import type { EngineKind, TransitEncryptionMode } from "../engines/engine.js";

/** The scope of region resources: an account in one region. */
export interface RegionKey {
  accountId: string;
  region: string;
}

/** The scope of resources that span regions (global datastores): an account. */
export interface AccountKey {
  accountId: string;
}

export type CacheClusterStatus =
  | "creating"
  | "available"
  | "modifying"
  | "rebooting cache cluster nodes"
  | "deleting"
  | "incompatible-network"
  | "restore-failed"
  | "snapshotting";

export type CacheNodeStatus = "creating" | "available" | "rebooting" | "deleting" | "modifying" | "failed";

export interface Tag {
  Key: string;
  Value?: string;
}

export interface CacheNodeRecord {
  id: string; // "0001"
  status: CacheNodeStatus;
  createTime: Date;
  port: number;
  availabilityZone: string;
  parameterGroupStatus: string;
}

/** Changes waiting for the next maintenance window (ApplyImmediately=false). */
export interface PendingClusterChanges {
  numCacheNodes?: number;
  cacheNodeIdsToRemove?: string[];
  engineVersion?: string;
  cacheNodeType?: string;
  authTokenStatus?: string;
  transitEncryptionEnabled?: boolean;
}

/**
 * Settings a cache cluster and a replication group both record and return, under the same
 * names: Create* fill them the same way (actions/shared/default-settings.ts) and
 * Modify* change them the same way (actions/shared/modify-settings.ts).
 */
export interface SharedSettings {
  cacheParameterGroupName: string;
  cacheSubnetGroupName: string;
  cacheSecurityGroupNames: string[];
  securityGroupIds: string[];
  preferredMaintenanceWindow: string;
  notificationTopicArn?: string;
  notificationTopicStatus?: string;
  autoMinorVersionUpgrade: boolean;
  snapshotRetentionLimit: number;
  /** Set when TLS in transit is enabled. */
  transitEncryptionMode?: TransitEncryptionMode;
  networkType: string;
  ipDiscovery: string;
  logDeliveryConfigurations: Array<Record<string, unknown>>;
}

/** Inputs AWS records and returns as they are; the emulator keeps them verbatim. */
export interface ClusterSettings extends SharedSettings {
  preferredAvailabilityZone: string;
  azMode?: string;
  snapshotWindow?: string;
  transitEncryptionEnabled: boolean;
  authTokenEnabled: boolean;
  /** Replication group members: the group's (a standalone cluster has no encryption at rest). */
  atRestEncryptionEnabled?: boolean;
  outpostMode?: string;
  preferredOutpostArn?: string;
}

/** A replication group member's part: which group and node group it serves, and as what. */
export interface MemberRole {
  replicationGroupId: string;
  nodeGroupId: string;
  role: "primary" | "replica";
}

export interface CacheClusterRecord {
  id: string;
  arn: string;
  engine: EngineKind;
  engineVersion: string;
  cacheNodeType: string;
  status: CacheClusterStatus;
  createTime: Date;
  nodes: CacheNodeRecord[];
  /** Port every node listens on when one was asked for (AWS: the same port on every node). */
  requestedPort?: number;
  /** Memcached only: the port of the emulator-owned Auto Discovery endpoint. */
  configurationEndpointPort?: number;
  /** Set on replication group members: their node group and current role. */
  member?: MemberRole;
  settings: ClusterSettings;
  pending: PendingClusterChanges;
  /** Next node id to hand out ("0004" after 0001..0003, even when 0002 was removed). */
  nextNodeNumber: number;
  /** Standalone Redis/Valkey: its AUTH token (members follow their replication group's). */
  access?: AccessSettings;
  /** Standalone Redis/Valkey created from a snapshot: its node starts from the RDB (lifecycle/data-restore.ts). */
  restore?: RestoreRecord;
}

/**
 * The data a new cluster or replication group is created from (SnapshotName, SnapshotArns):
 * the plan lives on the record until the resource is created, and lifecycle/data-restore.ts
 * applies it. `slots` when the RDB is a cluster mode shard's.
 */
export interface RestoreRecord {
  sources: Array<{ file: string; slots?: string }>;
}

/** A cache parameter group the caller created (AWS's `default.*` groups are not stored). */
export interface ParameterGroupRecord {
  name: string;
  family: string;
  description: string;
  arn: string;
  /** Parameters set by ModifyCacheParameterGroup (Source "user"), by name. */
  userValues: Record<string, string>;
}

export interface EventRecord {
  /** Order of emission within the region; the paging key. */
  seq: number;
  sourceIdentifier: string;
  sourceType: string;
  message: string;
  date: Date;
  sourceArn?: string;
}

export type ReplicationGroupStatus = "creating" | "available" | "modifying" | "deleting" | "create-failed" | "snapshotting" | "migrating";

/** An online migration (StartMigration): the user's endpoint the group's primary replicates from. */
export interface MigrationRecord {
  source: { address: string; port: number };
}

export interface NodeGroupRecord {
  id: string; // "0001"
  status: "creating" | "available" | "modifying" | "deleting";
  /** Cluster mode enabled: the hash slots this shard serves, as AWS writes them ("0-5460"). */
  slots?: string;
  primaryClusterId: string;
  /** Member cluster ids, primary included, in the order they were added. */
  memberClusterIds: string[];
  /** Next member number for a new replica (`<rg>-0001-003` after -001 and -002). */
  nextMemberNumber: number;
}

/** Settings a replication group records and returns. */
export interface ReplicationGroupSettings extends SharedSettings {
  snapshotWindow: string;
  snapshottingClusterId?: string;
  atRestEncryptionEnabled: boolean;
  /** TLS in transit; every member cluster carries the same. */
  transitEncryptionEnabled?: boolean;
  kmsKeyId?: string;
  dataTiering: boolean;
}

export interface ReplicationGroupRecord {
  id: string;
  arn: string;
  description: string;
  status: ReplicationGroupStatus;
  engine: "redis" | "valkey";
  engineVersion: string;
  cacheNodeType: string;
  clusterEnabled: boolean;
  clusterMode: "enabled" | "disabled" | "compatible";
  automaticFailover: boolean;
  multiAZ: boolean;
  createTime: Date;
  nodeGroups: NodeGroupRecord[];
  /** Port every node listens on, when one was asked for. */
  requestedPort?: number;
  /** Emulator-owned endpoints, once they listen. */
  endpoints: { primary?: number; reader?: number; configuration?: number };
  settings: ReplicationGroupSettings;
  pending: {
    primaryClusterId?: string;
    automaticFailover?: boolean;
    reshardingProgress?: number;
    /** TLS in transit being applied (the settings change when the members run with it). */
    transitEncryption?: { enabled: boolean; mode?: TransitEncryptionMode };
  };
  /** Next node group number when shards are added. */
  nextNodeGroupNumber: number;
  /** Who may connect: AUTH tokens or user groups. */
  access?: AccessSettings;
  /** Created from a snapshot: what its primaries start from and what moves in by slot, until it is created. */
  restore?: RestoreRecord;
  /** Set from StartMigration until CompleteMigration (lifecycle/migration.ts). */
  migration?: MigrationRecord;
  /** A member of a global datastore: which one, and its role there. */
  global?: GlobalMembership;
}

/** A replication group's part in a global datastore. */
export interface GlobalMembership {
  globalReplicationGroupId: string;
  role: "primary" | "secondary";
}

export type GlobalReplicationGroupStatus = "creating" | "modifying" | "available" | "deleting" | "primary-only";
export type GlobalMemberStatus = "associating" | "associated" | "disassociating" | "disassociated";

/** One replication group of a global datastore, in its own region. */
export interface GlobalMemberRecord {
  replicationGroupId: string;
  region: string;
  role: "primary" | "secondary";
  status: GlobalMemberStatus;
}

/**
 * A global datastore: replication groups in up to three regions of one account, one primary
 * (which takes writes) and secondaries replicating from it. Kept in the account's state; its
 * engine, version, node type and shard layout are the primary group's.
 */
export interface GlobalReplicationGroupRecord {
  /** `<primary region's prefix>-<suffix>`. */
  id: string;
  arn: string;
  description: string;
  status: GlobalReplicationGroupStatus;
  createTime: Date;
  members: GlobalMemberRecord[];
}

/** Who may connect to a cluster's engines: AUTH tokens or user groups (never both). */
export interface AccessSettings {
  userGroupIds: string[];
  /** SHA-256 of the AUTH tokens the default user accepts, oldest first (two while rotating). */
  authTokenHashes: string[];
  /** ROTATE on a cluster that had no token: connections without AUTH still work until SET. */
  authTokenOpenToo: boolean;
  authTokenLastModified?: Date;
  /** Shown in PendingModifiedValues while the replication group is `modifying`. */
  pending?: { authTokenStatus?: "SETTING" | "ROTATING"; userGroupIdsToAdd?: string[]; userGroupIdsToRemove?: string[] };
}

export type UserStatus = "active" | "modifying" | "deleting";

/** An RBAC user: its ACL name is `name`; several users may share a name (not within one group). */
export interface UserRecord {
  id: string;
  name: string;
  arn: string;
  engine: "redis" | "valkey";
  status: UserStatus;
  accessString: string;
  /** AWS's Authentication.Type; passwords are kept as SHA-256 only. */
  authentication: { type: "password" | "no-password" | "iam"; passwordHashes: string[] };
  minimumEngineVersion: string;
}

export type UserGroupStatus = "creating" | "active" | "modifying" | "deleting";

export interface UserGroupRecord {
  id: string;
  arn: string;
  engine: "redis" | "valkey";
  status: UserGroupStatus;
  userIds: string[];
  /** Shown while the group is `modifying`. */
  pending?: { userIdsToAdd: string[]; userIdsToRemove: string[] };
  minimumEngineVersion: string;
}

export type SnapshotStatus = "creating" | "available" | "restoring" | "copying" | "deleting" | "failed";

/** One shard's (or a single node's) part of a snapshot, with its RDB file in the snapshot store. */
export interface NodeSnapshotRecord {
  cacheClusterId: string;
  nodeGroupId?: string;
  cacheNodeId: string;
  /** Cluster mode enabled: the shard's slots ("0-5460"). */
  slots?: string;
  replicaCount?: number;
  primaryAvailabilityZone?: string;
  cacheNodeCreateTime: Date;
  snapshotCreateTime?: Date;
  /** Size of the RDB file in bytes, once taken. */
  sizeBytes?: number;
  /** The RDB file, once taken. */
  rdbFile?: string;
}

/** What a snapshot records of its source, as AWS returns it even after the source is gone. */
export interface SnapshotSourceInfo {
  cacheClusterId?: string;
  replicationGroupId?: string;
  replicationGroupDescription?: string;
  engine: "redis" | "valkey";
  engineVersion: string;
  cacheNodeType: string;
  numCacheNodes?: number;
  preferredAvailabilityZone?: string;
  cacheClusterCreateTime?: Date;
  preferredMaintenanceWindow: string;
  topicArn?: string;
  port: number;
  cacheParameterGroupName: string;
  cacheSubnetGroupName: string;
  autoMinorVersionUpgrade: boolean;
  snapshotRetentionLimit: number;
  snapshotWindow?: string;
  numNodeGroups?: number;
  automaticFailover?: "enabled" | "disabled";
  clusterEnabled: boolean;
  dataTiering: boolean;
}

export interface SnapshotRecord {
  name: string;
  arn: string;
  status: SnapshotStatus;
  source: "manual" | "automated";
  kmsKeyId?: string;
  createTime: Date;
  /** Automatic snapshots: the snapshot clock's time when it was taken (retention counts on it). */
  takenAt?: number;
  info: SnapshotSourceInfo;
  nodes: NodeSnapshotRecord[];
}

/** A cache subnet group: the subnets (and so the zones and VPC) its clusters are placed in. */
export interface SubnetGroupRecord {
  name: string;
  description: string;
  vpcId: string;
  subnetIds: string[];
  arn: string;
}

export interface Ec2SecurityGroupGrant {
  name: string;
  ownerId: string;
}

/** An EC2-Classic cache security group: the EC2 security groups admitted to its clusters. */
export interface CacheSecurityGroupRecord {
  name: string;
  description: string;
  ownerId: string;
  grants: Ec2SecurityGroupGrant[];
  arn: string;
}

/** ServerlessCache.Status, lower-case as AWS returns it. */
export type ServerlessCacheStatus = "creating" | "available" | "modifying" | "deleting" | "create-failed";

/** CacheUsageLimits as the request gave them (a limit of Minimum=Maximum=0 is removed, not kept). */
export interface ServerlessUsageLimits {
  dataStorage?: { maximum?: number; minimum?: number; unit: "GB" };
  ecpuPerSecond?: { maximum?: number; minimum?: number };
}

/**
 * An ElastiCache Serverless cache. Valkey/Redis: a one-shard Redis Cluster over TLS, its
 * primary on `port` (the Endpoint) and its replica on `port + 1` (the ReaderEndpoint);
 * Memcached: one memcached over TLS on `port`.
 */
export interface ServerlessCacheRecord {
  /** Lower-case, as AWS stores it. */
  name: string;
  arn: string;
  description: string;
  engine: EngineKind;
  majorEngineVersion: string;
  fullEngineVersion: string;
  status: ServerlessCacheStatus;
  createTime: Date;
  usageLimits?: ServerlessUsageLimits;
  kmsKeyId?: string;
  securityGroupIds: string[];
  subnetIds: string[];
  userGroupId?: string;
  snapshotRetentionLimit: number;
  dailySnapshotTime: string;
  networkType: string;
  connectionType?: string;
  /** The Endpoint's port once the engines listen (0 before). */
  port: number;
  /** A restore planned at create: the RDB files the primary starts from. */
  restore?: { sources: Array<{ file: string }> };
}

export type ServerlessSnapshotStatus = "creating" | "available" | "copying" | "exporting" | "restoring" | "deleting" | "failed";

/** A serverless cache snapshot: the primary's RDB, kept in the snapshot store; it outlives its cache. */
export interface ServerlessSnapshotRecord {
  /** Lower-case, as AWS stores it. */
  name: string;
  arn: string;
  kmsKeyId?: string;
  snapshotType: "manual" | "automated";
  status: ServerlessSnapshotStatus;
  createTime: Date;
  /** Automatic snapshots: when the retention ends them. */
  expiryTime?: Date;
  sizeBytes?: number;
  cache: { name: string; engine: EngineKind; majorEngineVersion: string; fullEngineVersion: string };
  /** The RDB file once taken (Memcached: its items file, engines/memcached-dump.ts). */
  rdbFile?: string;
  /** Automatic snapshots: the snapshot clock time of the daily snapshot time it was taken for. */
  takenAt?: number;
}

/** A reservation's State, as AWS writes it. */
export type ReservedCacheNodeStatus = "payment-pending" | "active" | "payment-failed" | "retired";

/** A purchased reservation of cache nodes (PurchaseReservedCacheNodesOffering): the offering's terms at the time of purchase. */
export interface ReservedCacheNodeRecord {
  /** As given, or AWS's `ri-YYYY-MM-DD-HH-MM-SS-mmm`. */
  id: string;
  arn: string;
  offeringId: string;
  cacheNodeType: string;
  startTime: Date;
  /** Seconds. */
  duration: number;
  fixedPrice: number;
  usagePrice: number;
  hourlyCharge?: number;
  cacheNodeCount: number;
  productDescription: string;
  offeringType: string;
  status: ReservedCacheNodeStatus;
}
