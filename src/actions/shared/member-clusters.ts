/** Builds the cache cluster record of a replication group member: one node, a role, the group's settings. */
import { buildArn } from "../../state/arn.js";
import type { CacheClusterRecord, NodeGroupRecord, ReplicationGroupRecord } from "../../state/records.js";
import { mirrorGroupSettings } from "../../state/member-settings.js";
import type { ActionContext } from "./context.js";

export function addMember(
  ctx: ActionContext,
  group: ReplicationGroupRecord,
  nodeGroup: NodeGroupRecord,
  role: "primary" | "replica",
  availabilityZone: string | undefined,
  /** A name of the caller's choosing (CreateCacheCluster with ReplicationGroupId); else AWS's numbering. */
  chosenId?: string,
): CacheClusterRecord {
  const id = chosenId ?? memberClusterId(group, nodeGroup.id, nodeGroup.nextMemberNumber++);
  const now = new Date();
  const s = group.settings;
  const az = availabilityZone ?? zoneFor(ctx.region, nodeGroup.memberClusterIds.length);
  const cluster: CacheClusterRecord = {
    id,
    arn: buildArn(ctx.region, ctx.accountId, "cluster", id),
    engine: group.engine,
    engineVersion: group.engineVersion,
    cacheNodeType: group.cacheNodeType,
    status: "creating",
    createTime: now,
    nodes: [{ id: "0001", status: "creating", createTime: now, port: 0, availabilityZone: az, parameterGroupStatus: "in-sync" }],
    // The group's Port is its endpoint's (lifecycle/group-endpoints.ts); members take any port.
    member: { replicationGroupId: group.id, nodeGroupId: nodeGroup.id, role },
    settings: {
      preferredAvailabilityZone: az,
      cacheParameterGroupName: s.cacheParameterGroupName,
      cacheSubnetGroupName: s.cacheSubnetGroupName,
      cacheSecurityGroupNames: s.cacheSecurityGroupNames,
      securityGroupIds: s.securityGroupIds,
      preferredMaintenanceWindow: s.preferredMaintenanceWindow,
      autoMinorVersionUpgrade: s.autoMinorVersionUpgrade,
      snapshotRetentionLimit: s.snapshotRetentionLimit,
      transitEncryptionEnabled: s.transitEncryptionEnabled ?? false,
      transitEncryptionMode: s.transitEncryptionMode,
      authTokenEnabled: false,
      networkType: s.networkType,
      ipDiscovery: s.ipDiscovery,
      logDeliveryConfigurations: [],
    },
    pending: {},
    nextNodeNumber: 2,
  };
  mirrorGroupSettings(group, cluster);
  nodeGroup.memberClusterIds.push(id);
  if (role === "primary") nodeGroup.primaryClusterId = id;
  ctx.state.clusters.set(id, cluster);
  return cluster;
}

/** Members spread over the region's zones a, b, c as AWS places them by default. */
function zoneFor(region: string, index: number): string {
  return `${region}${"abc"[index % 3]}`;
}

/** AWS's member cluster ids: `<rg>-001` (cluster mode disabled), `<rg>-0001-001` (enabled). */
export function memberClusterId(group: { id: string; clusterEnabled: boolean }, nodeGroupId: string, n: number): string {
  const member = String(n).padStart(3, "0");
  return group.clusterEnabled ? `${group.id}-${nodeGroupId}-${member}` : `${group.id}-${member}`;
}
