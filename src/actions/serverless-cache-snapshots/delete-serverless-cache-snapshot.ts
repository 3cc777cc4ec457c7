/** DeleteServerlessCacheSnapshot: `deleting`, then gone with its file and tags. */
import { resources } from "../../state/resources.js";
import { serverlessSnapshotToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { requireResource } from "../shared/lookups.js";
import { requireSnapshotState } from "../shared/serverless-snapshot-rules.js";

export const deleteServerlessCacheSnapshot: ActionHandler<"DeleteServerlessCacheSnapshot"> = async (ctx, input) => {
  const snapshot = requireResource(resources.serverlessCacheSnapshot, ctx.state, input.ServerlessCacheSnapshotName);
  requireSnapshotState(snapshot, ["available", "failed"], "deleted");
  snapshot.status = "deleting";
  ctx.services.serverlessSnapshots.delete(ctx.state, snapshot);
  return { ServerlessCacheSnapshot: serverlessSnapshotToWire(snapshot) };
};
