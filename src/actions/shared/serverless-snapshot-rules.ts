/** Rules AWS applies to serverless cache snapshots: names, states, the daily quota per cache. */
import { existsSync } from "node:fs";
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { parseS3Arn } from "../../snapshots/snapshot-files.js";
import { parseArn } from "../../state/arn.js";
import type { ServerlessCacheRecord, ServerlessSnapshotRecord, SnapshotRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import type { RegionState } from "../../state/store.js";
import type { ActionContext } from "./context.js";
import { findSnapshot, requireNew, requireResource } from "./lookups.js";

/** AWS's quota: 24 serverless snapshots per day per cache (L-75A7B5A4). */
export const SNAPSHOTS_PER_DAY_PER_CACHE = 24;
const DAY_MS = 24 * 60 * 60_000;

/** A new snapshot name: 1-255 characters, stored lower-case, unique, not AWS's `automatic.` prefix. */
export function checkNewServerlessSnapshotName(state: RegionState, name: string, parameter: string): string {
  const lower = name.toLowerCase();
  if (lower.length < 1 || lower.length > 255 || !/^[a-z0-9][a-z0-9._-]*$/.test(lower)) {
    throw commonErrors.invalidParameterValue(
      `The parameter ${parameter} must be 1 to 255 characters: letters, digits, periods, underscores and hyphens, starting with a letter or digit.`,
    );
  }
  if (lower.startsWith("automatic.")) throw commonErrors.invalidParameterValue(`The parameter ${parameter} must not start with "automatic.", AWS's prefix for automatic snapshots.`);
  requireNew(resources.serverlessCacheSnapshot, state, lower);
  return lower;
}

/** The cache must be `available`; at most 24 snapshots a day. */
export function checkSnapshotSource(ctx: ActionContext, cache: ServerlessCacheRecord, opts: { deleting?: boolean } = {}): void {
  if (!opts.deleting && cache.status !== "available") {
    throw modelError(
      "InvalidServerlessCacheStateFault",
      `Serverless cache ${cache.name} is not in the available state (current status: ${cache.status}); it cannot be snapshotted.`,
    );
  }
  const since = Date.now() - DAY_MS;
  const today = [...ctx.state.serverlessSnapshots.values()].filter((s) => s.cache.name === cache.name && s.snapshotType === "manual" && s.createTime.getTime() > since);
  if (today.length >= SNAPSHOTS_PER_DAY_PER_CACHE) {
    throw modelError(
      "ServerlessCacheSnapshotQuotaExceededFault",
      `Serverless cache ${cache.name} has reached the quota of ${SNAPSHOTS_PER_DAY_PER_CACHE} snapshots per day.`,
    );
  }
}

/** A snapshot used as a source (copy, export, restore) or deleted must be `available` (a failed one may be deleted). */
export function requireSnapshotState(snapshot: ServerlessSnapshotRecord, allowed: readonly string[], what: string): void {
  if (!allowed.includes(snapshot.status)) {
    throw modelError(
      "InvalidServerlessCacheSnapshotStateFault",
      `Serverless cache snapshot ${snapshot.name} is not in a state that allows it to be ${what} (current status: ${snapshot.status}).`,
    );
  }
}

/** What a new serverless cache restores from: RDB files, and the snapshots that show `restoring` meanwhile. */
export interface ServerlessRestore {
  sources: Array<{ file: string }>;
  serverlessSnapshots: ServerlessSnapshotRecord[];
  nodeSnapshots: SnapshotRecord[];
}

/**
 * SnapshotArnsToRestore: serverless snapshot ARNs, node-based snapshot ARNs (every node
 * group's RDB of a cluster mode snapshot) and S3 object ARNs of RDB files (the export
 * folder standing in for S3), each checked as AWS checks it.
 */
export function serverlessRestoreSources(ctx: ActionContext, arns: string[]): ServerlessRestore {
  const restore: ServerlessRestore = { sources: [], serverlessSnapshots: [], nodeSnapshots: [] };
  for (const arn of arns) {
    const parsed = parseArn(arn);
    if (parsed?.resourceType === "serverlesscachesnapshot") {
      const snapshot = requireResource(resources.serverlessCacheSnapshot, ctx.state, parsed.resourceName);
      requireSnapshotState(snapshot, ["available", "restoring", "copying", "exporting"], "restored");
      restore.serverlessSnapshots.push(snapshot);
      restore.sources.push({ file: snapshot.rdbFile! });
    } else if (parsed?.resourceType === "snapshot") {
      const snapshot = findSnapshot(ctx.state, parsed.resourceName);
      if (snapshot.status !== "available" && snapshot.status !== "restoring" && snapshot.status !== "copying") {
        throw modelError("InvalidSnapshotStateFault", `Snapshot ${snapshot.name} is not available (current status: ${snapshot.status}).`);
      }
      restore.nodeSnapshots.push(snapshot);
      restore.sources.push(...snapshot.nodes.map((n) => ({ file: n.rdbFile! })));
    } else {
      const object = parseS3Arn(arn);
      const file = object && ctx.services.snapshots.files.objectPath(object.bucket, object.key);
      if (!file) throw commonErrors.invalidParameterValue(`Invalid snapshot ARN: ${arn} (expected a snapshot, serverless cache snapshot or arn:aws:s3:::bucket/key.rdb ARN).`);
      if (!existsSync(file)) throw commonErrors.invalidParameterValue(`The S3 object ${object!.key} does not exist in the S3 bucket ${object!.bucket}.`);
      restore.sources.push({ file });
    }
  }
  return restore;
}
