/**
 * Serverless cache snapshots on real engines: the primary's RDB (BGSAVE, rdb.ts; Memcached:
 * its items read out of the engine, engines/memcached-dump.ts) in the
 * snapshot store, copies, exports to the folder standing in for S3, and the automatic daily
 * snapshots (DailySnapshotTime, SnapshotRetentionLimit) on the snapshot clock. Actions store
 * the records; this module does the work and moves the statuses on, with AWS's events.
 * Restoring into a new cache is a step of its create (lifecycle/serverless-lifecycle.ts).
 */
import { constants as fsConstants } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { EmulatorConfig } from "../config.js";
import { emitEvent } from "../lifecycle/events.js";
import type { ServerlessLifecycle } from "../lifecycle/serverless-lifecycle.js";
import type { Logger } from "../logger.js";
import { buildArn } from "../state/arn.js";
import type { ServerlessCacheRecord, ServerlessSnapshotRecord } from "../state/records.js";
import type { RegionState, Store } from "../state/store.js";
import { dumpMemcached } from "../engines/memcached-dump.js";
import { placeFile, saveRdb } from "./rdb.js";
import { automaticSnapshotName, expired, type SnapshotClock, windowStartBetween } from "./schedule.js";
import { SnapshotWork } from "./snapshot-work.js";
import type { SnapshotFiles } from "./snapshot-files.js";

const DAY_MS = 24 * 60 * 60_000;

/** AWS's event texts (serverless-metrics-events). */
export const serverlessSnapshotEvents = {
  created: (snapshot: string, cache: string) => `Snapshot ${snapshot} created for cache ${cache}.`,
  failed: (cache: string) => `Failed to create snapshot for cache ${cache}.`,
  exportFailed: (snapshot: string, why: string) => `Failed to export snapshot ${snapshot} ${why}.`,
};

export interface ServerlessSnapshotsOptions {
  config: EmulatorConfig;
  /** The emulator's one clock: automatic snapshots happen in their window on it. */
  clock: SnapshotClock;
  store: Store;
  /** Saves run in the cache's own order (after its create, before its delete). */
  serverless: Pick<ServerlessLifecycle, "exclusive" | "engines">;
  files: SnapshotFiles;
  logger: Logger;
}

export class ServerlessSnapshots {
  readonly clock: SnapshotClock;
  private readonly work = new SnapshotWork();
  /** Snapshot clock time each cache was last checked for its daily snapshot time (by ARN). */
  private readonly checkedUpTo = new Map<string, number>();
  private readonly due = new Map<string, number>();

  constructor(private readonly options: ServerlessSnapshotsOptions) {
    this.clock = options.clock;
  }

  get files(): SnapshotFiles {
    return this.options.files;
  }

  /** A new snapshot record of the cache (`creating`), not stored yet. */
  record(region: RegionState, name: string, cache: ServerlessCacheRecord, type: "manual" | "automated", kmsKeyId?: string): ServerlessSnapshotRecord {
    return {
      name,
      arn: buildArn(region.key.region, region.key.accountId, "serverlesscachesnapshot", name),
      kmsKeyId: kmsKeyId ?? cache.kmsKeyId,
      snapshotType: type,
      status: "creating",
      createTime: new Date(),
      cache: { name: cache.name, engine: cache.engine, majorEngineVersion: cache.majorEngineVersion, fullEngineVersion: cache.fullEngineVersion },
    };
  }

  /** The record is stored `creating`: the primary's RDB is taken in the cache's order. */
  take(region: RegionState, snapshot: ServerlessSnapshotRecord, cache: ServerlessCacheRecord): Promise<void> {
    return this.work.track(
      this.options.serverless.exclusive(cache, async () => {
        try {
          const [primary] = this.options.serverless.engines(cache);
          if (!primary) throw new Error(`serverless cache ${cache.name} has no running engine`);
          const file = this.files.rdbPath(region.key, snapshotDir(snapshot.name), "0001");
          if (cache.engine === "memcached") {
            // memcached keeps nothing on disk: its items are read out of the running engine.
            const items = memcachedItemsFile(file);
            snapshot.sizeBytes = (await dumpMemcached(primary.endpoint, items)).bytes;
            snapshot.rdbFile = items;
          } else {
            snapshot.sizeBytes = await saveRdb(primary, file, { isCancelled: () => this.work.stopped });
            snapshot.rdbFile = file;
          }
          snapshot.status = "available";
          emitEvent(region, "serverless-cache-snapshot", snapshot.name, serverlessSnapshotEvents.created(snapshot.name, cache.name), snapshot.arn);
        } catch (error) {
          this.options.logger.error("serverless snapshot failed", { snapshot: snapshot.name, error: (error as Error).message });
          snapshot.status = "failed";
          emitEvent(region, "serverless-cache-snapshot", snapshot.name, serverlessSnapshotEvents.failed(cache.name), snapshot.arn);
        }
      }),
    );
  }

