/** DeleteUserGroup: refused while a replication group or a serverless cache uses it; `deleting`, then gone. */
import { modelError } from "../../service-errors/elasticache.js";
import { resources } from "../../state/resources.js";
import { userGroupToWire } from "../../state/to-wire.js";
import { replicationGroupsOfUserGroup, serverlessCachesOfUserGroup } from "../../state/users.js";
import type { ActionHandler } from "../shared/context.js";
import { refuseSystemManaged } from "../shared/public-iam-access.js";
import { findUserGroup, requireUserGroupActive, removeResource } from "../shared/lookups.js";

export const deleteUserGroup: ActionHandler<"DeleteUserGroup"> = async (ctx, input) => {
  const group = findUserGroup(ctx.state, input.UserGroupId);
  refuseSystemManaged(group.id, "user group", "deleted");
  requireUserGroupActive(group);
  const inUse = replicationGroupsOfUserGroup(ctx.state, group.id);
  if (inUse.length) {
    throw modelError(
      "InvalidUserGroupStateFault",
      `User group ${group.id} is associated with replication group(s) ${inUse.map((g) => g.id).join(", ")}.`,
    );
  }
  const caches = serverlessCachesOfUserGroup(ctx.state, group.id);
  if (caches.length) {
    throw modelError(
      "InvalidUserGroupStateFault",
      `User group ${group.id} is associated with serverless cache(s) ${caches.map((c) => c.name).join(", ")}.`,
    );
  }
  group.status = "deleting";
  const output = userGroupToWire(group, ctx.state);
  ctx.services.access.syncUserGroups(ctx.state, [], "delete", () => removeResource(resources.userGroup, ctx.state, group));
  return output;
};
