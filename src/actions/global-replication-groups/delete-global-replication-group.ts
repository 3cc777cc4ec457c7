/**
 * DeleteGlobalReplicationGroup, AWS's second step: the secondaries are disassociated first
 * (the global datastore is `primary-only`); it goes `deleting`, then is gone, and its primary
 * group stays as a standalone replication group.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import type { ActionHandler } from "../shared/context.js";
import { findGlobal, invalidGlobalState, wire } from "./global-rules.js";

export const deleteGlobalReplicationGroup: ActionHandler<"DeleteGlobalReplicationGroup"> = async (ctx, input) => {
  const grg = findGlobal(ctx, input.GlobalReplicationGroupId);
  if (grg.members.some((m) => m.role === "secondary")) {
    throw invalidGlobalState(
      grg,
      `The Global datastore ${grg.id} has secondary replication groups: disassociate them (DisassociateGlobalReplicationGroup) before deleting it.`,
    );
  }
  if (grg.status !== "primary-only") throw invalidGlobalState(grg);
  if (input.RetainPrimaryReplicationGroup !== true) {
    // AWS never deletes the primary with the global datastore; the parameter must say so.
    throw commonErrors.invalidParameterValue("RetainPrimaryReplicationGroup must be true: the primary replication group is retained when a Global datastore is deleted.");
  }
  grg.status = "deleting";
  ctx.services.global.delete(ctx.account, grg);
  return { GlobalReplicationGroup: wire(ctx, grg) };
};