  /** A copy in the store: the target `creating`, then `available` with the same data. */
  copy(region: RegionState, source: ServerlessSnapshotRecord, target: ServerlessSnapshotRecord): void {
    void this.work.track(
      this.busy(source, "copying", async () => {
        try {
          const rdb = this.files.rdbPath(region.key, snapshotDir(target.name), "0001");
          const to = source.cache.engine === "memcached" ? memcachedItemsFile(rdb) : rdb;
          await placeFile(source.rdbFile!, to);
          target.rdbFile = to;
          target.sizeBytes = source.sizeBytes;
          target.status = "available";
        } catch (error) {
          this.options.logger.error("serverless snapshot copy failed", { snapshot: target.name, error: (error as Error).message });
          target.status = "failed";
        }
      }),
    );
  }

  /** The export's file: `<bucket>/<snapshot>-0001.rdb` (as node-based exports name theirs); undefined for a bucket name S3 refuses. */
  exportPath(snapshot: ServerlessSnapshotRecord, bucket: string): string | undefined {
    return this.files.objectPath(bucket, `${snapshot.name}-0001.rdb`);
  }

  /** The snapshot is `exporting` until its RDB is in the bucket; never over an existing object (AWS's failure event). */
  export(region: RegionState, snapshot: ServerlessSnapshotRecord, path: string): void {
    void this.work.track(
      this.busy(snapshot, "exporting", async () => {
        try {
          await mkdir(dirname(path), { recursive: true });
          await copyFile(snapshot.rdbFile!, path, fsConstants.COPYFILE_EXCL);
        } catch (error) {
          const exists = (error as NodeJS.ErrnoException).code === "EEXIST";
          const why = exists ? "because there is already an object with the same name in the bucket" : "because the S3 bucket is not accessible";
          emitEvent(region, "serverless-cache-snapshot", snapshot.name, serverlessSnapshotEvents.exportFailed(snapshot.name, why), snapshot.arn);
        }
      }),
    );
  }

  /** The record is `deleting`: its files go, then the record and its tags. */
  delete(region: RegionState, snapshot: ServerlessSnapshotRecord): void {
    void this.work.track(
      (async () => {
        await this.files.removeSnapshot(region.key, snapshotDir(snapshot.name));
        if (region.serverlessSnapshots.get(snapshot.name) === snapshot) region.serverlessSnapshots.delete(snapshot.name);
        region.tags.delete(snapshot.arn);
      })(),
    );
  }

  /** A cache's automatic snapshots go with it (AWS keeps manual and final ones). */
  deleteAutomatic(region: RegionState, cacheName: string): void {
    for (const s of region.serverlessSnapshots.values()) {
      if (s.snapshotType !== "automated" || s.status !== "available" || s.cache.name !== cacheName) continue;
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

  async stop(): Promise<void> {
    await this.work.stop();
  }

  async reset(): Promise<void> {
    await this.work.settled();
    this.checkedUpTo.clear();
    this.due.clear();
  }

  /** One look at every cache with daily snapshots on: take the due ones, drop the expired ones. */
  private tick(): void {
    const now = this.clock.now();
    for (const region of this.options.store.allRegions()) {
      for (const cache of region.serverlessCaches.values()) this.checkCache(region, cache, now);
      for (const s of [...region.serverlessSnapshots.values()]) {
        if (s.snapshotType !== "automated" || s.status !== "available" || s.takenAt === undefined) continue;
        const owner = region.serverlessCaches.get(s.cache.name);
        const days = owner?.snapshotRetentionLimit ?? 0;
        // One that was being taken as its cache was deleted goes now, as the others went with the cache.
        if (!owner || (days > 0 && expired(s.takenAt, days, now))) {
          s.status = "deleting";
          this.delete(region, s);
        }
      }
    }
  }

  private checkCache(region: RegionState, cache: ServerlessCacheRecord, now: number): void {
    if (!(cache.snapshotRetentionLimit > 0)) {
      this.checkedUpTo.delete(cache.arn);
      this.due.delete(cache.arn);
      return;
    }
    const [h, m] = cache.dailySnapshotTime.split(":").map(Number);
    const last = this.checkedUpTo.get(cache.arn);
    this.checkedUpTo.set(cache.arn, now);
    if (last === undefined) return;
    const start = windowStartBetween(h! * 60 + m!, last, now);
    if (start !== undefined) this.due.set(cache.arn, start);
    const pending = this.due.get(cache.arn);
    if (pending === undefined || cache.status !== "available") return;
    this.due.delete(cache.arn);
    const name = automaticSnapshotName(cache.name, pending);
    if (region.serverlessSnapshots.has(name)) return;
    const snapshot = this.record(region, name, cache, "automated");
    snapshot.takenAt = pending;
    snapshot.expiryTime = new Date(pending + cache.snapshotRetentionLimit * DAY_MS);
    region.serverlessSnapshots.set(name, snapshot);
    void this.take(region, snapshot, cache);
  }

  /** Runs `work` while the snapshot shows `status`, then `available` again. */
  private async busy(snapshot: ServerlessSnapshotRecord, status: "copying" | "exporting", work: () => Promise<void>): Promise<void> {
    snapshot.status = status;
    try {
      await work();
    } finally {
      if (snapshot.status === status) snapshot.status = "available";
    }
  }
}

/** A Memcached snapshot's items (JSON lines), beside where an RDB would be. */
function memcachedItemsFile(rdbPath: string): string {
  return rdbPath.replace(/\.rdb$/, ".memcached.jsonl");
}

/** Serverless snapshots share the store with node-based ones: their folders are apart. */
function snapshotDir(name: string): string {
  return `serverless:${name}`;
}
