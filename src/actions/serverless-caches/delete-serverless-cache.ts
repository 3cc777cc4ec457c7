/** DeleteServerlessCache: `deleting` at once (a final snapshot first when asked), gone once its engines have stopped. */
import { modelError } from "../../service-errors/elasticache.js";
import type { ServerlessCacheRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { serverlessCacheToWire } from "../../state/to-wire.js";
import type { ActionContext, ActionHandler } from "../shared/context.js";
import { insertResource, requireResource } from "../shared/lookups.js";
import { checkNewServerlessSnapshotName, checkSnapshotSource } from "../shared/serverless-snapshot-rules.js";

const deletable = new Set(["available", "create-failed"]);

export const deleteServerlessCache: ActionHandler<"DeleteServerlessCache"> = async (ctx, input) => {
  const cache = requireResource(resources.serverlessCache, ctx.state, input.ServerlessCacheName);
  if (!deletable.has(cache.status)) {
    throw modelError(
      "InvalidServerlessCacheStateFault",
      `Serverless cache ${cache.name} is not in a state that allows deletion (current status: ${cache.status}).`,
    );
  }
  // The final snapshot is checked before anything changes, and taken first (in the cache's order, before its engines stop).
  const finalName = input.FinalSnapshotName !== undefined ? finalSnapshotName(ctx, cache, input.FinalSnapshotName) : undefined;
  ctx.state.tags.delete(cache.arn);
  cache.status = "deleting";
  if (finalName !== undefined) {
    const snapshot = ctx.services.serverlessSnapshots.record(ctx.state, finalName, cache, "manual");
    insertResource(resources.serverlessCacheSnapshot, ctx, snapshot);
    void ctx.services.serverlessSnapshots.take(ctx.state, snapshot, cache);
  }
  ctx.services.serverlessSnapshots.deleteAutomatic(ctx.state, cache.name);
  ctx.services.serverless.delete(ctx.state, cache);
  return { ServerlessCache: serverlessCacheToWire(cache, ctx.services.config.advertisedHost) };
};

/** FinalSnapshotName: a new snapshot name, of a cache whose data can be snapshotted (a cache that never started has none). */
function finalSnapshotName(ctx: ActionContext, cache: ServerlessCacheRecord, name: string): string {
  const checked = checkNewServerlessSnapshotName(ctx.state, name, "FinalSnapshotName");
  if (cache.status !== "available") {
    throw modelError("InvalidServerlessCacheStateFault", `Serverless cache ${cache.name} is ${cache.status}: it has no data to take a final snapshot of.`);
  }
  checkSnapshotSource(ctx, cache, { deleting: true });
  return checked;
}
