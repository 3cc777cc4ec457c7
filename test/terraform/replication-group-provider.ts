/**
 * The Terraform AWS provider's `aws_elasticache_replication_group`, replayed through the SDK:
 * its waiters (pending and target statuses of replication_group.go), its read (the group,
 * then its first member cluster, from which engine, version, node type, parameter group and
 * the encryption flags come) and the state that read produces. A plan shows no change when
 * that state equals the configuration, so tests compare the two.
 */
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  ListTagsForResourceCommand,
  type CacheCluster,
  type ElastiCacheClient,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";
import { expect } from "vitest";
import { orNotFound, stateChange } from "../helpers/terraform.js";

const groupNotFound = ["ReplicationGroupNotFoundFault", "ReplicationGroupNotFound"];

async function findGroup(client: ElastiCacheClient, id: string) {
  return orNotFound(async () => {
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0];
    return group ? { status: group.Status!, value: group } : undefined;
  }, groupNotFound);
}

/** waitReplicationGroupAvailable: pending creating, modifying, snapshotting; target available. */
export async function waitReplicationGroupAvailable(client: ElastiCacheClient, id: string): Promise<ReplicationGroup> {
  const observed = await stateChange({
    what: `replication group ${id} available`,
    pending: ["creating", "modifying", "snapshotting"],
    target: ["available"],
    refresh: () => findGroup(client, id),
  });
  return observed.value!;
}

/** waitReplicationGroupDeleted: pending creating, available, deleting; target NotFound. */
export async function waitReplicationGroupDeleted(client: ElastiCacheClient, id: string): Promise<void> {
  await stateChange({
    what: `replication group ${id} deleted`,
    pending: ["creating", "available", "deleting"],
    target: ["NotFound"],
    refresh: () => findGroup(client, id),
  });
}

/**
 * waitReplicationGroupMemberClustersAvailable: DescribeCacheClusters without a filter, the
 * group's MemberClusters picked out; the status is the first member's that is not
 * `available`. Pending creating, deleting, modifying, snapshotting; target available.
 */
export async function waitReplicationGroupMemberClustersAvailable(client: ElastiCacheClient, id: string): Promise<CacheCluster[]> {
  const observed = await stateChange<CacheCluster[]>({
    what: `replication group ${id} member clusters available`,
    pending: ["creating", "deleting", "modifying", "snapshotting"],
    target: ["available"],
    refresh: async () => {
      const group = (await findGroup(client, id)).value;
      if (!group) return { status: "NotFound" };
      const ids = group.MemberClusters ?? [];
      const all: CacheCluster[] = [];
      let marker: string | undefined;
      do {
        const page = await client.send(new DescribeCacheClustersCommand({ Marker: marker }));
        all.push(...(page.CacheClusters ?? []));
        marker = page.Marker;
      } while (marker);
      const members = all.filter((c) => ids.includes(c.CacheClusterId!));
      if (members.length === 0) return { status: "NotFound" };
      const status = members.find((c) => c.CacheClusterStatus !== "available")?.CacheClusterStatus ?? "available";
      return { status, value: members };
    },
  });
  return observed.value!;
}

/** What the provider's read writes into the state (the attributes tests compare). */
export interface ReplicationGroupState {
  description: string;
  num_cache_clusters: number;
  member_clusters: string[];
  num_node_groups: number;
  replicas_per_node_group: number;
  automatic_failover_enabled: boolean;
  multi_az_enabled: boolean;
  cluster_enabled: boolean;
  cluster_mode: string;
  port: number;
  primary_endpoint_address?: string;
  reader_endpoint_address?: string;
  configuration_endpoint_address?: string;
  snapshot_window: string;
  snapshot_retention_limit: number;
  user_group_ids: string[];
  // From the first member cluster:
  node_type: string;
  engine: string;
  engine_version_actual: string;
  auto_minor_version_upgrade: string;
  subnet_group_name: string;
  security_group_ids: string[];
  parameter_group_name: string;
  maintenance_window: string;
  at_rest_encryption_enabled: string;
  security_group_names: string[];
  transit_encryption_enabled: boolean;
  transit_encryption_mode?: string;
  /** The provider clears auth_token when the member says AuthTokenEnabled=false. */
  auth_token_enabled: boolean;
  tags: Record<string, string>;
}

/**
 * resourceReplicationGroupRead: DescribeReplicationGroups, then DescribeCacheClusters of
 * NodeGroups[0].NodeGroupMembers[0] with ShowCacheNodeInfo. Fails where the provider would
 * fail (a nil it dereferences, an engine version that does not parse).
 */
