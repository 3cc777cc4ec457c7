/**
 * Rules AWS applies to snapshot requests, and the snapshot records built from a cache
 * cluster or a replication group (what AWS keeps of the source).
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { buildArn } from "../../state/arn.js";
import type { CacheClusterRecord, NodeSnapshotRecord, ReplicationGroupRecord, SnapshotRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import type { RegionState } from "../../state/store.js";
import type { ActionContext } from "../shared/context.js";
import { requireNew } from "../shared/lookups.js";

/** What building and starting a snapshot needs: the caller's region (automatic snapshots have no request). */
export type SnapshotScope = Pick<ActionContext, "region" | "accountId" | "state" | "services">;

export const MAX_SNAPSHOT_NAME = 255;

/** A manual snapshot's name: new in the region, and not in the `automatic.` namespace AWS keeps for itself. */
export function checkNewSnapshotName(state: RegionState, name: string, parameter = "SnapshotName"): string {
  if (name.length < 1 || name.length > MAX_SNAPSHOT_NAME || /[\u0000-\u001f]/.test(name)) {
    throw commonErrors.invalidParameterValue(`The parameter ${parameter} must be 1 to ${MAX_SNAPSHOT_NAME} printable characters.`);
  }
  if (name.toLowerCase().startsWith("automatic")) {
    throw commonErrors.invalidParameterValue(`The parameter ${parameter} must not start with "automatic": that prefix is reserved for automatic snapshots.`);
  }
  requireNew(resources.snapshot, state, name);
  return name;
}

/** Memcached keeps no data on disk: AWS refuses snapshots of it; so does an engine that cannot write RDB files. */
export function checkSnapshotSupported(ctx: SnapshotScope, cluster: CacheClusterRecord): void {
  if (cluster.engine === "memcached") {
    throw modelError("SnapshotFeatureNotSupportedFault", "Snapshots are not supported for the memcached engine.");
  }
  if (cluster.cacheNodeType === "cache.t1.micro") {
    throw modelError("SnapshotFeatureNotSupportedFault", "Snapshots are not supported for cache.t1.micro nodes.");
  }
  const engine = ctx.services.clusters.engineNode(cluster);
  if (engine && !engine.adminAuth) {
    throw modelError("SnapshotFeatureNotSupportedFault", `Cache cluster ${cluster.id} runs on the embedded engine subset, which cannot write RDB files.`);
  }
}

function record(ctx: SnapshotScope, name: string, source: "manual" | "automated", info: SnapshotRecord["info"], nodes: NodeSnapshotRecord[], kmsKeyId?: string): SnapshotRecord {
  return {
    name,
    arn: buildArn(ctx.region, ctx.accountId, "snapshot", name),
    status: "creating",
    source,
    kmsKeyId,
    createTime: new Date(),
    info,
    nodes,
  };
}

/** A standalone Redis/Valkey cluster's snapshot: one node. */
export function clusterSnapshot(ctx: SnapshotScope, name: string, cluster: CacheClusterRecord, source: "manual" | "automated", kmsKeyId?: string): SnapshotRecord {
  const s = cluster.settings;
  const node = cluster.nodes[0]!;
  return record(
    ctx,
    name,
    source,
    {
      cacheClusterId: cluster.id,
      engine: cluster.engine as "redis" | "valkey",
      engineVersion: cluster.engineVersion,
      cacheNodeType: cluster.cacheNodeType,
      numCacheNodes: cluster.nodes.length,
      preferredAvailabilityZone: s.preferredAvailabilityZone,
      cacheClusterCreateTime: cluster.createTime,
      preferredMaintenanceWindow: s.preferredMaintenanceWindow,
      topicArn: s.notificationTopicArn,
      port: node.port || cluster.requestedPort || 6379,
      cacheParameterGroupName: s.cacheParameterGroupName,
      cacheSubnetGroupName: s.cacheSubnetGroupName,
      autoMinorVersionUpgrade: s.autoMinorVersionUpgrade,
      snapshotRetentionLimit: s.snapshotRetentionLimit,
      snapshotWindow: s.snapshotWindow,
      clusterEnabled: false,
      dataTiering: false,
    },
    [{ cacheClusterId: cluster.id, cacheNodeId: node.id, cacheNodeCreateTime: node.createTime }],
    kmsKeyId,
  );
}

