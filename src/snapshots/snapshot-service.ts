/**
 * Snapshot work on real engines: taking RDBs (from a replica when there is one),
 * copies and exports, and automatic snapshots (taken here, in each source's window).
 * Actions store the records and their statuses; this module does the work and moves
 * the statuses on, with AWS's events. Restoring a snapshot into a new cluster or group is
 * a step of its create (lifecycle/data-restore.ts): here the snapshot only shows `restoring`.
 */
import { constants as fsConstants } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { EmulatorConfig } from "../config.js";
import type { EngineNode } from "../engines/engine.js";
import { waitReplicaSynced } from "../engines/topology/index.js";
import type { ClusterLifecycle } from "../lifecycle/cluster-lifecycle.js";
import { emitEvent } from "../lifecycle/events.js";
import type { ReplicationLifecycle } from "../lifecycle/replication-lifecycle.js";
import type { Logger } from "../logger.js";
import type { CacheClusterRecord, ReplicationGroupRecord, SnapshotRecord } from "../state/records.js";
import { resources } from "../state/resources.js";
import type { RegionState, Store } from "../state/store.js";
import { placeFile, saveRdb } from "./rdb.js";
import { automaticSnapshotName, expired, type SnapshotClock, windowStartBetween, windowStartMinutes } from "./schedule.js";
import { SnapshotWork } from "./snapshot-work.js";
import { SnapshotFiles } from "./snapshot-files.js";
import { clusterSnapshot, groupSnapshot } from "./snapshot-records.js";

export interface SnapshotServiceOptions {
  config: EmulatorConfig;
  /** The emulator's one clock: automatic snapshots happen in their window on it. */
  clock: SnapshotClock;
  store: Store;
  /** Saves run in the source's own order (after a create, before a delete). */
  clusters: Pick<ClusterLifecycle, "exclusive" | "engineNode">;
  replication: Pick<ReplicationLifecycle, "exclusive">;
  files: SnapshotFiles;
  logger: Logger;
}

export class SnapshotService {
  readonly clock: SnapshotClock;
  private readonly work = new SnapshotWork();
  /** Copies running from each snapshot: it shows `copying` while there are any. */
  private readonly copies = new Map<SnapshotRecord, number>();
  /** Snapshot clock time each source was last checked for its window (by ARN). */
  private readonly checkedUpTo = new Map<string, number>();
  private readonly windowDue = new Map<string, number>();

  constructor(private readonly options: SnapshotServiceOptions) {
    this.clock = options.clock;
  }

  get files(): SnapshotFiles {
    return this.options.files;
  }

  /** A standalone Redis/Valkey cluster's snapshot record (snapshot-records.ts). */
  clusterRecord(region: RegionState, name: string, cluster: CacheClusterRecord, source: "manual" | "automated", kmsKeyId?: string): SnapshotRecord {
    return clusterSnapshot(region, name, cluster, source, kmsKeyId);
  }

  /** A replication group's snapshot record, its parts taken from live replicas when there are (snapshot-records.ts). */
  groupRecord(
    region: RegionState,
    name: string,
    group: ReplicationGroupRecord,
    source: "manual" | "automated",
    opts: { member?: CacheClusterRecord; kmsKeyId?: string } = {},
  ): SnapshotRecord {
    return groupSnapshot(region, name, group, source, { ...opts, running: (c) => this.options.clusters.engineNode(c) !== undefined });
  }

  /** Stores the record and starts taking it; the cluster shows `snapshotting` unless it is being deleted. */
  startCluster(region: RegionState, snapshot: SnapshotRecord, cluster: CacheClusterRecord): void {
    region.snapshots.set(snapshot.name, snapshot);
    if (cluster.status === "available") cluster.status = "snapshotting";
    void this.snapshotCluster(region, snapshot, cluster);
  }

  /** Stores the record and starts taking it; the group shows `snapshotting` unless it is being deleted. */
  startGroup(region: RegionState, snapshot: SnapshotRecord, group: ReplicationGroupRecord): void {
    region.snapshots.set(snapshot.name, snapshot);
    if (group.status === "available") group.status = "snapshotting";
    void this.snapshotGroup(region, snapshot, group);
  }

  /** The record is stored `creating` and the cluster is `snapshotting` (or `deleting`, for a final snapshot). */
  snapshotCluster(region: RegionState, snapshot: SnapshotRecord, cluster: CacheClusterRecord): Promise<void> {
    return this.work.track(
      this.options.clusters.exclusive(cluster, async () => {
        const engine = this.options.clusters.engineNode(cluster);
        await this.take(region, snapshot, cluster.id, "cache cluster", async () => {
          if (!engine) throw new Error(`cache cluster ${cluster.id} has no running engine`);
          await this.saveNode(region, snapshot, 0, engine);
        });
        if (cluster.status === "snapshotting") cluster.status = "available";
      }),
    );
  }

