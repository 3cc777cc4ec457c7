/**
 * ModifyUser: access string (replaced or appended), passwords, authentication mode, engine.
 * A user in use is `modifying` while every node of the replication groups and serverless caches using it gets
 * its new ACL, then `active`.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { userToWire } from "../../state/to-wire.js";
import { groupsOfUser, replicationGroupsOfUserGroup, serverlessCachesOfUserGroup } from "../../state/users.js";
import { checkIamUsersWhereAttached } from "../shared/access-rules.js";
import type { ActionHandler } from "../shared/context.js";
import { checkPublicCachesOfUser, refuseSystemManaged } from "../shared/public-iam-access.js";
import { findUser, requireUserActive } from "../shared/lookups.js";
import { checkAccessEngine } from "../shared/rbac-rules.js";
import { checkAccessString, requestedAuthentication } from "./user-rules.js";

export const modifyUser: ActionHandler<"ModifyUser"> = async (ctx, input) => {
  const user = findUser(ctx.state, input.UserId);
  if (user.id === "default") throw commonErrors.invalidParameterValue("The default user cannot be modified.");
  refuseSystemManaged(user.id, "user", "modified");
  requireUserActive(user);
  if (input.AccessString !== undefined && input.AppendAccessString !== undefined) {
    throw commonErrors.invalidParameterCombination("AccessString and AppendAccessString cannot be specified together.");
  }
  const accessString =
    input.AccessString !== undefined
      ? checkAccessString(input.AccessString)
      : input.AppendAccessString !== undefined
        ? checkAccessString(`${user.accessString} ${input.AppendAccessString}`)
        : undefined;
  const authentication = requestedAuthentication(input, user, user.authentication);
  const engine = input.Engine !== undefined ? checkAccessEngine(input.Engine) : undefined;
  if (engine === "redis" && user.engine === "valkey") throw commonErrors.invalidParameterValue("A valkey user cannot be changed to redis.");
  if (accessString === undefined && authentication === undefined && (engine === undefined || engine === user.engine)) {
    throw commonErrors.invalidParameterCombination("No modifications were requested.");
  }
  const groups = groupsOfUser(ctx.state, user.id);
  if (authentication?.type === "no-password" && groups.some((g) => g.engine === "valkey")) {
    throw commonErrors.invalidParameterValue(`User ${user.id} belongs to a valkey user group, whose users must authenticate.`);
  }
  // A redis group takes only redis users: its engine moves to valkey before its users do.
  const redisGroup = engine === "valkey" && user.engine === "redis" ? groups.find((g) => g.engine === "redis") : undefined;
  if (redisGroup) {
    throw commonErrors.invalidParameterValue(`User ${user.id} belongs to redis user group ${redisGroup.id}, which can only contain redis users.`);
  }
  if (authentication && authentication.type !== "iam") checkPublicCachesOfUser(ctx.state, user.id);
  if (authentication?.type === "iam" && user.authentication.type !== "iam") {
    for (const group of groups) checkIamUsersWhereAttached(ctx.state, group.id, [user.id]);
  }

  if (accessString !== undefined) user.accessString = accessString;
  if (authentication) user.authentication = authentication;
  if (engine) {
    user.engine = engine;
    user.minimumEngineVersion = engine === "valkey" ? "7.2" : "6.0";
  }
  if (groups.some((g) => replicationGroupsOfUserGroup(ctx.state, g.id).length > 0 || serverlessCachesOfUserGroup(ctx.state, g.id).length > 0)) {
    user.status = "modifying";
    ctx.services.access.syncUserGroups(ctx.state, groups.map((g) => g.id), "modify", () => (user.status = "active"));
  }
  return userToWire(user, ctx.state);
};
