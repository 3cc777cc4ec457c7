/**
 * FailoverGlobalReplicationGroup: PrimaryRegion and PrimaryReplicationGroupId name the
 * secondary to promote. It becomes the primary, every other member a secondary replicating
 * from it; the global datastore is `modifying` until the promotion is done.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import type { ActionHandler } from "../shared/context.js";
import { findGlobal, findMember, invalidGlobalState, wire } from "./global-rules.js";

export const failoverGlobalReplicationGroup: ActionHandler<"FailoverGlobalReplicationGroup"> = async (ctx, input) => {
  const grg = findGlobal(ctx, input.GlobalReplicationGroupId);
  const member = findMember(grg, input.PrimaryReplicationGroupId, input.PrimaryRegion);
  if (member.role === "primary") {
    throw commonErrors.invalidParameterCombination(
      `Replication group ${member.replicationGroupId} in ${member.region} is already the primary of Global datastore ${grg.id}.`,
    );
  }
  // Promotion is allowed while other changes are in progress (AWS), but not of a member still joining or leaving.
  if (member.status !== "associated" || grg.status === "deleting" || grg.status === "creating") {
    throw invalidGlobalState(grg, `Replication group ${member.replicationGroupId} cannot be promoted now (member status: ${member.status}, Global datastore status: ${grg.status}).`);
  }
  grg.status = "modifying";
  ctx.services.global.failover(ctx.account, grg, member);
  return { GlobalReplicationGroup: wire(ctx, grg) };
};