  /** Every node group's RDB, each from a replica when there is one (synced first), else from its primary. */
  snapshotGroup(region: RegionState, snapshot: SnapshotRecord, group: ReplicationGroupRecord): Promise<void> {
    return this.work.track(
      this.options.replication.exclusive(group, async () => {
        await this.take(region, snapshot, group.id, "replication group", async () => {
          await Promise.all(
            snapshot.nodes.map(async (part, i) => {
              const nodeGroup = group.nodeGroups.find((ng) => ng.id === part.nodeGroupId);
              const primary = nodeGroup && this.engineOf(region, nodeGroup.primaryClusterId);
              if (!nodeGroup || !primary) throw new Error(`node group ${part.nodeGroupId} has no running primary`);
              let from = part.cacheClusterId !== nodeGroup.primaryClusterId ? this.engineOf(region, part.cacheClusterId) : undefined;
              if (from) await waitReplicaSynced(from, primary).catch(() => (from = undefined));
              if (!from) part.cacheClusterId = nodeGroup.primaryClusterId;
              await this.saveNode(region, snapshot, i, from ?? primary);
            }),
          );
        });
        if (group.status === "snapshotting") group.status = "available";
      }),
    );
  }

  /** A copy inside the store: the target is `creating`, the source `copying`. */
  copy(region: RegionState, source: SnapshotRecord, target: SnapshotRecord): void {
    this.copies.set(source, (this.copies.get(source) ?? 0) + 1);
    source.status = "copying";
    void this.work.track(
      (async () => {
        try {
          for (const [i, part] of source.nodes.entries()) {
            const to = this.files.rdbPath(region.key, target.name, part.nodeGroupId ?? "0001");
            await placeFile(part.rdbFile!, to);
            target.nodes[i]!.rdbFile = to;
          }
          target.status = "available";
        } catch (error) {
          this.options.logger.error("snapshot copy failed", { snapshot: target.name, error: (error as Error).message });
          target.status = "failed";
        } finally {
          const left = (this.copies.get(source) ?? 1) - 1;
          if (left > 0) this.copies.set(source, left);
          else {
            this.copies.delete(source);
            if (source.status === "copying") source.status = "available";
          }
        }
      })(),
    );
  }

  /** The files an export writes: `<bucket>/<name>-<node group>.rdb`; undefined for a bucket name S3 refuses. */
  exportFiles(snapshot: SnapshotRecord, bucket: string, name: string): string[] | undefined {
    const paths = snapshot.nodes.map((n) => this.files.objectPath(bucket, `${name}-${n.nodeGroupId ?? "0001"}.rdb`));
    return paths.every((p): p is string => p !== undefined) ? paths : undefined;
  }

  /** Writes the export; refuses to overwrite (EEXIST), as S3 names must be new. */
  async export(snapshot: SnapshotRecord, paths: string[]): Promise<void> {
    for (const [i, path] of paths.entries()) {
      await mkdir(dirname(path), { recursive: true });
      await copyFile(snapshot.nodes[i]!.rdbFile!, path, fsConstants.COPYFILE_EXCL | fsConstants.COPYFILE_FICLONE);
    }
  }

  /** The record is `deleting`: its files go, then the record and its tags. */
  delete(region: RegionState, snapshot: SnapshotRecord): void {
    void this.work.track(
      (async () => {
        await this.files.removeSnapshot(region.key, snapshot.name);
        if (region.snapshots.get(snapshot.name) === snapshot) region.snapshots.delete(snapshot.name);
        region.tags.delete(snapshot.arn);
      })(),
    );
  }

  /** Automatic snapshots go with their source (AWS keeps manual and final ones). */
  deleteAutomatic(region: RegionState, source: { cacheClusterId?: string; replicationGroupId?: string }): void {
    for (const s of region.snapshots.values()) {
      // One still being taken, copied or restored from stays; the retention clock removes it later.
      if (s.source !== "automated" || s.status !== "available") continue;
      const of = source.replicationGroupId ? s.info.replicationGroupId === source.replicationGroupId : !s.info.replicationGroupId && s.info.cacheClusterId === source.cacheClusterId;
      if (!of) continue;
      s.status = "deleting";
      this.delete(region, s);
    }
  }

  /** The snapshot shows `restoring` until `done` (the new resource is up, or failed). */
  restoring(snapshot: { status: string }, done: Promise<void>): void {
    this.work.restoring(snapshot, done);
  }

  /** Starts the automatic snapshot clock (SnapshotRetentionLimit > 0). */
  startAutomatic(): void {
    this.work.startTicker(this.clock, () => this.tick());
  }

