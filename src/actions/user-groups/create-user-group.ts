/** CreateUserGroup: `creating`, then `active`; replication groups attach it with UserGroupIds. */
import { buildArn } from "../../state/arn.js";
import type { UserGroupRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { userGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkQuota, insertResource, requireNew } from "../shared/lookups.js";
import { checkAccessEngine, checkAccessId, checkGroupMembers } from "../shared/rbac-rules.js";
import { checkTags } from "../shared/tags.js";

export const createUserGroup: ActionHandler<"CreateUserGroup"> = async (ctx, input) => {
  const id = checkAccessId(input.UserGroupId, "UserGroupId");
  const engine = checkAccessEngine(input.Engine);
  const users = checkGroupMembers(ctx.state, engine, input.UserIds ?? []);
  checkTags(input.Tags ?? []);
  requireNew(resources.userGroup, ctx.state, id);
  checkQuota(resources.userGroup, ctx);
  const group: UserGroupRecord = {
    id,
    arn: buildArn(ctx.region, ctx.accountId, "usergroup", id),
    engine,
    status: "creating",
    userIds: users.map((u) => u.id),
    minimumEngineVersion: engine === "valkey" ? "7.2" : "6.0",
  };
  insertResource(resources.userGroup, ctx, group, input.Tags);
  const output = userGroupToWire(group, ctx.state);
  ctx.services.access.syncUserGroups(ctx.state, [], "create", () => (group.status = "active"));
  return output;
};
