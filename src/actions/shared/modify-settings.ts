/**
 * The settings ModifyCacheCluster and ModifyReplicationGroup both record at once, whatever
 * ApplyImmediately says: the same inputs land in the same fields of either record.
 */
import type { SharedSettings } from "../../state/records.js";

/** The snapshot window is optional on a cluster (Memcached has none) and always set on a group. */
type Shared = SharedSettings & { snapshotWindow?: string };

interface SharedInput {
  CacheSecurityGroupNames?: string[];
  SecurityGroupIds?: string[];
  PreferredMaintenanceWindow?: string;
  NotificationTopicArn?: string;
  NotificationTopicStatus?: string;
  CacheParameterGroupName?: string;
  AutoMinorVersionUpgrade?: boolean;
  SnapshotRetentionLimit?: number;
  SnapshotWindow?: string;
  IpDiscovery?: string;
  LogDeliveryConfigurations?: Array<object>;
}

export function recordSharedSettings(s: Shared, input: SharedInput): void {
  if (input.CacheSecurityGroupNames !== undefined) s.cacheSecurityGroupNames = input.CacheSecurityGroupNames;
  if (input.SecurityGroupIds !== undefined) s.securityGroupIds = input.SecurityGroupIds;
  if (input.PreferredMaintenanceWindow !== undefined) s.preferredMaintenanceWindow = input.PreferredMaintenanceWindow;
  if (input.NotificationTopicArn !== undefined) s.notificationTopicArn = input.NotificationTopicArn;
  if (input.NotificationTopicStatus !== undefined) s.notificationTopicStatus = input.NotificationTopicStatus;
  if (input.CacheParameterGroupName !== undefined) s.cacheParameterGroupName = input.CacheParameterGroupName;
  if (input.AutoMinorVersionUpgrade !== undefined) s.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
  if (input.SnapshotRetentionLimit !== undefined) s.snapshotRetentionLimit = input.SnapshotRetentionLimit;
  if (input.SnapshotWindow !== undefined) s.snapshotWindow = input.SnapshotWindow;
  if (input.IpDiscovery !== undefined) s.ipDiscovery = input.IpDiscovery;
  if (input.LogDeliveryConfigurations !== undefined) {
    s.logDeliveryConfigurations = input.LogDeliveryConfigurations.map((c) => ({ ...c, Status: "active" }));
  }
}
