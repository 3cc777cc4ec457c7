/**
 * Rules AWS applies to snapshot requests; the records themselves are built and started by
 * the snapshot service (snapshots/snapshot-records.ts).
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { CacheClusterRecord, ReplicationGroupRecord, SnapshotRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import type { RegionState } from "../../state/store.js";
import type { ActionContext } from "../shared/context.js";
import { requireNew } from "../shared/lookups.js";

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
export function checkSnapshotSupported(ctx: ActionContext, cluster: CacheClusterRecord): void {
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

/** A standalone Redis/Valkey cluster's snapshot record (snapshots/snapshot-records.ts). */
export function clusterSnapshot(ctx: ActionContext, name: string, cluster: CacheClusterRecord, source: "manual" | "automated", kmsKeyId?: string): SnapshotRecord {
  return ctx.services.snapshots.clusterRecord(ctx.state, name, cluster, source, kmsKeyId);
}

/** A replication group's snapshot record: one part per node group, or the node group of `member`. */
export function groupSnapshot(
  ctx: ActionContext,
  name: string,
  group: ReplicationGroupRecord,
  source: "manual" | "automated",
  opts: { member?: CacheClusterRecord; kmsKeyId?: string } = {},
): SnapshotRecord {
  return ctx.services.snapshots.groupRecord(ctx.state, name, group, source, opts);
}

/** Stores the record and starts taking it; the source shows `snapshotting` unless it is being deleted. */
export function startClusterSnapshot(ctx: ActionContext, snapshot: SnapshotRecord, cluster: CacheClusterRecord): void {
  ctx.services.snapshots.startCluster(ctx.state, snapshot, cluster);
}

export function startGroupSnapshot(ctx: ActionContext, snapshot: SnapshotRecord, group: ReplicationGroupRecord): void {
  ctx.services.snapshots.startGroup(ctx.state, snapshot, group);
}

