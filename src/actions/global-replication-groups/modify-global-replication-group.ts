/**
 * ModifyGlobalReplicationGroup: the node type, engine version, parameter group and automatic
 * failover of every member group (each through ModifyReplicationGroup's own rules and
 * lifecycle, ApplyImmediately), and the description. `modifying` until every member is done.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { modifyReplicationGroup } from "../replication-groups/modify-replication-group.js";
import type { ActionHandler } from "../shared/context.js";
import { checkGlobalEngineVersion, checkGlobalNodeType, findGlobal, requireApplyImmediately, requireSettled, wire } from "./global-rules.js";
import { forEachMember } from "./member-actions.js";

export const modifyGlobalReplicationGroup: ActionHandler<"ModifyGlobalReplicationGroup"> = async (ctx, input) => {
  const grg = findGlobal(ctx, input.GlobalReplicationGroupId);
  requireApplyImmediately(input.ApplyImmediately);
  requireSettled(grg);
  const memberChange =
    input.CacheNodeType !== undefined ||
    input.EngineVersion !== undefined ||
    input.Engine !== undefined ||
    input.CacheParameterGroupName !== undefined ||
    input.AutomaticFailoverEnabled !== undefined;
  if (!memberChange && input.GlobalReplicationGroupDescription === undefined) {
    throw commonErrors.invalidParameterCombination("No modifications were requested.");
  }
  if (input.CacheNodeType !== undefined) checkGlobalNodeType(input.CacheNodeType);
  if (input.EngineVersion !== undefined) checkGlobalEngineVersion(input.Engine ?? "redis", input.EngineVersion);
  if (memberChange) {
    // Every member takes the change (refused as a whole when one of them refuses it: the checks run first).
    await forEachMember(ctx, grg, async (memberCtx, member) => {
      await modifyReplicationGroup(memberCtx, {
        ReplicationGroupId: member.replicationGroupId,
        ApplyImmediately: true,
        CacheNodeType: input.CacheNodeType,
        Engine: input.Engine,
        EngineVersion: input.EngineVersion,
        CacheParameterGroupName: input.CacheParameterGroupName,
        AutomaticFailoverEnabled: input.AutomaticFailoverEnabled,
      });
    });
  }
  if (input.GlobalReplicationGroupDescription !== undefined) grg.description = input.GlobalReplicationGroupDescription;
  if (memberChange) {
    grg.status = "modifying";
    ctx.services.global.membersChanging(ctx.account, grg);
  }
  return { GlobalReplicationGroup: wire(ctx, grg, false) };
};
