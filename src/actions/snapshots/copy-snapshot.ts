/**
 * CopySnapshot: a new snapshot in the region, or with TargetBucket an export of the RDB
 * files to the bucket (the export folder stands in for S3: `<dir>/<bucket>/<name>-<shard>.rdb`).
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { buildArn } from "../../state/arn.js";
import type { SnapshotRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { snapshotToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkQuota, findSnapshot } from "../shared/lookups.js";
import { checkTags, storeTags } from "../shared/tags.js";
import { checkNewSnapshotName } from "./snapshot-rules.js";

export const copySnapshot: ActionHandler<"CopySnapshot"> = async (ctx, input) => {
  const source = findSnapshot(ctx.state, input.SourceSnapshotName);
  // Copies of a snapshot may run side by side (it shows `copying` meanwhile).
  if (source.status !== "available" && source.status !== "copying") {
    throw modelError("InvalidSnapshotStateFault", `Snapshot ${source.name} is not available (current status: ${source.status}).`);
  }
  checkTags(input.Tags ?? []);
  if (input.TargetBucket !== undefined && input.TargetBucket !== "") return exportSnapshot(ctx, source, input.TargetBucket, input.TargetSnapshotName);

  const name = checkNewSnapshotName(ctx.state, input.TargetSnapshotName, "TargetSnapshotName");
  checkQuota(resources.snapshot, ctx);
  const target: SnapshotRecord = {
    ...source,
    name,
    arn: buildArn(ctx.region, ctx.accountId, "snapshot", name),
    status: "creating",
    // A copy is a manual snapshot, whatever its source: it stays until deleted.
    source: "manual",
    takenAt: undefined,
    kmsKeyId: input.KmsKeyId ?? source.kmsKeyId,
    createTime: new Date(),
    info: { ...source.info },
    nodes: source.nodes.map((n) => ({ ...n, rdbFile: undefined })),
  };
  ctx.state.snapshots.set(name, target);
  storeTags(ctx, target.arn, input.Tags);
  ctx.services.snapshots.copy(ctx.state, source, target);
  return { Snapshot: snapshotToWire(target, { showNodeGroupConfig: false }) };
};

async function exportSnapshot(ctx: Parameters<ActionHandler<"CopySnapshot">>[0], source: SnapshotRecord, bucket: string, name: string) {
  if (name === "" || name.includes("/")) throw commonErrors.invalidParameterValue(`Invalid TargetSnapshotName for an export: ${name}`);
  const paths = ctx.services.snapshots.exportFiles(source, bucket, name);
  if (!paths) throw commonErrors.invalidParameterValue(`The S3 bucket ${bucket} is not a valid bucket name.`);
  try {
    await ctx.services.snapshots.export(source, paths);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw modelError("SnapshotAlreadyExistsFault", `An object named ${name} already exists in the S3 bucket ${bucket}.`);
    }
    throw error;
  }
  return { Snapshot: snapshotToWire(source, { showNodeGroupConfig: false }) };
}
