/** CreateUserGroup: `creating`, then `active`; replication groups attach it with UserGroupIds. */
import { modelError } from "../../protocol/model-errors.js";
import { buildArn } from "../../state/arn.js";
import type { UserGroupRecord } from "../../state/records.js";
import { userGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkTags } from "../tags/tag-rules.js";
import { checkAccessEngine, checkAccessId, checkGroupMembers } from "../users/user-rules.js";

/** AWS's quota of user groups per account and region. */
export const MAX_USER_GROUPS = 100;

export const createUserGroup: ActionHandler<"CreateUserGroup"> = async (ctx, input) => {
  const id = checkAccessId(input.UserGroupId, "UserGroupId");
  const engine = checkAccessEngine(input.Engine);
  const users = checkGroupMembers(ctx.state, engine, input.UserIds ?? []);
  checkTags(input.Tags ?? []);
  if (ctx.state.userGroups.has(id)) throw modelError("UserGroupAlreadyExistsFault", `User group ${id} already exists.`);
  if (ctx.state.userGroups.size >= MAX_USER_GROUPS) {
    throw modelError("UserGroupQuotaExceededFault", `The quota of ${MAX_USER_GROUPS} user groups has been reached.`);
  }
  const group: UserGroupRecord = {
    id,
    arn: buildArn(ctx.region, ctx.accountId, "usergroup", id),
    engine,
    status: "creating",
    userIds: users.map((u) => u.id),
    minimumEngineVersion: engine === "valkey" ? "7.2" : "6.0",
  };
  ctx.state.userGroups.set(id, group);
  if (input.Tags?.length) ctx.state.tags.set(group.arn, input.Tags.map((t) => ({ Key: t.Key!, Value: t.Value })));
  const output = userGroupToWire(group, ctx.state);
  ctx.services.access.syncUserGroups(ctx.state, [], "create", () => (group.status = "active"));
  return output;
};