export async function readReplicationGroup(client: ElastiCacheClient, id: string): Promise<{ state: ReplicationGroupState; group: ReplicationGroup; member: CacheCluster }> {
  const group = (await findGroup(client, id)).value;
  if (!group) throw new Error(`replication group ${id} not found`);
  expect(group.Status).not.toBe("deleting");
  expect(["enabled", "enabling", "disabled", "disabling"]).toContain(group.AutomaticFailover);
  expect(["enabled", "disabled"]).toContain(group.MultiAZ);
  const nodeGroups = group.NodeGroups!;
  expect(nodeGroups.length).toBeGreaterThan(0);
  let port: number;
  let endpoints: Pick<ReplicationGroupState, "primary_endpoint_address" | "reader_endpoint_address" | "configuration_endpoint_address">;
  if (group.ConfigurationEndpoint) {
    port = group.ConfigurationEndpoint.Port!;
    endpoints = { configuration_endpoint_address: group.ConfigurationEndpoint.Address! };
  } else {
    expect(nodeGroups[0].PrimaryEndpoint, "NodeGroups[0].PrimaryEndpoint").toBeDefined();
    port = nodeGroups[0].PrimaryEndpoint!.Port!;
    endpoints = { primary_endpoint_address: nodeGroups[0].PrimaryEndpoint!.Address!, reader_endpoint_address: nodeGroups[0].ReaderEndpoint?.Address };
  }
  const firstMemberId = nodeGroups[0].NodeGroupMembers![0].CacheClusterId!;
  const member = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: firstMemberId, ShowCacheNodeInfo: true }))).CacheClusters![0];
  // setCacheNodeData is the cluster resource's; the member read still dereferences the version.
  expect(member.EngineVersion, "EngineVersion parses as a version").toMatch(/^\d+\.\d+(\.\d+)?$/);
  expect(member.CacheParameterGroup?.CacheParameterGroupName).toBeDefined();
  const tags = (await client.send(new ListTagsForResourceCommand({ ResourceName: group.ARN! }))).TagList ?? [];
  const state: ReplicationGroupState = {
    description: group.Description!,
    num_cache_clusters: group.MemberClusters!.length,
    member_clusters: [...group.MemberClusters!].sort(),
    num_node_groups: nodeGroups.length,
    replicas_per_node_group: nodeGroups[0].NodeGroupMembers!.length - 1,
    automatic_failover_enabled: group.AutomaticFailover === "enabled" || group.AutomaticFailover === "enabling",
    multi_az_enabled: group.MultiAZ === "enabled",
    cluster_enabled: group.ClusterEnabled!,
    cluster_mode: group.ClusterMode!,
    port,
    ...endpoints,
    snapshot_window: group.SnapshotWindow!,
    snapshot_retention_limit: group.SnapshotRetentionLimit!,
    user_group_ids: group.UserGroupIds ?? [],
    node_type: member.CacheNodeType!,
    engine: member.Engine!,
    engine_version_actual: member.EngineVersion!,
    auto_minor_version_upgrade: String(member.AutoMinorVersionUpgrade ?? false),
    subnet_group_name: member.CacheSubnetGroupName!,
    security_group_ids: (member.SecurityGroups ?? []).map((s) => s.SecurityGroupId!),
    parameter_group_name: member.CacheParameterGroup!.CacheParameterGroupName!,
    maintenance_window: member.PreferredMaintenanceWindow!,
    at_rest_encryption_enabled: String(member.AtRestEncryptionEnabled ?? false),
    security_group_names: (member.CacheSecurityGroups ?? []).map((s) => s.CacheSecurityGroupName!),
    transit_encryption_enabled: member.TransitEncryptionEnabled!,
    transit_encryption_mode: member.TransitEncryptionMode,
    auth_token_enabled: member.AuthTokenEnabled!,
    tags: Object.fromEntries(tags.map((t) => [t.Key!, t.Value ?? ""])),
  };
  return { state, group, member };
}

/**
 * Every member cluster describes as a real cache cluster of the group, agreeing with it on
 * what the provider reads from the first one (whichever member comes first after a change).
 */
export async function expectMembersMirrorGroup(client: ElastiCacheClient, group: ReplicationGroup): Promise<void> {
  const shared = new Set<string>();
  for (const id of group.MemberClusters!) {
    const c = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0];
    const mirrored = {
      ReplicationGroupId: c.ReplicationGroupId,
      Engine: c.Engine,
      CacheNodeType: c.CacheNodeType,
      AtRestEncryptionEnabled: c.AtRestEncryptionEnabled,
      TransitEncryptionEnabled: c.TransitEncryptionEnabled,
      TransitEncryptionMode: c.TransitEncryptionMode,
      AuthTokenEnabled: c.AuthTokenEnabled,
      SnapshotRetentionLimit: c.SnapshotRetentionLimit,
      SnapshotWindow: c.SnapshotWindow,
      AutoMinorVersionUpgrade: c.AutoMinorVersionUpgrade,
      NumCacheNodes: c.NumCacheNodes,
    };
    expect(mirrored, `member ${id}`).toEqual({
      ReplicationGroupId: group.ReplicationGroupId,
      Engine: group.Engine,
      CacheNodeType: group.CacheNodeType,
      AtRestEncryptionEnabled: group.AtRestEncryptionEnabled,
      TransitEncryptionEnabled: group.TransitEncryptionEnabled,
      TransitEncryptionMode: group.TransitEncryptionMode,
      AuthTokenEnabled: group.AuthTokenEnabled,
      SnapshotRetentionLimit: group.SnapshotRetentionLimit,
      SnapshotWindow: group.SnapshotWindow,
      AutoMinorVersionUpgrade: group.AutoMinorVersionUpgrade,
      NumCacheNodes: 1,
    });
    expect(c.CacheClusterStatus).toBe("available");
    // What the group does not return itself: the same on every member.
    shared.add(
      JSON.stringify({
        EngineVersion: c.EngineVersion,
        CacheParameterGroupName: c.CacheParameterGroup?.CacheParameterGroupName,
        CacheSubnetGroupName: c.CacheSubnetGroupName,
        PreferredMaintenanceWindow: c.PreferredMaintenanceWindow,
        SecurityGroups: c.SecurityGroups?.map((s) => s.SecurityGroupId),
      }),
    );
    // What the provider's cluster read dereferences on every node.
    for (const node of c.CacheNodes!) {
      expect(node.CacheNodeId).toBeDefined();
      expect(node.Endpoint?.Address).toBeDefined();
      expect(node.Endpoint?.Port).toBeDefined();
      expect(node.CustomerAvailabilityZone).toBeDefined();
    }
  }
  expect([...shared], "engine version, parameter group, subnet group, window, security groups of every member").toHaveLength(1);
}
