/** CopyServerlessCacheSnapshot: a manual snapshot with the same data; the source shows `copying` meanwhile. */
import { resources } from "../../state/resources.js";
import { serverlessSnapshotToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { insertResource, requireResource } from "../shared/lookups.js";
import { checkTags } from "../shared/tags.js";
import { checkNewServerlessSnapshotName, requireSnapshotState } from "../shared/serverless-snapshot-rules.js";

export const copyServerlessCacheSnapshot: ActionHandler<"CopyServerlessCacheSnapshot"> = async (ctx, input) => {
  const source = requireResource(resources.serverlessCacheSnapshot, ctx.state, input.SourceServerlessCacheSnapshotName);
  requireSnapshotState(source, ["available"], "copied");
  const name = checkNewServerlessSnapshotName(ctx.state, input.TargetServerlessCacheSnapshotName, "TargetServerlessCacheSnapshotName");
  checkTags(input.Tags ?? []);
  const target = {
    ...source,
    name,
    arn: source.arn.replace(/:[^:]+$/, `:${name}`),
    kmsKeyId: input.KmsKeyId ?? source.kmsKeyId,
    snapshotType: "manual" as const,
    status: "creating" as const,
    createTime: new Date(),
    expiryTime: undefined,
    takenAt: undefined,
    rdbFile: undefined,
    cache: { ...source.cache },
  };
  insertResource(resources.serverlessCacheSnapshot, ctx, target, input.Tags);
  ctx.services.serverlessSnapshots.copy(ctx.state, source, target);
  return { ServerlessCacheSnapshot: serverlessSnapshotToWire(target) };
};