  /**
   * Stops the clock and makes saves in progress give up; resolves once the snapshot work in
   * flight has ended (the lifecycles' stopAll() ends what waits on them).
   */
  async stop(): Promise<void> {
    await this.work.stop();
  }

  /** Forgets every schedule, and every snapshot file (reset, after the engines stopped). */
  async reset(): Promise<void> {
    await this.work.settled();
    this.checkedUpTo.clear();
    this.windowDue.clear();
    await this.files.clear();
  }

  /** One look at every source with automatic snapshots on: take the due ones, drop the expired ones. */
  private tick(): void {
    const now = this.clock.now();
    for (const region of this.options.store.allRegions()) {
      const sources: Array<CacheClusterRecord | ReplicationGroupRecord> = [
        ...[...region.clusters.values()].filter((c) => c.engine !== "memcached" && !c.member),
        ...region.replicationGroups.values(),
      ];
      for (const source of sources) this.checkSource(region, source, now);
      for (const s of [...region.snapshots.values()]) {
        if (s.source !== "automated" || s.status !== "available" || s.takenAt === undefined) continue;
        const owner = s.info.replicationGroupId ? region.replicationGroups.get(s.info.replicationGroupId) : region.clusters.get(s.info.cacheClusterId ?? "");
        const days = owner?.settings.snapshotRetentionLimit ?? s.info.snapshotRetentionLimit;
        if (days > 0 && expired(s.takenAt, days, now)) {
          s.status = "deleting";
          this.delete(region, s);
        }
      }
    }
  }

  private checkSource(region: RegionState, source: CacheClusterRecord | ReplicationGroupRecord, now: number): void {
    const retention = source.settings.snapshotRetentionLimit;
    if (!(retention > 0)) {
      this.checkedUpTo.delete(source.arn);
      this.windowDue.delete(source.arn);
      return;
    }
    const start = windowStartMinutes(source.settings.snapshotWindow);
    const last = this.checkedUpTo.get(source.arn);
    this.checkedUpTo.set(source.arn, now);
    if (start === undefined || last === undefined) return;
    const due = windowStartBetween(start, last, now);
    if (due !== undefined) this.windowDue.set(source.arn, due);
    const pending = this.windowDue.get(source.arn);
    if (pending === undefined || source.status !== "available") return;
    this.windowDue.delete(source.arn);
    const name = automaticSnapshotName(source.id, pending);
    if (region.snapshots.has(name)) return;
    try {
      this.takeAutomatic(region, source, name, pending);
    } catch (error) {
      this.options.logger.warn("automatic snapshot not taken", { source: source.id, error: (error as Error).message });
    }
  }

  /** One automatic snapshot of the source, named for its window's start. */
  private takeAutomatic(region: RegionState, source: CacheClusterRecord | ReplicationGroupRecord, name: string, takenAt: number): void {
    const quota = resources.snapshot.quota!;
    const limit = quota.limit(this.options.config);
    if (region.snapshots.size >= limit) throw quota.exceeded(limit);
    if ("nodeGroups" in source) {
      const snapshot = this.groupRecord(region, name, source, "automated");
      snapshot.takenAt = takenAt;
      this.startGroup(region, snapshot, source);
    } else {
      const snapshot = this.clusterRecord(region, name, source, "automated");
      snapshot.takenAt = takenAt;
      this.startCluster(region, snapshot, source);
    }
  }

  private async take(region: RegionState, snapshot: SnapshotRecord, sourceId: string, what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
      snapshot.status = "available";
      emitEvent(region, "cache-cluster", snapshot.nodes[0]?.cacheClusterId ?? sourceId, `Snapshot succeeded for snapshot with ID '${snapshot.name}' of ${what} with ID '${sourceId}'`);
    } catch (error) {
      this.options.logger.error("snapshot failed", { snapshot: snapshot.name, error: (error as Error).message });
      snapshot.status = "failed";
      emitEvent(region, "cache-cluster", snapshot.nodes[0]?.cacheClusterId ?? sourceId, `Snapshot failed for snapshot with ID '${snapshot.name}' of ${what} with ID '${sourceId}'`);
    }
  }

  private async saveNode(region: RegionState, snapshot: SnapshotRecord, index: number, engine: EngineNode): Promise<void> {
    const part = snapshot.nodes[index]!;
    const file = this.files.rdbPath(region.key, snapshot.name, part.nodeGroupId ?? "0001");
    part.sizeBytes = await saveRdb(engine, file, { isCancelled: () => this.work.stopped });
    part.rdbFile = file;
    part.snapshotCreateTime = new Date();
  }

  private engineOf(region: RegionState, clusterId: string): EngineNode | undefined {
    const cluster = region.clusters.get(clusterId);
    return cluster ? this.options.clusters.engineNode(cluster) : undefined;
  }
}
