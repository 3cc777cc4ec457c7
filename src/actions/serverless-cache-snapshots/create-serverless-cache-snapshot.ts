/** CreateServerlessCacheSnapshot: the cache's data (its primary's RDB), `creating` then `available`. */
import { resources } from "../../state/resources.js";
import { serverlessSnapshotToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { insertResource, requireResource } from "../shared/lookups.js";
import { checkTags } from "../shared/tags.js";
import { checkNewServerlessSnapshotName, checkSnapshotSource } from "../shared/serverless-snapshot-rules.js";

export const createServerlessCacheSnapshot: ActionHandler<"CreateServerlessCacheSnapshot"> = async (ctx, input) => {
  const cache = requireResource(resources.serverlessCache, ctx.state, input.ServerlessCacheName);
  const name = checkNewServerlessSnapshotName(ctx.state, input.ServerlessCacheSnapshotName, "ServerlessCacheSnapshotName");
  checkSnapshotSource(ctx, cache);
  checkTags(input.Tags ?? []);
  const snapshot = ctx.services.serverlessSnapshots.record(ctx.state, name, cache, "manual", input.KmsKeyId);
  insertResource(resources.serverlessCacheSnapshot, ctx, snapshot, input.Tags);
  void ctx.services.serverlessSnapshots.take(ctx.state, snapshot, cache);
  return { ServerlessCacheSnapshot: serverlessSnapshotToWire(snapshot) };
};
