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
  if (input.NotificationTopicArn !== undefined) {
    // A new topic is active unless the request says otherwise.
    s.notificationTopicArn = input.NotificationTopicArn;
    s.notificationTopicStatus = input.NotificationTopicStatus ?? "active";
  } else if (input.NotificationTopicStatus !== undefined) s.notificationTopicStatus = input.NotificationTopicStatus;
  if (input.CacheParameterGroupName !== undefined) s.cacheParameterGroupName = input.CacheParameterGroupName;
  if (input.AutoMinorVersionUpgrade !== undefined) s.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
  if (input.SnapshotRetentionLimit !== undefined) s.snapshotRetentionLimit = input.SnapshotRetentionLimit;
  if (input.SnapshotWindow !== undefined) s.snapshotWindow = input.SnapshotWindow;
  if (input.IpDiscovery !== undefined) s.ipDiscovery = input.IpDiscovery;
  if (input.LogDeliveryConfigurations !== undefined) {
    s.logDeliveryConfigurations = logDeliveryAfter(s.logDeliveryConfigurations, input.LogDeliveryConfigurations);
  }
}

/**
 * Log delivery is kept per log type: a request replaces the configuration of its LogType,
 * and `Enabled: false` removes it; log types the request does not name stay as they are
 * (what the Terraform provider relies on: it sends the remaining ones plus a disable per
 * removed type).
 */
export function logDeliveryAfter(current: Array<Record<string, unknown>>, requests: Array<object>): Array<Record<string, unknown>> {
  const byType = new Map(current.map((c) => [c.LogType, c]));
  for (const request of requests as Array<Record<string, unknown>>) {
    const { Enabled, ...config } = request;
    if (Enabled === false) byType.delete(config.LogType);
    else byType.set(config.LogType, { ...config, Status: "active" });
  }
  return [...byType.values()];
}
