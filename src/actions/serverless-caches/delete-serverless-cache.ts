/** DeleteServerlessCache: `deleting` at once, gone once its engines have stopped. */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { resources } from "../../state/resources.js";
import { serverlessCacheToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { requireResource } from "../shared/lookups.js";

const deletable = new Set(["available", "create-failed"]);

export const deleteServerlessCache: ActionHandler<"DeleteServerlessCache"> = async (ctx, input) => {
  const cache = requireResource(resources.serverlessCache, ctx.state, input.ServerlessCacheName);
  if (!deletable.has(cache.status)) {
    throw modelError(
      "InvalidServerlessCacheStateFault",
      `Serverless cache ${cache.name} is not in a state that allows deletion (current status: ${cache.status}).`,
    );
  }
  if (input.FinalSnapshotName !== undefined) throw commonErrors.notSupportedYet("FinalSnapshotName");
  ctx.state.tags.delete(cache.arn);
  cache.status = "deleting";
  ctx.services.serverless.delete(ctx.state, cache);
  return { ServerlessCache: serverlessCacheToWire(cache, ctx.services.config.advertisedHost) };
};
