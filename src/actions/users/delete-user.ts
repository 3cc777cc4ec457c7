/**
 * DeleteUser: the user leaves its user groups at once, `deleting` while the engines drop it
 * (closing its connections), then it is gone. AWS's seeded `default` user stays.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { resources } from "../../state/resources.js";
import { userToWire } from "../../state/to-wire.js";
import { groupsOfUser } from "../../state/users.js";
import type { ActionHandler } from "../shared/context.js";
import { refuseSystemManaged } from "../shared/public-iam-access.js";
import { findUser, requireUserActive, removeResource } from "../shared/lookups.js";

export const deleteUser: ActionHandler<"DeleteUser"> = async (ctx, input) => {
  const user = findUser(ctx.state, input.UserId);
  if (user.id === "default") throw commonErrors.invalidParameterValue("The default user cannot be deleted.");
  refuseSystemManaged(user.id, "user", "deleted");
  requireUserActive(user);
  const groups = groupsOfUser(ctx.state, user.id);
  if (user.name === "default" && groups.length > 0) {
    throw modelError(
      "DefaultUserAssociatedToUserGroupFault",
      `User ${user.id} is the default user of user group(s) ${groups.map((g) => g.id).join(", ")}.`,
    );
  }
  const output = userToWire({ ...user, status: "deleting" }, ctx.state);
  user.status = "deleting";
  for (const group of groups) group.userIds = group.userIds.filter((id) => id !== user.id);
  ctx.services.access.syncUserGroups(ctx.state, groups.map((g) => g.id), "delete", () => removeResource(resources.user, ctx.state, user));
  return output;
};
