/** DeleteSnapshot: `deleting` at once, gone once its files are removed. Manual or automatic alike. */
import { modelError } from "../../service-errors/elasticache.js";
import { snapshotToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { findSnapshot } from "../shared/lookups.js";

export const deleteSnapshot: ActionHandler<"DeleteSnapshot"> = async (ctx, input) => {
  const snapshot = findSnapshot(ctx.state, input.SnapshotName);
  if (snapshot.status !== "available" && snapshot.status !== "failed") {
    throw modelError("InvalidSnapshotStateFault", `Snapshot ${snapshot.name} is not in a state that allows deletion (current status: ${snapshot.status}).`);
  }
  snapshot.status = "deleting";
  ctx.services.snapshots.delete(ctx.state, snapshot);
  return { Snapshot: snapshotToWire(snapshot, { showNodeGroupConfig: false }) };
};
