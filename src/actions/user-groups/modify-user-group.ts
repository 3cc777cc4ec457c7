/**
 * ModifyUserGroup: users join and leave. The group is `modifying` (with PendingChanges)
 * while every node of the replication groups using it gets the new users, and loses (with
 * their connections) the ones that left; then `active`.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { userGroupToWire } from "../../state/to-wire.js";
import { checkIamUsersWhereAttached } from "../shared/access-rules.js";
import type { ActionHandler } from "../shared/context.js";
import { checkPublicCachesOfGroup, refuseSystemManaged } from "../shared/public-iam-access.js";
import { findUserGroup, requireUserGroupActive } from "../shared/lookups.js";
import { checkAccessEngine, checkGroupMembers } from "../shared/rbac-rules.js";

export const modifyUserGroup: ActionHandler<"ModifyUserGroup"> = async (ctx, input) => {
  const group = findUserGroup(ctx.state, input.UserGroupId);
  refuseSystemManaged(group.id, "user group", "modified");
  requireUserGroupActive(group);
  const toAdd = [...new Set((input.UserIdsToAdd ?? []).map((id) => id.toLowerCase()))];
  const toRemove = [...new Set((input.UserIdsToRemove ?? []).map((id) => id.toLowerCase()))];
  const engine = input.Engine !== undefined ? checkAccessEngine(input.Engine) : group.engine;
  if (engine === "redis" && group.engine === "valkey") throw commonErrors.invalidParameterValue("A valkey user group cannot be changed to redis.");
  if (!toAdd.length && !toRemove.length && engine === group.engine) {
    throw commonErrors.invalidParameterCombination("At least one of UserIdsToAdd, UserIdsToRemove or Engine must be specified.");
  }
  const both = toAdd.find((id) => toRemove.includes(id));
  if (both) throw commonErrors.invalidParameterCombination(`User ${both} cannot be both added and removed.`);
  const member = toAdd.find((id) => group.userIds.includes(id));
  if (member) throw commonErrors.invalidParameterValue(`User ${member} is already a member of user group ${group.id}.`);
  const stranger = toRemove.find((id) => !group.userIds.includes(id));
  if (stranger) throw commonErrors.invalidParameterValue(`User ${stranger} is not a member of user group ${group.id}.`);
  const userIds = [...group.userIds.filter((id) => !toRemove.includes(id)), ...toAdd];
  checkGroupMembers(ctx.state, engine, userIds);
  checkPublicCachesOfGroup(ctx.state, group.id, userIds);
  checkIamUsersWhereAttached(ctx.state, group.id, toAdd.filter((id) => ctx.state.users.get(id)?.authentication.type === "iam"));

  group.engine = engine;
  group.userIds = userIds;
  group.status = "modifying";
  group.pending = { userIdsToAdd: toAdd, userIdsToRemove: toRemove };
  const output = userGroupToWire(group, ctx.state);
  ctx.services.access.syncUserGroups(ctx.state, [group.id], "modify", () => {
    group.status = "active";
    group.pending = undefined;
  });
  return output;
};
