/**
 * What a create restores from: SnapshotName (a snapshot of this region) or SnapshotArns
 * (RDB files in the export folder standing in for S3: `arn:aws:s3:::bucket/key` is
 * `<export dir>/bucket/key`).
 */
import { existsSync } from "node:fs";
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { parseS3Arn } from "../../snapshots/snapshot-files.js";
import type { RestoreRecord, ServerlessSnapshotRecord, SnapshotRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import type { ActionContext } from "./context.js";
import { findSnapshot, requireResource } from "./lookups.js";

export interface Restore {
  snapshot?: SnapshotRecord;
  /** ServerlessCacheSnapshotName (CreateReplicationGroup): a serverless cache's snapshot. */
  serverlessSnapshot?: ServerlessSnapshotRecord;
  sources: RestoreRecord["sources"];
}

export function restoreSource(ctx: ActionContext, input: { SnapshotName?: string; SnapshotArns?: string[]; ServerlessCacheSnapshotName?: string }): Restore | undefined {
  const arns = input.SnapshotArns ?? [];
  if (input.ServerlessCacheSnapshotName !== undefined) return serverlessSource(ctx, input.ServerlessCacheSnapshotName, input.SnapshotName !== undefined || arns.length > 0);
  if (input.SnapshotName !== undefined && arns.length) {
    throw commonErrors.invalidParameterCombination("SnapshotName and SnapshotArns cannot be given together.");
  }
  if ((input.SnapshotName !== undefined || arns.length) && ctx.services.config.engineMode === "embedded") {
    throw modelError("SnapshotFeatureNotSupportedFault", "The embedded engine subset (--engine embedded) cannot load RDB files.");
  }
  if (input.SnapshotName !== undefined) {
    const snapshot = findSnapshot(ctx.state, input.SnapshotName);
    if (snapshot.status !== "available" && snapshot.status !== "restoring" && snapshot.status !== "copying") {
      throw modelError("InvalidSnapshotStateFault", `Snapshot ${snapshot.name} is not available (current status: ${snapshot.status}).`);
    }
    return {
      snapshot,
      sources: snapshot.nodes.map((n) => ({ file: n.rdbFile!, slots: snapshot.info.clusterEnabled ? n.slots : undefined })),
    };
  }
  if (!arns.length) return undefined;
  return {
    sources: arns.map((arn) => {
      const object = parseS3Arn(arn);
      const file = object && ctx.services.snapshots.files.objectPath(object.bucket, object.key);
      if (!file) throw commonErrors.invalidParameterValue(`Invalid S3 ARN for an RDB file: ${arn} (expected arn:aws:s3:::bucket/key.rdb).`);
      if (!existsSync(file)) throw commonErrors.invalidParameterValue(`The S3 object ${object!.key} does not exist in the S3 bucket ${object!.bucket}.`);
      return { file };
    }),
  };
}

/** A serverless cache snapshot restores into a replication group (Valkey and Redis OSS only, as on AWS). */
function serverlessSource(ctx: ActionContext, name: string, withOthers: boolean): Restore {
  if (withOthers) throw commonErrors.invalidParameterCombination("ServerlessCacheSnapshotName cannot be combined with SnapshotName or SnapshotArns.");
  const snapshot = requireResource(resources.serverlessCacheSnapshot, ctx.state, name);
  if (snapshot.cache.engine === "memcached") throw commonErrors.invalidParameterCombination("ServerlessCacheSnapshotName is available for Valkey and Redis OSS only.");
  if (!["available", "restoring", "copying", "exporting"].includes(snapshot.status)) {
    throw modelError("InvalidServerlessCacheSnapshotStateFault", `Serverless cache snapshot ${snapshot.name} is not available (current status: ${snapshot.status}).`);
  }
  return { serverlessSnapshot: snapshot, sources: [{ file: snapshot.rdbFile! }] };
}
