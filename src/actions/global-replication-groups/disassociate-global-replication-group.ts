/**
 * DisassociateGlobalReplicationGroup: a secondary leaves the global datastore and stays as a
 * standalone replication group that takes writes, with the data it had. The global datastore
 * is `modifying` until it has left (then `available`, or `primary-only` without secondaries).
 */
import { commonErrors } from "../../protocol/aws-error.js";
import type { ActionHandler } from "../shared/context.js";
import { findGlobal, findMember, requireSettled, wire } from "./global-rules.js";

export const disassociateGlobalReplicationGroup: ActionHandler<"DisassociateGlobalReplicationGroup"> = async (ctx, input) => {
  const grg = findGlobal(ctx, input.GlobalReplicationGroupId);
  const member = findMember(grg, input.ReplicationGroupId, input.ReplicationGroupRegion);
  if (member.role === "primary") {
    throw commonErrors.invalidParameterCombination(
      `Replication group ${member.replicationGroupId} is the primary of Global datastore ${grg.id}: only a secondary can be disassociated.`,
    );
  }
  requireSettled(grg);
  // The answer still lists the member as it was (AWS's CLI example shows it `associated`).
  const answer = wire(ctx, grg);
  grg.status = "modifying";
  member.status = "disassociating";
  ctx.services.global.disassociate(ctx.account, grg, member);
  return { GlobalReplicationGroup: { ...answer, Status: grg.status } };
};
