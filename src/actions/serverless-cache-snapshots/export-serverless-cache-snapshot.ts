/**
 * ExportServerlessCacheSnapshot: the snapshot's RDB goes to the bucket, a folder of the
 * export dir standing in for S3 (`<export dir>/<bucket>/<snapshot>-0001.rdb`); the snapshot
 * shows `exporting` meanwhile. Valkey and Redis OSS only, as on AWS.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { resources } from "../../state/resources.js";
import { serverlessSnapshotToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { requireResource } from "../shared/lookups.js";
import { requireSnapshotState } from "../shared/serverless-snapshot-rules.js";

export const exportServerlessCacheSnapshot: ActionHandler<"ExportServerlessCacheSnapshot"> = async (ctx, input) => {
  const snapshot = requireResource(resources.serverlessCacheSnapshot, ctx.state, input.ServerlessCacheSnapshotName);
  if (snapshot.cache.engine === "memcached") throw commonErrors.invalidParameterCombination("ExportServerlessCacheSnapshot is available for Valkey and Redis OSS only.");
  requireSnapshotState(snapshot, ["available"], "exported");
  const path = ctx.services.serverlessSnapshots.exportPath(snapshot, input.S3BucketName);
  if (!path) throw commonErrors.invalidParameterValue(`Invalid S3 bucket name: ${input.S3BucketName}.`);
  ctx.services.serverlessSnapshots.export(ctx.state, snapshot, path);
  return { ServerlessCacheSnapshot: serverlessSnapshotToWire(snapshot) };
};
