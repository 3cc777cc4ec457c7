/**
 * Internal records: what the emulator keeps about each resource. They are not wire
 * shapes; state/to-wire.ts is the one place that turns them into API output.
 */
import type { EngineKind } from "../engines/engine.js";

export type CacheClusterStatus =
  | "creating"
  | "available"
  | "modifying"
  | "rebooting cache cluster nodes"
  | "deleting"
  | "incompatible-network"
  | "restore-failed";

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

/** Inputs AWS records and returns as they are; the emulator keeps them verbatim. */
export interface ClusterSettings {
  preferredAvailabilityZone: string;
  azMode?: string;
  cacheParameterGroupName: string;
  cacheSubnetGroupName: string;
  cacheSecurityGroupNames: string[];
  securityGroupIds: string[];
  preferredMaintenanceWindow: string;
  notificationTopicArn?: string;
  notificationTopicStatus?: string;
  autoMinorVersionUpgrade: boolean;
  snapshotRetentionLimit: number;
  snapshotWindow?: string;
  transitEncryptionEnabled: boolean;
  authTokenEnabled: boolean;
  networkType: string;
  ipDiscovery: string;
  logDeliveryConfigurations: Array<Record<string, unknown>>;
  outpostMode?: string;
  preferredOutpostArn?: string;
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
  replicationGroupId?: string;
  settings: ClusterSettings;
  pending: PendingClusterChanges;
  /** Next node id to hand out ("0004" after 0001..0003, even when 0002 was removed). */
  nextNodeNumber: number;
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
