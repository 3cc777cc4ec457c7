/** DeleteCacheSecurityGroup: only a group no cluster uses; never `default`. */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { DEFAULT_GROUP } from "../../state/network.js";
import { resources } from "../../state/resources.js";
import type { ActionHandler } from "../shared/context.js";
import { findCacheSecurityGroup, removeResource } from "../shared/lookups.js";
import { cacheSecurityGroupUsers } from "./security-group-rules.js";

export const deleteCacheSecurityGroup: ActionHandler<"DeleteCacheSecurityGroup"> = async (ctx, input) => {
  const group = findCacheSecurityGroup(ctx.state, input.CacheSecurityGroupName);
  if (group.name === DEFAULT_GROUP) throw commonErrors.invalidParameterValue("The default cache security group cannot be deleted.");
  const users = cacheSecurityGroupUsers(ctx.state, group.name);
  if (users.length) {
    throw modelError(
      "InvalidCacheSecurityGroupStateFault",
      `Cache security group ${group.name} is in use by ${users.slice(0, 5).join(", ")} and cannot be deleted.`,
    );
  }
  removeResource(resources.securityGroup, ctx.state, group);
};
