/** DeleteCacheSubnetGroup: only a group no cluster or replication group uses; never `default`. */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { DEFAULT_GROUP } from "../../state/network.js";
import { resources } from "../../state/resources.js";
import type { ActionHandler } from "../shared/context.js";
import { findSubnetGroup, removeResource } from "../shared/lookups.js";
import { subnetGroupUsers } from "./subnet-group-rules.js";

export const deleteCacheSubnetGroup: ActionHandler<"DeleteCacheSubnetGroup"> = async (ctx, input) => {
  const group = findSubnetGroup(ctx.state, input.CacheSubnetGroupName);
  if (group.name === DEFAULT_GROUP) throw commonErrors.invalidParameterValue(`${DEFAULT_GROUP} is reserved and cannot be modified.`);
  const users = subnetGroupUsers(ctx.state, group.name);
  if (users.length) {
    throw modelError("CacheSubnetGroupInUse", `Cache subnet group ${group.name} is currently in use by ${users.slice(0, 5).join(", ")}.`);
  }
  removeResource(resources.subnetGroup, ctx.state, group);
};
