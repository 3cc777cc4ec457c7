/**
 * Where snapshot data lives: one folder per snapshot with one RDB per node group, under
 * the data dir (or the emulator's temporary root); and the export folder that stands in
 * for S3 (`<export dir>/<bucket>/<key>`).
 */
import { mkdir, rm } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type { RegionKey } from "../state/store.js";

export class SnapshotFiles {
  constructor(
    /** Root of the snapshot store. */
    readonly root: string,
    /** Root of the buckets (CopySnapshot TargetBucket, SnapshotArns). */
    readonly exportRoot: string,
  ) {}

  snapshotDir(region: RegionKey, name: string): string {
    return join(this.root, region.accountId, region.region, encodeURIComponent(name));
  }

  /** The RDB of one node group (cluster mode disabled and single nodes: "0001"). */
  rdbPath(region: RegionKey, name: string, part: string): string {
    return join(this.snapshotDir(region, name), `${part}.rdb`);
  }

  async removeSnapshot(region: RegionKey, name: string): Promise<void> {
    await rm(this.snapshotDir(region, name), { recursive: true, force: true });
  }

  async clear(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
    await mkdir(this.root, { recursive: true });
  }

  /** An S3 object's file; undefined when the bucket or key would leave the export folder. */
  objectPath(bucket: string, key: string): string | undefined {
    if (!/^[a-z0-9][a-z0-9.-]{1,62}$/.test(bucket) || key === "" || key.split("/").some((p) => p === ".." || p === ".")) return undefined;
    const path = resolve(this.exportRoot, bucket, key);
    return path.startsWith(resolve(this.exportRoot, bucket) + sep) ? path : undefined;
  }
}

/** `arn:aws:s3:::bucket/key.rdb` -> bucket and key. */
export function parseS3Arn(arn: string): { bucket: string; key: string } | undefined {
  const match = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.+)$/.exec(arn);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}
