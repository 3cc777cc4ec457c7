/**
 * The settings a replication group's member clusters carry as the group does (one place for
 * actions, and for recovery of records written before a setting was mirrored).
 */
import type { CacheClusterRecord, ReplicationGroupRecord } from "./records.js";

/**
 * What a member cluster returns as its group has it: the Terraform provider reads a group's
 * engine, version, node type, parameter group and encryption flags from its first member, so
 * every member carries the group's, from its creation and after every ModifyReplicationGroup.
 * TLS in transit is the exception: the members change first, while the group shows it pending.
 */
export function mirrorGroupSettings(group: ReplicationGroupRecord, member: CacheClusterRecord): void {
  const g = group.settings;
  const m = member.settings;
  m.cacheParameterGroupName = g.cacheParameterGroupName;
  m.cacheSubnetGroupName = g.cacheSubnetGroupName;
  m.cacheSecurityGroupNames = g.cacheSecurityGroupNames;
  m.securityGroupIds = g.securityGroupIds;
  m.preferredMaintenanceWindow = g.preferredMaintenanceWindow;
  m.notificationTopicArn = g.notificationTopicArn;
  m.notificationTopicStatus = g.notificationTopicStatus;
  m.autoMinorVersionUpgrade = g.autoMinorVersionUpgrade;
  m.snapshotRetentionLimit = g.snapshotRetentionLimit;
  m.snapshotWindow = g.snapshotWindow;
  m.atRestEncryptionEnabled = g.atRestEncryptionEnabled;
  m.authTokenEnabled = (group.access?.authTokenHashes.length ?? 0) > 0;
  m.networkType = g.networkType;
  m.ipDiscovery = g.ipDiscovery;
}
