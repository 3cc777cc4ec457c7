/**
 * IncreaseNodeGroupsInGlobalReplicationGroup, DecreaseNodeGroupsInGlobalReplicationGroup and
 * RebalanceSlotsInGlobalReplicationGroup: every member group reshards the same way, through
 * ModifyReplicationGroupShardConfiguration (live slot migration, no key lost). Global node
 * group ids are `<global id>-<node group id>`.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import type { GlobalReplicationGroupRecord } from "../../state/records.js";
import { modifyReplicationGroupShardConfiguration } from "../replication-groups/modify-shard-configuration.js";
import type { ActionContext, ActionHandler } from "../shared/context.js";
import { findGlobal, requireApplyImmediately, requireSettled, wire } from "./global-rules.js";
import { forEachMember } from "./member-actions.js";

/** The primary group of a cluster mode enabled global datastore (resharding needs one). */
function clusterModePrimary(ctx: ActionContext, grg: GlobalReplicationGroupRecord) {
  const primary = ctx.services.global.memberGroups(ctx.accountId, grg).find((m) => m.member.role === "primary")?.group;
  if (!primary?.clusterEnabled) {
    throw commonErrors.invalidParameterValue(`Global datastore ${grg.id} is not cluster mode enabled: its node groups cannot change.`);
  }
  return primary;
}

/** A global node group id (`ldgnf-x-0002`) as the member groups' node group id (`0002`). */
function nodeGroupIdOf(grg: GlobalReplicationGroupRecord, globalNodeGroupId: string): string {
  const prefix = `${grg.id}-`;
  if (!globalNodeGroupId.toLowerCase().startsWith(prefix)) {
    throw commonErrors.invalidParameterValue(`${globalNodeGroupId} is not a global node group of Global datastore ${grg.id}.`);
  }
  return globalNodeGroupId.slice(prefix.length);
}

async function reshardAll(
  ctx: ActionContext,
  grg: GlobalReplicationGroupRecord,
  change: { NodeGroupCount: number; NodeGroupsToRemove?: string[]; NodeGroupsToRetain?: string[] },
): Promise<void> {
  await forEachMember(ctx, grg, async (memberCtx, member) => {
    await modifyReplicationGroupShardConfiguration(memberCtx, { ReplicationGroupId: member.replicationGroupId, ApplyImmediately: true, ...change });
  });
  grg.status = "modifying";
  ctx.services.global.membersChanging(ctx.account, grg);
}

export const increaseNodeGroupsInGlobalReplicationGroup: ActionHandler<"IncreaseNodeGroupsInGlobalReplicationGroup"> = async (ctx, input) => {
  const grg = findGlobal(ctx, input.GlobalReplicationGroupId);
  requireApplyImmediately(input.ApplyImmediately);
  requireSettled(grg);
  const primary = clusterModePrimary(ctx, grg);
  if (input.NodeGroupCount <= primary.nodeGroups.length) {
    throw commonErrors.invalidParameterValue(`NodeGroupCount (${input.NodeGroupCount}) must be greater than the current number of node groups (${primary.nodeGroups.length}).`);
  }
  await reshardAll(ctx, grg, { NodeGroupCount: input.NodeGroupCount });
  return { GlobalReplicationGroup: wire(ctx, grg) };
};

export const decreaseNodeGroupsInGlobalReplicationGroup: ActionHandler<"DecreaseNodeGroupsInGlobalReplicationGroup"> = async (ctx, input) => {
  const grg = findGlobal(ctx, input.GlobalReplicationGroupId);
  requireApplyImmediately(input.ApplyImmediately);
  requireSettled(grg);
  const primary = clusterModePrimary(ctx, grg);
  if (input.NodeGroupCount >= primary.nodeGroups.length) {
    throw commonErrors.invalidParameterValue(`NodeGroupCount (${input.NodeGroupCount}) must be less than the current number of node groups (${primary.nodeGroups.length}).`);
  }
  const toRemove = input.GlobalNodeGroupsToRemove ?? [];
  const toRetain = input.GlobalNodeGroupsToRetain ?? [];
  if ((toRemove.length > 0) === (toRetain.length > 0)) {
    throw commonErrors.invalidParameterCombination("Specify either GlobalNodeGroupsToRemove or GlobalNodeGroupsToRetain.");
  }
  await reshardAll(ctx, grg, {
    NodeGroupCount: input.NodeGroupCount,
    NodeGroupsToRemove: toRemove.length ? toRemove.map((id) => nodeGroupIdOf(grg, id)) : undefined,
    NodeGroupsToRetain: toRetain.length ? toRetain.map((id) => nodeGroupIdOf(grg, id)) : undefined,
  });
  return { GlobalReplicationGroup: wire(ctx, grg) };
};

export const rebalanceSlotsInGlobalReplicationGroup: ActionHandler<"RebalanceSlotsInGlobalReplicationGroup"> = async (ctx, input) => {
  const grg = findGlobal(ctx, input.GlobalReplicationGroupId);
  requireApplyImmediately(input.ApplyImmediately);
  requireSettled(grg);
  const primary = clusterModePrimary(ctx, grg);
  // The same number of node groups: the slots spread evenly over them again.
  await reshardAll(ctx, grg, { NodeGroupCount: primary.nodeGroups.length });
  return { GlobalReplicationGroup: wire(ctx, grg) };
};