/**
 * A replication group's snapshot: one part per node group, each to be taken from a replica
 * when the node group has a live one (AWS spares the primary), or from `member` when named.
 */
export function groupSnapshot(
  ctx: SnapshotScope,
  name: string,
  group: ReplicationGroupRecord,
  source: "manual" | "automated",
  opts: { member?: CacheClusterRecord; kmsKeyId?: string } = {},
): SnapshotRecord {
  const s = group.settings;
  const clusterOf = (id: string) => ctx.state.clusters.get(id);
  const nodeGroups = opts.member ? group.nodeGroups.filter((ng) => ng.id === opts.member!.member!.nodeGroupId) : group.nodeGroups;
  const nodes = nodeGroups.map((ng): NodeSnapshotRecord => {
    const live = (id: string) => ng.memberClusterIds.includes(id) && clusterOf(id) !== undefined && ctx.services.clusters.engineNode(clusterOf(id)!) !== undefined;
    // SnapshottingClusterId (ModifyReplicationGroup) names the member to take it from; else a replica.
    const chosen = s.snapshottingClusterId !== undefined && live(s.snapshottingClusterId) ? s.snapshottingClusterId : undefined;
    const replica = ng.memberClusterIds.find((id) => id !== ng.primaryClusterId && live(id));
    const from = clusterOf(opts.member?.id ?? chosen ?? replica ?? ng.primaryClusterId)!;
    const primary = clusterOf(ng.primaryClusterId);
    return {
      cacheClusterId: from.id,
      nodeGroupId: ng.id,
      cacheNodeId: from.nodes[0]?.id ?? "0001",
      slots: group.clusterEnabled ? ng.slots : undefined,
      replicaCount: ng.memberClusterIds.length - 1,
      primaryAvailabilityZone: primary?.nodes[0]?.availabilityZone,
      cacheNodeCreateTime: from.nodes[0]?.createTime ?? from.createTime,
    };
  });
  const primary = clusterOf(group.nodeGroups[0]!.primaryClusterId);
  return record(
    ctx,
    name,
    source,
    {
      cacheClusterId: opts.member?.id,
      replicationGroupId: group.id,
      replicationGroupDescription: group.description,
      engine: group.engine,
      engineVersion: group.engineVersion,
      cacheNodeType: group.cacheNodeType,
      numCacheNodes: opts.member ? 1 : undefined,
      preferredAvailabilityZone: opts.member?.settings.preferredAvailabilityZone,
      cacheClusterCreateTime: opts.member?.createTime,
      preferredMaintenanceWindow: s.preferredMaintenanceWindow,
      topicArn: s.notificationTopicArn,
      port: primary?.nodes[0]?.port || group.requestedPort || 6379,
      cacheParameterGroupName: s.cacheParameterGroupName,
      cacheSubnetGroupName: s.cacheSubnetGroupName,
      autoMinorVersionUpgrade: s.autoMinorVersionUpgrade,
      snapshotRetentionLimit: s.snapshotRetentionLimit,
      snapshotWindow: s.snapshotWindow,
      numNodeGroups: group.nodeGroups.length,
      automaticFailover: group.automaticFailover ? "enabled" : "disabled",
      clusterEnabled: group.clusterEnabled,
      dataTiering: s.dataTiering,
    },
    nodes,
    opts.kmsKeyId,
  );
}

/** Stores the record and starts taking it; the source shows `snapshotting` unless it is being deleted. */
export function startClusterSnapshot(ctx: SnapshotScope, snapshot: SnapshotRecord, cluster: CacheClusterRecord): void {
  ctx.state.snapshots.set(snapshot.name, snapshot);
  if (cluster.status === "available") cluster.status = "snapshotting";
  void ctx.services.snapshots.snapshotCluster(ctx.state, snapshot, cluster);
}

export function startGroupSnapshot(ctx: SnapshotScope, snapshot: SnapshotRecord, group: ReplicationGroupRecord): void {
  ctx.state.snapshots.set(snapshot.name, snapshot);
  if (group.status === "available") group.status = "snapshotting";
  void ctx.services.snapshots.snapshotGroup(ctx.state, snapshot, group);
}

